import { useId, useState, type FormEvent } from 'react';
import { MAX_DISPLAY_NAME_LENGTH } from '../../shared/auth.js';
import { USER_COLORS } from '../../shared/colors.js';
import { cleanDisplayName, type Identity } from './identity.js';

interface Props {
  initial: Identity;
  submitLabel: string;
  onSubmit(identity: Identity): void;
  onCancel?: () => void;
}

/** Name and colour, used both for the first-visit welcome and the settings popover. */
export function IdentityForm({ initial, submitLabel, onSubmit, onCancel }: Props) {
  const [name, setName] = useState(initial.name);
  const [color, setColor] = useState(initial.color);
  const [error, setError] = useState<string | null>(null);
  const nameId = useId();

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const clean = cleanDisplayName(name);
    if (!clean) {
      setError('Please enter a name so others know who is writing.');
      return;
    }
    onSubmit({ name: clean, color });
  };

  return (
    <form className="identity-form" onSubmit={submit}>
      <label className="field__label" htmlFor={nameId}>
        Your name
      </label>
      <input
        id={nameId}
        className="field__input"
        data-testid="identity-name-input"
        value={name}
        maxLength={MAX_DISPLAY_NAME_LENGTH}
        autoFocus
        onChange={(event) => {
          setName(event.target.value);
          setError(null);
        }}
        aria-invalid={error ? true : undefined}
      />
      {error && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}
      <fieldset className="swatches">
        <legend className="field__label">Your colour</legend>
        {USER_COLORS.map((option) => (
          <label key={option} className="swatch" style={{ ['--swatch' as string]: option }}>
            <input
              type="radio"
              name="color"
              value={option}
              checked={option === color}
              onChange={() => setColor(option)}
              aria-label={option}
            />
            <span className="swatch__dot" aria-hidden="true" />
          </label>
        ))}
      </fieldset>
      <div className="identity-form__actions">
        {onCancel && (
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="button button--primary" data-testid="identity-save">
          {submitLabel}
        </button>
      </div>
    </form>
  );
}
