/** A brief, polite message when an edit lands in a section someone else holds (never a modal). */
import { useEffect, useState } from 'react';
import type { LockClient } from './lockClient.js';

/** Long enough to read a sentence; short enough to be out of the way when typing resumes elsewhere. */
const TOAST_MS = 3_500;

export function LockToast({ locks }: { locks: LockClient }) {
  const [message, setMessage] = useState<{ text: string; id: number } | null>(null);

  useEffect(
    () =>
      locks.onRefused(({ holder }) => {
        const text = `${holder.name} is editing this section — it's locked until they release it.`;
        // Repeated keystrokes keep the same message up instead of re-animating it.
        setMessage((current) => (current?.text === text ? { text, id: current.id } : { text, id: (current?.id ?? 0) + 1 }));
      }),
    [locks],
  );

  useEffect(() => {
    if (!message) return;
    const timer = setTimeout(() => setMessage(null), TOAST_MS);
    return () => clearTimeout(timer);
  }, [message]);

  if (!message) return null;
  return (
    <div className="lock-toast" role="status" aria-live="polite" data-testid="lock-toast" key={message.id}>
      {message.text}
    </div>
  );
}
