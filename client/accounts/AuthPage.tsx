/**
 * Signing in, in place of whatever page was asked for: the address stays as it is (a share link included),
 * so once the person is in, the app simply shows that page.
 *
 *   setup needed → "Create the administrator account" (the first account administers this Tandem)
 *   otherwise    → Sign in, or Create an account (explained when sign-up is by invitation)
 *   OpenID       → "Sign in with <label>", through the server and back to this address
 */
import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { MIN_PASSWORD_LENGTH, SignupMode, type AuthState } from '../../shared/accounts/api.js';
import { useNow } from '../app/useNow.js';
import { ApiError, authApi, sentence } from './api.js';
import { signedIn } from './authStore.js';
import './accounts.css';

/** The query parameter the server's OpenID Connect flow reports a refusal in (server/accounts/oidc.ts). */
const SIGNIN_ERROR_PARAM = 'signin_error';

type Mode = 'signIn' | 'signUp';

/** A refusal in words, and until when the form waits (a 429's retry-after). */
interface Problem {
  text: string;
  /** 409 on sign-up: the account exists, so offer to sign in instead. */
  accountExists?: boolean;
  retryAt?: number;
}

function describe(error: unknown): Problem {
  if (error instanceof ApiError) {
    switch (error.status) {
      case 401:
        return { text: 'Wrong email or password.' };
      case 409:
        return { text: 'An account with this email already exists.', accountExists: true };
      case 429: {
        const seconds = error.retryAfterSeconds ?? 60;
        return { text: 'Too many attempts.', retryAt: Date.now() + seconds * 1000 };
      }
      default:
        // 403 (disabled account, invitation only) and 400 (weak password, bad email) in the server's words.
        return { text: sentence(error) };
    }
  }
  return { text: sentence(error) };
}

export function AuthPage({ state, onBack, intro }: { state: AuthState; onBack?: () => void; intro?: ReactNode }) {
  const [mode, setMode] = useState<Mode>('signIn');
  const [oidcError] = useState<string | null>(() => new URLSearchParams(location.search).get(SIGNIN_ERROR_PARAM));

  useEffect(() => {
    if (oidcError === null) return;
    // Said once: a reload or a shared screenshot should not repeat it.
    const url = new URL(location.href);
    url.searchParams.delete(SIGNIN_ERROR_PARAM);
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }, [oidcError]);

  useEffect(() => {
    const previous = document.title;
    document.title = state.setupNeeded ? 'Set up — Tandem' : 'Sign in — Tandem';
    return () => {
      document.title = previous;
    };
  }, [state.setupNeeded]);

  return (
    <main className="auth" data-testid="auth-page">
      <div className="auth__card">
        <p className="auth__brand">Tandem</p>
        {intro}
        {state.setupNeeded ? (
          <>
            <h1 className="auth__title">Create the administrator account</h1>
            <p className="auth__text">
              This is the first account on this Tandem, so it administers it: it decides who may sign up, invites people and can
              disable accounts. You can invite others once you&apos;re in.
            </p>
            {state.oidc && <SingleSignOn label={state.oidc.label} />}
            <AccountForm mode="setup" />
          </>
        ) : mode === 'signIn' ? (
          <>
            <h1 className="auth__title">Sign in</h1>
            {oidcError && (
              <p className="field__error" role="alert" data-testid="auth-error">
                {oidcError}
              </p>
            )}
            {state.oidc && <SingleSignOn label={state.oidc.label} />}
            <AccountForm mode="signIn" />
            <p className="auth__switch">
              New here?{' '}
              <button type="button" className="link-button" data-testid="show-sign-up" onClick={() => setMode('signUp')}>
                Create an account
              </button>
            </p>
          </>
        ) : (
          <>
            <h1 className="auth__title">Create an account</h1>
            {state.signupMode === SignupMode.invite && (
              <p className="auth__text" data-testid="invite-only">
                Sign-up here is by invitation. Use the email address a document was shared with, or ask an administrator for an
                invitation.
              </p>
            )}
            <AccountForm mode="signUp" onAccountExists={() => setMode('signIn')} />
            <p className="auth__switch">
              Already have an account?{' '}
              <button type="button" className="link-button" data-testid="show-sign-in" onClick={() => setMode('signIn')}>
                Sign in
              </button>
            </p>
          </>
        )}
        {onBack && (
          <p className="auth__switch">
            <button type="button" className="link-button" onClick={onBack}>
              Back
            </button>
          </p>
        )}
      </div>
    </main>
  );
}

function AccountForm({ mode, onAccountExists }: { mode: Mode | 'setup'; onAccountExists?: () => void }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const waiting = problem?.retryAt !== undefined;
  const now = useNow(1_000, waiting);
  const secondsLeft = problem?.retryAt !== undefined ? Math.max(0, Math.ceil((problem.retryAt - now) / 1000)) : 0;
  const id = useId();
  const creating = mode !== 'signIn';

  useEffect(() => {
    if (waiting && secondsLeft === 0) setProblem(null);
  }, [waiting, secondsLeft]);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (busy || secondsLeft > 0) return;
    if (creating && name.trim() === '') return setProblem({ text: 'Enter your name: others see it next to your cursor.' });
    if (email.trim() === '') return setProblem({ text: 'Enter your email address.' });
    if (creating && password.length < MIN_PASSWORD_LENGTH) return setProblem({ text: `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.` });
    setBusy(true);
    setProblem(null);
    try {
      const me = creating ? await authApi.signUp({ name: name.trim(), email: email.trim(), password }) : await authApi.signIn({ email: email.trim(), password });
      signedIn(me);
    } catch (error) {
      setProblem(describe(error));
      setBusy(false);
    }
  };

  const label = mode === 'setup' ? 'Create the administrator account' : mode === 'signUp' ? 'Create account' : 'Sign in';
  return (
    <form className="auth__form" onSubmit={(event) => void submit(event)} noValidate data-testid={`${mode}-form`}>
      {creating && (
        <label className="field">
          <span className="field__label">Your name</span>
          <input className="field__input" name="name" autoComplete="name" value={name} onChange={(event) => setName(event.target.value)} autoFocus data-testid="auth-name" />
        </label>
      )}
      <label className="field">
        <span className="field__label">Email</span>
        <input
          className="field__input"
          type="email"
          name="email"
          autoComplete={creating ? 'email' : 'username'}
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          autoFocus={!creating}
          data-testid="auth-email"
        />
      </label>
      <label className="field">
        <span className="field__label">Password</span>
        <input
          className="field__input"
          type="password"
          name="password"
          autoComplete={creating ? 'new-password' : 'current-password'}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          aria-describedby={creating ? `${id}-hint` : undefined}
          data-testid="auth-password"
        />
        {creating && (
          <span id={`${id}-hint`} className="field__hint">
            At least {MIN_PASSWORD_LENGTH} characters. A few unrelated words work well.
          </span>
        )}
      </label>
      {problem && (
        <p className="field__error" role="alert" data-testid="auth-error">
          {problem.text}
          {secondsLeft > 0 && ` Try again in ${secondsLeft} s.`}
          {problem.accountExists && onAccountExists && (
            <>
              {' '}
              <button type="button" className="link-button" onClick={onAccountExists}>
                Sign in instead
              </button>
            </>
          )}
        </p>
      )}
      <button type="submit" className="button button--primary button--large" disabled={busy || secondsLeft > 0} data-testid="auth-submit">
        {busy ? (creating ? 'Creating…' : 'Signing in…') : label}
      </button>
    </form>
  );
}

/** The OpenID Connect button (when configured), offered before the email form on setup and sign-in alike. */
function SingleSignOn({ label }: { label: string }) {
  return (
    <>
      <a className="button button--large auth__oidc" href={authApi.oidcStartUrl(location.pathname + location.search)} data-testid="oidc-sign-in">
        {label}
      </a>
      <p className="auth__or">
        <span>or with your email</span>
      </p>
    </>
  );
}
