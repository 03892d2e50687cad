/**
 * The person's own avatar in the top bar, opening a small menu: who is signed in, change password, the
 * administration dialog for administrators, sign out here or everywhere. A guest gets "Sign in or create an
 * account" and "Leave" instead.
 */
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import type { Me } from '../../shared/accounts/api.js';
import { initials } from '../identity/identity.js';
import { authApi, sentence } from './api.js';
import { signedOut } from './authStore.js';

// Rarely opened and not needed to type: fetched on first use (they overlay the page; nothing moves meanwhile).
const AdminDialog = lazy(async () => ({ default: (await import('./AdminDialog.js')).AdminDialog }));
const PasswordDialog = lazy(async () => ({ default: (await import('./PasswordDialog.js')).PasswordDialog }));

type Open = 'none' | 'menu' | 'password' | 'admin';

export function AccountMenu({ me }: { me: Me }) {
  const [open, setOpen] = useState<Open>('none');
  const [error, setError] = useState<string | null>(null);
  const rootRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (open !== 'menu') return;
    const onPointerDown = (event: PointerEvent): void => {
      if (!rootRef.current?.contains(event.target as Node)) setOpen('none');
    };
    const onKeyDown = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') setOpen('none');
    };
    document.addEventListener('pointerdown', onPointerDown);
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown);
      document.removeEventListener('keydown', onKeyDown);
    };
  }, [open]);

  const signOut = async (everywhere: boolean): Promise<void> => {
    setError(null);
    try {
      await (everywhere ? authApi.signOutEverywhere() : authApi.signOut());
      signedOut();
    } catch (caught) {
      setError(sentence(caught));
    }
  };

  return (
    <div className="account" ref={rootRef}>
      <button
        type="button"
        className="avatar-button"
        data-testid="account-button"
        aria-label={`Your account: ${me.name}`}
        aria-haspopup="menu"
        aria-expanded={open === 'menu'}
        title={me.email ?? me.name}
        style={{ ['--user-color' as string]: me.color }}
        onClick={() => setOpen((value) => (value === 'menu' ? 'none' : 'menu'))}
      >
        {initials(me.name)}
      </button>
      {open === 'menu' && (
        <div className="popover account__menu" role="menu" aria-label="Your account" data-testid="account-menu">
          <div className="account__who">
            <strong data-testid="account-name">{me.name}</strong>
            <span className="muted">{me.isGuest ? 'Guest (no account)' : me.email}</span>
          </div>
          {me.isGuest ? (
            <>
              <button type="button" role="menuitem" className="menu-item" onClick={() => void signOut(false)}>
                Sign in or create an account
              </button>
              <button type="button" role="menuitem" className="menu-item" data-testid="sign-out" onClick={() => void signOut(false)}>
                Leave
              </button>
            </>
          ) : (
            <>
              <button type="button" role="menuitem" className="menu-item" data-testid="change-password" onClick={() => setOpen('password')}>
                Change password
              </button>
              {me.isAdmin && (
                <button type="button" role="menuitem" className="menu-item" data-testid="open-admin" onClick={() => setOpen('admin')}>
                  Administration
                </button>
              )}
              <hr className="menu-separator" />
              <button type="button" role="menuitem" className="menu-item" data-testid="sign-out" onClick={() => void signOut(false)}>
                Sign out
              </button>
              <button type="button" role="menuitem" className="menu-item" data-testid="sign-out-everywhere" onClick={() => void signOut(true)}>
                Sign out everywhere
              </button>
            </>
          )}
          {error && (
            <p className="field__error" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
      <Suspense fallback={null}>
        {open === 'password' && <PasswordDialog onClose={() => setOpen('none')} />}
        {open === 'admin' && <AdminDialog me={me} onClose={() => setOpen('none')} />}
      </Suspense>
    </div>
  );
}
