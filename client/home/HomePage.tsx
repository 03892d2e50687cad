/**
 * Home: the documents you own and those shared with you, from the server, newest edit first, searchable by
 * title; "New document" in one click; your own documents can go to the trash, and from the trash come back
 * or go for good.
 */
import { useState } from 'react';
import type { DocumentSummary, Me } from '../../shared/accounts/api.js';
import { AccountMenu } from '../accounts/AccountMenu.js';
import { documentsApi, sentence } from '../accounts/api.js';
import { documentPath, navigate } from '../app/route.js';
import { formatRelativeTime, useNow } from '../app/useNow.js';
import { useDocuments, type View } from './useDocuments.js';
import './home.css';

type Status = { text: string; undo?: DocumentSummary; bad?: boolean } | null;

export function HomePage({ me }: { me: Me }) {
  const [view, setView] = useState<View>('documents');
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState<Status>(null);
  const [creating, setCreating] = useState(false);
  const documents = useDocuments(view, query);
  const now = useNow(30_000);

  const create = async (): Promise<void> => {
    setCreating(true);
    try {
      const created = await documentsApi.create();
      navigate(documentPath(created.id));
    } catch (caught) {
      setStatus({ text: `Couldn't create a document. ${sentence(caught)}`, bad: true });
      setCreating(false);
    }
  };

  const act = async (action: () => Promise<unknown>, done: Status): Promise<void> => {
    try {
      await action();
      setStatus(done);
    } catch (caught) {
      setStatus({ text: sentence(caught), bad: true });
    }
    await documents.reload();
  };

  const trash = (doc: DocumentSummary) => act(() => documentsApi.trashDocument(doc.id), { text: `“${doc.title}” moved to the trash.`, undo: doc });
  const restore = (doc: DocumentSummary) => act(() => documentsApi.restore(doc.id), { text: `“${doc.title}” is back in your documents.` });
  const purge = (doc: DocumentSummary) => act(() => documentsApi.purge(doc.id), { text: `“${doc.title}” was deleted for good.` });

  return (
    <div className="app">
      <header className="topbar">
        <span className="topbar__brand">Tandem</span>
        <span className="topbar__spacer" />
        <AccountMenu me={me} />
      </header>
      <main className="home" data-testid="home">
        <div className="home__head">
          <h1 className="home__title">{view === 'trash' ? 'Trash' : 'Documents'}</h1>
          <input
            type="search"
            className="field__input home__search"
            placeholder="Search by title"
            aria-label="Search documents by title"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            data-testid="document-search"
          />
          {view === 'documents' && !me.isGuest && (
            <button type="button" className="button button--primary" data-testid="new-document" disabled={creating} onClick={() => void create()}>
              New document
            </button>
          )}
        </div>

        <p className={`home__status${status?.bad ? ' home__status--bad' : ''}`} role="status" data-testid="home-status">
          {status?.text}
          {status?.undo && (
            <>
              {' '}
              <button type="button" className="link-button" onClick={() => status.undo && void restore(status.undo)}>
                Undo
              </button>
            </>
          )}
        </p>
        {documents.error && (
          <p className="field__error" role="alert">
            {documents.error}
          </p>
        )}

        {view === 'documents' ? (
          <>
            {me.isGuest ? (
              <p className="home__note" data-testid="guest-note">
                You&apos;re here as a guest, so you can open documents shared with you by link. To write documents of your own, sign out and
                create an account.
              </p>
            ) : (
              <DocumentSection
                title="My documents"
                testId="owned-documents"
                docs={documents.list?.owned ?? null}
                empty={query.trim() ? `None of your documents has “${query.trim()}” in its title.` : 'No documents yet. Start one with New document.'}
                me={me}
                now={now}
                onTrash={trash}
              />
            )}
            <DocumentSection
              title="Shared with me"
              testId="shared-documents"
              docs={documents.list?.shared ?? null}
              empty={query.trim() ? `No shared document has “${query.trim()}” in its title.` : 'Documents others share with you appear here.'}
              me={me}
              now={now}
            />
            {!me.isGuest && (
              <p className="home__footer">
                <button
                  type="button"
                  className="link-button"
                  data-testid="open-trash"
                  onClick={() => {
                    setStatus(null);
                    setView('trash');
                  }}
                >
                  Trash
                </button>
              </p>
            )}
          </>
        ) : (
          <TrashSection
            docs={documents.trash}
            now={now}
            onBack={() => {
              setStatus(null);
              setView('documents');
            }}
            onRestore={restore}
            onPurge={purge}
          />
        )}
      </main>
    </div>
  );
}

function roleLabel(role: DocumentSummary['role']): string {
  return role.charAt(0).toUpperCase() + role.slice(1);
}

function edited(doc: DocumentSummary, me: Me, now: number): string {
  const when = formatRelativeTime(doc.updatedAt, now);
  if (!doc.lastEditedBy) return `Created ${when}`;
  return `Edited ${when} by ${doc.lastEditedBy.id === me.id ? 'you' : doc.lastEditedBy.name}`;
}

function DocumentSection({
  title,
  testId,
  docs,
  empty,
  me,
  now,
  onTrash,
}: {
  title: string;
  testId: string;
  docs: DocumentSummary[] | null;
  empty: string;
  me: Me;
  now: number;
  onTrash?: (doc: DocumentSummary) => void;
}) {
  const headingId = `${testId}-title`;
  return (
    <section className="home__section" aria-labelledby={headingId}>
      <h2 id={headingId} className="home__subtitle">
        {title}
      </h2>
      {docs === null ? (
        <p className="muted">Loading…</p>
      ) : docs.length === 0 ? (
        <p className="muted" data-testid={`${testId}-empty`}>
          {empty}
        </p>
      ) : (
        <ul className="doc-list" data-testid={testId}>
          <li className="doc-row doc-row--head" aria-hidden="true">
            <span>Title</span>
            <span>Owner</span>
            <span>Last edited</span>
            <span />
          </li>
          {docs.map((doc) => (
            <li key={doc.id} className="doc-row" data-testid="document-row" data-id={doc.id}>
              <span className="doc-row__name">
                <a
                  className="doc-row__title"
                  href={documentPath(doc.id)}
                  data-testid="document-link"
                  onClick={(event) => {
                    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                    event.preventDefault();
                    navigate(documentPath(doc.id));
                  }}
                >
                  {doc.title}
                </a>
                {doc.role !== 'owner' && (
                  <span className="tag" data-testid="document-role">
                    {roleLabel(doc.role)}
                  </span>
                )}
              </span>
              <span className="doc-row__owner muted" data-testid="document-owner" title={doc.owner.email ?? undefined}>
                {doc.owner.id === me.id ? 'You' : doc.owner.name}
              </span>
              <span className="doc-row__edited muted" data-testid="document-edited">
                {edited(doc, me, now)}
              </span>
              <span className="doc-row__actions">
                {onTrash && doc.role === 'owner' && (
                  <button type="button" className="button button--small button--quiet" aria-label={`Move “${doc.title}” to the trash`} data-testid="trash-document" onClick={() => onTrash(doc)}>
                    Delete
                  </button>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function TrashSection({
  docs,
  now,
  onBack,
  onRestore,
  onPurge,
}: {
  docs: DocumentSummary[] | null;
  now: number;
  onBack(): void;
  onRestore(doc: DocumentSummary): void;
  onPurge(doc: DocumentSummary): void;
}) {
  const [confirming, setConfirming] = useState<string | null>(null);
  return (
    <section className="home__section" aria-label="Trash">
      <p className="home__note">
        <button type="button" className="link-button" onClick={onBack} data-testid="close-trash">
          ← Back to documents
        </button>
        <span className="muted"> · Documents stay in the trash until you delete them forever. Nobody else can open them meanwhile.</span>
      </p>
      {docs === null ? (
        <p className="muted">Loading…</p>
      ) : docs.length === 0 ? (
        <p className="muted" data-testid="trash-empty">
          The trash is empty.
        </p>
      ) : (
        <ul className="doc-list" data-testid="trash-list">
          {docs.map((doc) => (
            <li key={doc.id} className="doc-row doc-row--trash" data-testid="trash-row" data-id={doc.id}>
              <span className="doc-row__title">{doc.title}</span>
              <span className="doc-row__edited muted">Deleted {formatRelativeTime(doc.deletedAt ?? doc.updatedAt, now)}</span>
              {confirming === doc.id ? (
                <span className="doc-row__actions doc-row__confirm" role="group" aria-label={`Delete “${doc.title}” forever?`}>
                  <span>Delete forever? This can&apos;t be undone.</span>
                  <button type="button" className="button button--small button--danger" data-testid="purge-confirm" onClick={() => onPurge(doc)}>
                    Delete forever
                  </button>
                  <button type="button" className="button button--small" onClick={() => setConfirming(null)}>
                    Cancel
                  </button>
                </span>
              ) : (
                <span className="doc-row__actions">
                  <button type="button" className="button button--small" data-testid="restore-document" onClick={() => onRestore(doc)}>
                    Restore
                  </button>
                  <button type="button" className="button button--small button--quiet" data-testid="purge-document" onClick={() => setConfirming(doc.id)}>
                    Delete forever
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
