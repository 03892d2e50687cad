import { useEffect, useState } from 'react';
import { HomePage } from '../home/HomePage.js';
import type { Identity } from '../identity/identity.js';
import { useIdentity } from '../identity/useIdentity.js';
import { WelcomeDialog } from '../identity/WelcomeDialog.js';
import { assertNever } from '../../shared/protocol/messages.js';
import { TokenManager } from '../session/tokens.js';
import { DocumentPage } from './DocumentPage.js';
import { navigate, parseRoute, usePathname } from './route.js';

export function App() {
  const identity = useIdentity();
  // A first visit asks for a name before anything else: every token and caret label needs one.
  if (!identity) return <WelcomeDialog />;
  return <SignedIn identity={identity} />;
}

function SignedIn({ identity }: { identity: Identity }) {
  const route = parseRoute(usePathname());
  // One token manager for the whole tab, so documents opened one after another share a token.
  const [tokens] = useState(() => new TokenManager(identity));

  useEffect(() => tokens.setIdentity(identity), [tokens, identity]);
  useEffect(() => () => tokens.dispose(), [tokens]);

  switch (route.page) {
    case 'home':
      return <HomePage identity={identity} />;
    case 'document':
      return <DocumentPage key={route.docName} docName={route.docName} identity={identity} tokens={tokens} />;
    case 'invalidDocument':
      return (
        <Problem
          title="This link is not valid"
          text={`"${route.raw}" is not a document name. Names use letters, digits, "-", "_" and ".".`}
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
