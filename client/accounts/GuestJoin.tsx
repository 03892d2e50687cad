/**
 * Someone without an account opened a share link: a name is all it takes to join (the server makes a
 * guest who holds only the link's role), or they sign in instead. Whether the link lets guests in is only
 * known by trying: a link that was reset or turned off is refused, and said so.
 */
import { useState, type FormEvent } from 'react';
import { MAX_DISPLAY_NAME_LENGTH } from '../../shared/auth.js';
import type { AuthState } from '../../shared/accounts/api.js';
import { cleanDisplayName, randomDisplayName } from '../identity/identity.js';
import { ApiError, authApi, sentence } from './api.js';
import { AuthPage } from './AuthPage.js';
import { signedIn } from './authStore.js';
import './accounts.css';

export function GuestJoin({ docName, link, state }: { docName: string; link: string; state: AuthState }) {
  const [name, setName] = useState(randomDisplayName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [signingIn, setSigningIn] = useState(false);

  if (signingIn) return <AuthPage state={state} onBack={() => setSigningIn(false)} />;

  const join = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const clean = cleanDisplayName(name);
    if (!clean) return setError('Enter a name so others know who is here.');
    setBusy(true);
    setError(null);
    try {
      signedIn(await authApi.guest({ name: clean, document: docName, link }));
    } catch (caught) {
      setBusy(false);
      if (caught instanceof ApiError && caught.status === 429) setError(`Too many attempts. Try again in ${caught.retryAfterSeconds ?? 60} s.`);
      else setError(sentence(caught));
    }
  };

  return (
    <main className="auth" data-testid="guest-join">
      <div className="auth__card">
        <p className="auth__brand">Tandem</p>
        <h1 className="auth__title">Enter your name to join</h1>
        <p className="auth__text">Someone shared a document with you. Others in it will see this name next to your cursor.</p>
        <form className="auth__form" onSubmit={(event) => void join(event)} noValidate>
          <label className="field">
            <span className="field__label">Your name</span>
            <input
              className="field__input"
              value={name}
              maxLength={MAX_DISPLAY_NAME_LENGTH}
              autoFocus
              onFocus={(event) => event.currentTarget.select()}
              onChange={(event) => {
                setName(event.target.value);
                setError(null);
              }}
              aria-invalid={error ? true : undefined}
              data-testid="guest-name"
            />
          </label>
          {error && (
            <p className="field__error" role="alert" data-testid="guest-error">
              {error}
            </p>
          )}
          <button type="submit" className="button button--primary button--large" disabled={busy} data-testid="guest-join-button">
            {busy ? 'Joining…' : 'Join'}
          </button>
        </form>
        <p className="auth__switch">
          Have an account?{' '}
          <button type="button" className="link-button" data-testid="guest-sign-in" onClick={() => setSigningIn(true)}>
            Sign in instead
          </button>
        </p>
      </div>
    </main>
  );
}
