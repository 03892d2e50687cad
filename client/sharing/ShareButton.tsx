import { lazy, Suspense, useState } from 'react';
import type { DocumentRole } from '../../shared/accounts/api.js';

// Not needed to type: its chunk is fetched on the first click (the dialog overlays the page, so showing
// nothing for that moment moves nothing).
const ShareDialog = lazy(async () => ({ default: (await import('./ShareDialog.js')).ShareDialog }));

/** "Share" in the top bar: opens the sharing dialog (what it offers depends on our role). */
export function ShareButton({ docName, title, role }: { docName: string; title: string; role: DocumentRole }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="button button--primary" data-testid="share-button" onClick={() => setOpen(true)}>
        Share
      </button>
      {open && (
        <Suspense fallback={null}>
          <ShareDialog docName={docName} title={title} role={role} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
