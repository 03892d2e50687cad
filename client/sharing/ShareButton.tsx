import { useState } from 'react';
import type { DocumentRole } from '../../shared/accounts/api.js';
import { ShareDialog } from './ShareDialog.js';

/** "Share" in the top bar: opens the sharing dialog (what it offers depends on our role). */
export function ShareButton({ docName, title, role }: { docName: string; title: string; role: DocumentRole }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="button button--primary" data-testid="share-button" onClick={() => setOpen(true)}>
        Share
      </button>
      {open && <ShareDialog docName={docName} title={title} role={role} onClose={() => setOpen(false)} />}
    </>
  );
}
