import { useEffect, useRef, useState } from 'react';
import { IdentityForm } from './IdentityForm.js';
import { saveIdentity, type Identity } from './identity.js';

/** The person's own avatar in the top bar; opens a small popover to change name and colour. */
export function SettingsButton({ identity }: { identity: Identity }) {
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent): void => {
      if (!rootRef.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKeyDown = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown);
      document.removeEventListener('keydown', onKeyDown);
    };
  }, [open]);

  return (
    <div className="settings" ref={rootRef}>
      <button
        type="button"
        className="avatar-button"
        data-testid="settings-button"
        aria-label={`Your name and colour: ${identity.name}`}
        aria-expanded={open}
        title={`You are ${identity.name}`}
        style={{ ['--user-color' as string]: identity.color }}
        onClick={() => setOpen((value) => !value)}
      >
        {initials(identity.name)}
      </button>
      {open && (
        <div className="popover settings__popover" role="dialog" aria-label="Your name and colour">
          <IdentityForm
            initial={identity}
            submitLabel="Save"
            onCancel={() => setOpen(false)}
            onSubmit={(next) => {
              saveIdentity(next);
              setOpen(false);
            }}
          />
        </div>
      )}
    </div>
  );
}

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]?.[0], words[words.length - 1]?.[0]] : [name[0], name[1]];
  return letters.filter(Boolean).join('').toUpperCase();
}
