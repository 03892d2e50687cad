import { useEditorState, type Editor } from '@tiptap/react';
import { TOOLBAR_GROUPS, type ToolbarItem } from './toolbarItems.js';
import { formatShortcut } from './shortcuts.js';

interface ItemState {
  active: boolean;
  enabled: boolean;
}

const ALL_ITEMS: readonly ToolbarItem[] = TOOLBAR_GROUPS.flat();

export function Toolbar({ editor, disabled }: { editor: Editor; disabled: boolean }) {
  // Re-render only when some button's state changes, not on every transaction.
  const states = useEditorState({
    editor,
    selector: ({ editor: current }): Record<string, ItemState> => {
      const result: Record<string, ItemState> = {};
      for (const item of ALL_ITEMS) {
        result[item.id] = { active: item.isActive(current), enabled: current.isEditable && item.isEnabled(current) };
      }
      return result;
    },
    equalityFn: (a, b) => JSON.stringify(a) === JSON.stringify(b),
  });

  return (
    <div className="toolbar" role="toolbar" aria-label="Formatting">
      {TOOLBAR_GROUPS.map((group, index) => (
        <div className="toolbar__group" key={index}>
          {group.map((item) => {
            const state = states[item.id];
            return (
              <button
                key={item.id}
                type="button"
                className={`toolbar__button toolbar__button--${item.id}`}
                data-testid={`toolbar-${item.id}`}
                aria-label={item.label}
                aria-pressed={item.toggles ? (state?.active ?? false) : undefined}
                data-active={state?.active ? 'true' : 'false'}
                title={`${item.label} (${formatShortcut(item.shortcut)})`}
                disabled={disabled || !state?.enabled}
                // Keep the editor's selection: a mousedown on the button would otherwise blur it.
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => item.run(editor)}
              >
                {item.glyph}
              </button>
            );
          })}
        </div>
      ))}
    </div>
  );
}
