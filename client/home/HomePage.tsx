import { useState, type FormEvent } from 'react';
import { isValidDocName, randomDocName } from '../../shared/docName.js';
import { documentPath, navigate } from '../app/route.js';
import { formatRelativeTime, useNow } from '../app/useNow.js';
import type { Identity } from '../identity/identity.js';
import { SettingsButton } from '../identity/SettingsButton.js';
import { forgetRecentDoc, loadRecentDocs, type RecentDoc } from './recentDocs.js';

export function HomePage({ identity }: { identity: Identity }) {
  const [recent, setRecent] = useState<RecentDoc[]>(loadRecentDocs);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const now = useNow(30_000);

  const open = (event: FormEvent): void => {
    event.preventDefault();
    const docName = name.trim();
    if (!isValidDocName(docName)) {
      setError(
        docName === ''
          ? 'Type the name of a document to open it.'
          : 'Document names use letters, digits, "-", "_" and "." (up to 128, not starting with ".").',
      );
      return;
    }
    navigate(documentPath(docName));
  };

  return (
    <div className="app">
      <header className="topbar">
        <span className="topbar__brand">Tandem</span>
        <span className="topbar__spacer" />
        <SettingsButton identity={identity} />
      </header>
      <main className="home">
        <section className="home__start">
          <h1 className="home__title">Write together</h1>
          <button
            type="button"
            className="button button--primary button--large"
            data-testid="new-document"
            onClick={() => navigate(documentPath(randomDocName()))}
          >
            New document
          </button>
          <form className="home__open" onSubmit={open} noValidate>
            <label className="field__label" htmlFor="doc-name">
              Or open a document by name
            </label>
            <div className="home__open-row">
              <input
                id="doc-name"
                className="field__input"
                data-testid="doc-name-input"
                placeholder="e.g. quarterly-plan"
                value={name}
                onChange={(event) => {
                  setName(event.target.value);
                  setError(null);
                }}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? 'doc-name-error' : undefined}
              />
              <button type="submit" className="button" data-testid="open-document">
                Open
              </button>
            </div>
            {error && (
              <p id="doc-name-error" className="field__error" role="alert" data-testid="doc-name-error">
                {error}
              </p>
            )}
          </form>
        </section>
        <section className="home__recent" aria-labelledby="recent-title">
          <h2 id="recent-title" className="home__subtitle">
            Recent documents
          </h2>
          {recent.length === 0 ? (
            <p className="muted">Documents you open appear here.</p>
          ) : (
            <ul className="recent" data-testid="recent-documents">
              {recent.map((doc) => (
                <li key={doc.name} className="recent__item">
                  <a
                    className="recent__link"
                    href={documentPath(doc.name)}
                    onClick={(event) => {
                      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                      event.preventDefault();
                      navigate(documentPath(doc.name));
                    }}
                  >
                    {doc.name}
                  </a>
                  <span className="recent__time muted">
                    {doc.editedAt !== null
                      ? `Edited ${formatRelativeTime(doc.editedAt, now)}`
                      : `Opened ${formatRelativeTime(doc.openedAt, now)}`}
                  </span>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Remove ${doc.name} from this list`}
                    title="Remove from this list (the document itself is kept)"
                    onClick={() => {
                      forgetRecentDoc(doc.name);
                      setRecent(loadRecentDocs());
                    }}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      </main>
    </div>
  );
}
