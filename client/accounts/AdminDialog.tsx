/**
 * The administrator's dialog: who may sign up (open or by invitation; fixed when SIGNUP_MODE is set on the
 * server), inviting an email, and the accounts with Disable / Enable. Tandem sends no email, so an
 * invitation is a permission to sign up that the administrator tells the person about.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { isPlausibleEmail, normalizeEmail, SignupMode, type AdminSettings, type AdminUser, type Me } from '../../shared/accounts/api.js';
import { Dialog } from '../app/Dialog.js';
import { adminApi, sentence } from './api.js';

export function AdminDialog({ me, onClose }: { me: Me; onClose(): void }) {
  const [settings, setSettings] = useState<AdminSettings | null>(null);
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const [loadedSettings, loadedUsers] = await Promise.all([adminApi.settings(), adminApi.users()]);
      setSettings(loadedSettings);
      setUsers(loadedUsers.users);
      setError(null);
    } catch (caught) {
      setError(sentence(caught));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const setMode = async (signupMode: SignupMode): Promise<void> => {
    try {
      setSettings(await adminApi.setSettings({ signupMode }));
      setError(null);
    } catch (caught) {
      setError(sentence(caught));
    }
  };

  const setDisabled = async (user: AdminUser, disabled: boolean): Promise<void> => {
    try {
      const changed = await adminApi.setDisabled(user.id, disabled);
      setUsers((list) => list?.map((item) => (item.id === changed.id ? changed : item)) ?? null);
      setError(null);
    } catch (caught) {
      setError(sentence(caught));
    }
  };

  return (
    <Dialog title="Administration" onClose={onClose} testId="admin-dialog" wide>
      {error && (
        <p className="field__error dialog__section" role="alert">
          {error}
        </p>
      )}
      <section className="dialog__section" aria-labelledby="admin-signup">
        <h3 id="admin-signup" className="dialog__subtitle">
          Who can create an account
        </h3>
        <fieldset className="choices" disabled={!settings || settings.fixedByEnvironment === true}>
          <label className="choice">
            <input type="radio" name="signup" checked={settings?.signupMode === SignupMode.open} onChange={() => void setMode(SignupMode.open)} data-testid="signup-open" />
            <span>
              Anyone who can reach this Tandem
            </span>
          </label>
          <label className="choice">
            <input type="radio" name="signup" checked={settings?.signupMode === SignupMode.invite} onChange={() => void setMode(SignupMode.invite)} data-testid="signup-invite" />
            <span>Only invited people (and people a document was shared with)</span>
          </label>
        </fieldset>
        {settings?.fixedByEnvironment && (
          <p className="field__hint" data-testid="signup-fixed">
            Set by <code>SIGNUP_MODE</code> on the server; change it there.
          </p>
        )}
      </section>
      <InviteForm />
      <section className="dialog__section" aria-labelledby="admin-users">
        <h3 id="admin-users" className="dialog__subtitle">
          Accounts
        </h3>
        {users === null ? (
          <p className="muted">Loading…</p>
        ) : (
          <ul className="people" data-testid="admin-users">
            {users.map((user) => (
              <li key={user.id} className="people__row" data-testid="admin-user" data-email={user.email ?? ''}>
                <div className="people__who">
                  <span className="people__name">
                    {user.name}
                    {user.id === me.id && <span className="muted"> (you)</span>}
                  </span>
                  <span className="people__email muted">{user.email ?? 'Guest'}</span>
                </div>
                {user.isAdmin && <span className="tag">Administrator</span>}
                {user.disabled && <span className="tag tag--bad">Disabled</span>}
                {user.id !== me.id && (
                  <button type="button" className="button button--small" onClick={() => void setDisabled(user, !user.disabled)} data-testid="toggle-disabled">
                    {user.disabled ? 'Enable' : 'Disable'}
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    </Dialog>
  );
}

function InviteForm() {
  const [email, setEmail] = useState('');
  const [message, setMessage] = useState<{ text: string; bad: boolean } | null>(null);
  const [busy, setBusy] = useState(false);

  const invite = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const address = normalizeEmail(email);
    if (!isPlausibleEmail(address)) return setMessage({ text: 'Enter a valid email address.', bad: true });
    setBusy(true);
    try {
      await adminApi.invite(address);
      setMessage({ text: `${address} can now create an account. Tandem doesn't send email: let them know.`, bad: false });
      setEmail('');
    } catch (caught) {
      setMessage({ text: sentence(caught), bad: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="dialog__section" aria-labelledby="admin-invite">
      <h3 id="admin-invite" className="dialog__subtitle">
        Invite someone
      </h3>
      <form className="inline-form" onSubmit={(event) => void invite(event)} noValidate>
        <input
          className="field__input"
          type="email"
          placeholder="name@example.com"
          aria-label="Email address to invite"
          value={email}
          onChange={(event) => {
            setEmail(event.target.value);
            setMessage(null);
          }}
          data-testid="invite-email"
        />
        <button type="submit" className="button" disabled={busy} data-testid="invite-button">
          Invite
        </button>
      </form>
      {message && (
        <p className={message.bad ? 'field__error' : 'field__hint'} role={message.bad ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </section>
  );
}
