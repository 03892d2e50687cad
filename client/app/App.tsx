/**
 * The app shell: who is signed in decides what each address shows.
 *
 *   /d/<id> with a host application's token → the document, as the host said (the embedding contract)
 *   /d/<id>?link=… while signed out          → "Enter your name to join" (or sign in)
 *   anything while signed out                → sign-in (or first-run setup), at the same address, so the
 *                                              page asked for opens once the person is in
 *   /                                        → your documents
 */
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { loadAuth, useAuth } from '../accounts/authStore.js';
import { assertNever } from '../../shared/protocol/messages.js';
import { readHostSession } from '../session/tokens.js';
import { DocumentPage } from './DocumentPage.js';
import { linkFromAddress, navigate, parseRoute, usePathname } from './route.js';

// The pages with no editor load on demand, so a document's first download is only what it needs to type.
// The document page stays in the entry: it is what most visits open, and splitting it would only add a
// round trip before the editor.
const AuthPage = lazy(async () => ({ default: (await import('../accounts/AuthPage.js')).AuthPage }));
const GuestJoin = lazy(async () => ({ default: (await import('../accounts/GuestJoin.js')).GuestJoin }));
const HomePage = lazy(async () => ({ default: (await import('../home/HomePage.js')).HomePage }));

/** While a page's chunk arrives: the same empty, busy shell as while the session is being read. */
function OnDemand({ children }: { children: ReactNode }) {
  return <Suspense fallback={<div className="app app--loading" aria-busy="true" />}>{children}</Suspense>;
}

export function App() {
  const auth = useAuth();
  const route = parseRoute(usePathname());

  useEffect(() => {
    void loadAuth();
  }, []);

  if (auth.kind === 'loading') return <div className="app app--loading" aria-busy="true" />;
  if (auth.kind === 'unreachable') {
    return (
      <main className="problem" role="alert" data-testid="unreachable">
        <h1>Can&apos;t reach Tandem</h1>
        <p className="muted">The server isn&apos;t answering. Check your connection; this page tries again when you do.</p>
        <button type="button" className="button button--primary" onClick={() => void loadAuth()}>
          Try again
        </button>
      </main>
    );
  }
  const { state } = auth;
  const me = state.user;

  switch (route.page) {
    case 'document': {
      if (readHostSession()) return <DocumentPage key={route.docName} docName={route.docName} me={me} />;
      if (me) return <DocumentPage key={`${route.docName}:${me.id}`} docName={route.docName} me={me} />;
      const link = linkFromAddress();
      if (link !== null) {
        return (
          <OnDemand>
            <GuestJoin docName={route.docName} link={link} state={state} />
          </OnDemand>
        );
      }
      return (
        <OnDemand>
          <AuthPage state={state} />
        </OnDemand>
      );
    }
    case 'home':
      return <OnDemand>{me ? <HomePage me={me} /> : <AuthPage state={state} />}</OnDemand>;
    case 'invalidDocument':
      return (
        <Problem
          title="This link is not valid"
          text={`"${route.raw}" is not a document address. Check the link, or open the document from your list.`}
        />
      );
    case 'notFound':
      return <Problem title="Page not found" text="There is nothing at this address." />;
    default:
      return assertNever(route);
  }
}

function Problem({ title, text }: { title: string; text: string }) {
  return (
    <main className="problem" role="alert">
      <h1>{title}</h1>
      <p>{text}</p>
      <button type="button" className="button button--primary" onClick={() => navigate('/')}>
        Go to your documents
      </button>
    </main>
  );
}
