/**
 * One dialog for sharing, Google-Docs-like:
 *   - add people by email with a role (viewer, commenter, editor), whether or not they have an account yet;
 *   - who has access: the owner, then each person with a role to change, Remove, and "Make owner" for
 *     people with an account (confirmed: the owner becomes an editor);
 *   - general access: Restricted, or anyone with the link as viewer, commenter or editor;
 *   - Copy link (with the link's secret when link sharing is on) and Reset link (confirmed: every old link
 *     stops working).
 * The owner changes things; an editor sees the same read-only; a viewer or commenter only copies the address.
 * Every change answers with the new sharing, so the dialog always shows what the server has.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { isPlausibleEmail, LINK_PARAM, normalizeEmail, SHARE_ROLES, type DocumentRole, type Member, type ShareRole, type Sharing } from '../../shared/accounts/api.js';
import { documentsApi, sentence } from '../accounts/api.js';
import { Dialog } from '../app/Dialog.js';
import { documentPath } from '../app/route.js';
import './sharing.css';

const ROLE_LABELS: Record<ShareRole, string> = { viewer: 'Viewer', commenter: 'Commenter', editor: 'Editor' };
const LINK_DESCRIPTIONS: Record<ShareRole, string> = {
  viewer: 'Anyone with the link can view.',
  commenter: 'Anyone with the link can view and comment.',
  editor: 'Anyone with the link can edit.',
};

/** What the confirm row in the dialog is asking about. */
type Confirm = { kind: 'transfer'; member: Member } | { kind: 'reset' } | null;

export function ShareDialog({ docName, title, role, onClose }: { docName: string; title: string; role: DocumentRole; onClose(): void }) {
  const isOwner = role === 'owner';
  const seesSharing = isOwner || role === 'editor';
  const [sharing, setSharing] = useState<Sharing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    if (!seesSharing) return;
    try {
      setSharing(await documentsApi.sharing(docName));
      setError(null);
    } catch (caught) {
      setError(sentence(caught));
    }
  }, [docName, seesSharing]);

  useEffect(() => {
    void load();
  }, [load]);

  /** Runs a change; true when the server took it. */
  const change = async (action: () => Promise<Sharing>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      setSharing(await action());
      return true;
    } catch (caught) {
      setError(sentence(caught));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const linkOn = sharing?.link.role != null;
  const linkUrl = `${location.origin}${documentPath(docName)}${linkOn && sharing?.link.secret ? `?${LINK_PARAM}=${encodeURIComponent(sharing.link.secret)}` : ''}`;

  return (
    <Dialog title={`Share “${title}”`} onClose={onClose} testId="share-dialog" wide>
      {error && (
        <p className="field__error dialog__section" role="alert" data-testid="share-error">
          {error}
        </p>
      )}
      {isOwner && <AddPeople disabled={busy} onAdd={(email, newRole) => change(() => documentsApi.setMember(docName, email, newRole))} />}

      {seesSharing && (
        <section className="dialog__section" aria-labelledby="share-people">
          <h3 id="share-people" className="dialog__subtitle">
            People with access
          </h3>
          {sharing === null ? (
            <p className="muted">Loading…</p>
          ) : (
            <ul className="people" data-testid="share-people">
              <li className="people__row" data-testid="share-owner">
                <div className="people__who">
                  <span className="people__name">
                    {sharing.owner.name}
                    {isOwner && <span className="muted"> (you)</span>}
                  </span>
                  <span className="people__email muted">{sharing.owner.email}</span>
                </div>
                <span className="people__role muted">Owner</span>
              </li>
              {sharing.members.map((member) => (
                <MemberRow
                  key={member.email}
                  member={member}
                  editable={isOwner}
                  disabled={busy}
                  onRole={(newRole) => void change(() => documentsApi.setMember(docName, member.email, newRole))}
                  onRemove={() => void change(() => documentsApi.removeMember(docName, member.email))}
                  onTransfer={() => setConfirm({ kind: 'transfer', member })}
                />
              ))}
            </ul>
          )}
          {confirm?.kind === 'transfer' && (
            <div className="confirm" role="group" aria-label="Transfer ownership" data-testid="transfer-confirm">
              <p>
                Make {confirm.member.user?.name ?? confirm.member.email} the owner of “{title}”? You stay on as an editor; only the new owner can
                change who has access, and can remove you.
              </p>
              <div className="dialog__actions">
                <button type="button" className="button" onClick={() => setConfirm(null)}>
                  Cancel
                </button>
                <button
                  type="button"
                  className="button button--danger"
                  disabled={busy}
                  data-testid="transfer-confirm-button"
                  onClick={() => void change(() => documentsApi.transferOwnership(docName, confirm.member.email)).then(() => setConfirm(null))}
                >
                  Make owner
                </button>
              </div>
            </div>
          )}
        </section>
      )}

      {seesSharing && sharing && (
        <GeneralAccess
          link={sharing.link.role}
          editable={isOwner}
          disabled={busy}
          onChange={(linkRole) => void change(() => documentsApi.setLinkRole(docName, linkRole))}
        />
      )}

      {!isOwner && (
        <p className="dialog__section field__hint" data-testid="share-not-owner">
          Only the owner can change who has access. {seesSharing ? '' : 'You can copy the address: people who already have access can open it.'}
        </p>
      )}

      {confirm?.kind === 'reset' && (
        <div className="dialog__section confirm" role="group" aria-label="Reset link" data-testid="reset-confirm">
          <p>Reset the link? Everyone using the old link loses access. People added by email keep theirs.</p>
          <div className="dialog__actions">
            <button type="button" className="button" onClick={() => setConfirm(null)}>
              Cancel
            </button>
            <button
              type="button"
              className="button button--danger"
              disabled={busy}
              data-testid="reset-confirm-button"
              onClick={() => void change(() => documentsApi.resetLink(docName)).then(() => setConfirm(null))}
            >
              Reset link
            </button>
          </div>
        </div>
      )}

      <footer className="dialog__actions dialog__footer">
        <CopyLink url={linkUrl} withSecret={linkOn && sharing?.link.secret !== undefined} />
        {isOwner && sharing && (
          <button type="button" className="button" data-testid="reset-link" onClick={() => setConfirm({ kind: 'reset' })}>
            Reset link
          </button>
        )}
        <span className="topbar__spacer" />
        <button type="button" className="button button--primary" onClick={onClose} data-testid="share-done">
          Done
        </button>
      </footer>
    </Dialog>
  );
}

function RoleSelect({ value, onChange, disabled, label, testId }: { value: ShareRole; onChange(role: ShareRole): void; disabled?: boolean; label: string; testId?: string }) {
  return (
    <select className="select" aria-label={label} value={value} disabled={disabled} onChange={(event) => onChange(event.target.value as ShareRole)} data-testid={testId}>
      {SHARE_ROLES.map((option) => (
        <option key={option} value={option}>
          {ROLE_LABELS[option]}
        </option>
      ))}
    </select>
  );
}

function AddPeople({ disabled, onAdd }: { disabled: boolean; onAdd(email: string, role: ShareRole): Promise<boolean> }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<ShareRole>('editor');
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const address = normalizeEmail(email);
    if (!isPlausibleEmail(address)) return setProblem('Enter a valid email address, like name@example.com.');
    setProblem(null);
    if (await onAdd(address, role)) setEmail('');
  };

  return (
    <form className="dialog__section" onSubmit={(event) => void submit(event)} noValidate aria-label="Add people">
      <div className="inline-form">
        <input
          className="field__input"
          type="email"
          placeholder="Add people by email"
          aria-label="Email address to share with"
          value={email}
          onChange={(event) => {
            setEmail(event.target.value);
            setProblem(null);
          }}
          aria-invalid={problem ? true : undefined}
          data-testid="share-email"
        />
        <RoleSelect value={role} onChange={setRole} label="Role for the new person" testId="share-role" />
        <button type="submit" className="button button--primary" disabled={disabled} data-testid="share-add">
          Share
        </button>
      </div>
      {problem && (
        <p className="field__error" role="alert">
          {problem}
        </p>
      )}
      <p className="field__hint">They get access at once. Someone without an account can sign up with this email address.</p>
    </form>
  );
}

function MemberRow({
  member,
  editable,
  disabled,
  onRole,
  onRemove,
  onTransfer,
}: {
  member: Member;
  editable: boolean;
  disabled: boolean;
  onRole(role: ShareRole): void;
  onRemove(): void;
  onTransfer(): void;
}) {
  return (
    <li className="people__row" data-testid="share-member" data-email={member.email}>
      <div className="people__who">
        <span className="people__name">{member.user?.name ?? member.email}</span>
        <span className="people__email muted" title={member.email}>
          {member.user ? member.email : 'Invited · no account yet'}
        </span>
      </div>
      {editable ? (
        <span className="people__actions">
          <RoleSelect value={member.role} onChange={onRole} disabled={disabled} label={`Role of ${member.email}`} testId="member-role" />
          {member.user && (
            <button type="button" className="button button--small button--quiet" disabled={disabled} onClick={onTransfer} data-testid="make-owner">
              Make owner
            </button>
          )}
          <button type="button" className="button button--small button--quiet" disabled={disabled} onClick={onRemove} aria-label={`Remove ${member.email}`} data-testid="remove-member">
            Remove
          </button>
        </span>
      ) : (
        <span className="people__role muted">{ROLE_LABELS[member.role]}</span>
      )}
    </li>
  );
}

function GeneralAccess({ link, editable, disabled, onChange }: { link: ShareRole | null; editable: boolean; disabled: boolean; onChange(role: ShareRole | null): void }) {
  return (
    <section className="dialog__section" aria-labelledby="share-general">
      <h3 id="share-general" className="dialog__subtitle">
        General access
      </h3>
      <div className="general-access" data-testid="general-access" data-link-role={link ?? 'off'}>
        <span className={`general-access__icon${link ? ' general-access__icon--on' : ''}`} aria-hidden="true">
          {link ? <GlobeIcon /> : <LockIcon />}
        </span>
        <div className="general-access__text">
          {editable ? (
            <select
              className="select select--plain"
              aria-label="Who can open it"
              value={link ? 'link' : 'restricted'}
              disabled={disabled}
              onChange={(event) => onChange(event.target.value === 'link' ? 'viewer' : null)}
              data-testid="link-access"
            >
              <option value="restricted">Restricted</option>
              <option value="link">Anyone with the link</option>
            </select>
          ) : (
            <strong>{link ? 'Anyone with the link' : 'Restricted'}</strong>
          )}
          <span className="muted">{link ? LINK_DESCRIPTIONS[link] : 'Only people added here can open it.'}</span>
        </div>
        {link &&
          (editable ? (
            <RoleSelect value={link} onChange={onChange} disabled={disabled} label="Role for anyone with the link" testId="link-role" />
          ) : (
            <span className="people__role muted">{ROLE_LABELS[link]}</span>
          ))}
      </div>
    </section>
  );
}

const ICON = { width: 18, height: 18, viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', strokeWidth: 2, strokeLinecap: 'round', strokeLinejoin: 'round' } as const;

function LockIcon() {
  return (
    <svg {...ICON}>
      <rect x="5" y="11" width="14" height="10" rx="2" />
      <path d="M8 11V7a4 4 0 0 1 8 0v4" />
    </svg>
  );
}

function GlobeIcon() {
  return (
    <svg {...ICON}>
      <circle cx="12" cy="12" r="9" />
      <path d="M3 12h18M12 3a14 14 0 0 1 0 18M12 3a14 14 0 0 0 0 18" />
    </svg>
  );
}

/** How long "Link copied" stays: long enough to read, short enough not to linger. */
const COPIED_MS = 2_000;

function CopyLink({ url, withSecret }: { url: string; withSecret: boolean }) {
  const [state, setState] = useState<'idle' | 'copied' | 'manual'>('idle');
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (state !== 'copied') return;
    const timer = setTimeout(() => setState('idle'), COPIED_MS);
    return () => clearTimeout(timer);
  }, [state]);

  useEffect(() => {
    if (state === 'manual') inputRef.current?.select();
  }, [state]);

  const copy = async (): Promise<void> => {
    try {
      // Needs a secure context and, in some browsers, permission; fall back to a selectable field.
      await navigator.clipboard.writeText(url);
      setState('copied');
    } catch {
      setState('manual');
    }
  };

  return (
    <>
      <button type="button" className="button" data-testid="copy-link" data-url={url} onClick={() => void copy()} title={withSecret ? 'The link lets anyone open it with its role' : 'The address: only people with access can open it'}>
        {state === 'copied' ? 'Link copied' : 'Copy link'}
      </button>
      <span className="visually-hidden" aria-live="polite">
        {state === 'copied' ? 'Link copied to the clipboard' : ''}
      </span>
      {state === 'manual' && (
        <input ref={inputRef} className="field__input copy-link__field" readOnly value={url} aria-label="Link to copy" data-testid="share-link" />
      )}
    </>
  );
}
