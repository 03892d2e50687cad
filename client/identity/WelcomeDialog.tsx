import { useState } from 'react';
import { IdentityForm } from './IdentityForm.js';
import { randomColor, randomDisplayName, saveIdentity } from './identity.js';

/** First visit: ask for a name (a friendly random one is ready to accept) before anything else. */
export function WelcomeDialog() {
  const [initial] = useState(() => ({ name: randomDisplayName(), color: randomColor() }));
  return (
    <div className="welcome" data-testid="welcome">
      <div className="welcome__card" role="dialog" aria-modal="true" aria-labelledby="welcome-title">
        <h1 id="welcome-title" className="welcome__title">
          Welcome to Tandem
        </h1>
        <p className="welcome__text">
          Pick the name and colour others will see next to your cursor. You can change them any time.
        </p>
        <IdentityForm initial={initial} submitLabel="Start writing" onSubmit={saveIdentity} />
      </div>
    </div>
  );
}
