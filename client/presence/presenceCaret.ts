/**
 * The collaboration caret extension with a few changes: carets are drawn only for states that decode as
 * presence (the same rule as the presence bar, so a malformed or foreign state never paints a caret), and
 * each caret element carries its tab's client id and user id, so follow mode and tests can find it.
 * The name flag's text colour is chosen for contrast with the user's colour, so light colours stay readable.
 * This tab's own caret is published once per frame, after the paint, rather than on every transaction.
 */
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import { yCursorPlugin, yCursorPluginKey } from '@tiptap/y-tiptap';
import { isHexColor } from '../../shared/colors.js';
import { readableTextColor } from '../../shared/presence/display.js';
import { parsePresenceState } from '../../shared/presence/schema.js';
import { withDeferredUpdates } from './deferredCaretPublish.js';

type CaretUser = Record<string, unknown>;

function withValidColor(user: CaretUser): CaretUser {
  return { ...user, color: isHexColor(user.color) ? user.color : 'transparent' };
}

function decorateCaret(caret: HTMLElement, user: CaretUser, clientId: number): HTMLElement {
  caret.dataset.clientId = String(clientId);
  if (typeof user.id === 'string') caret.dataset.userId = user.id;
  const label = caret.querySelector<HTMLElement>('.collaboration-carets__label');
  if (label && isHexColor(user.color)) label.style.color = readableTextColor(user.color);
  return caret;
}

export const PresenceCaret = CollaborationCaret.extend({
  addProseMirrorPlugins() {
    const inherited = this.parent?.() ?? [];
    const options = this.options;
    return [
      // Keep the parent's awareness listener (it publishes `user`); replace its cursor plugin.
      ...inherited.filter((plugin) => plugin.spec.key !== yCursorPluginKey),
      // Our own caret is published after the keystroke's paint (deferredCaretPublish.ts).
      withDeferredUpdates(
        yCursorPlugin(options.provider.awareness, {
          awarenessStateFilter: (localClientId: number, clientId: number, state: unknown) =>
            localClientId !== clientId && parsePresenceState(state) !== null,
          cursorBuilder: (user: CaretUser, clientId: number) => decorateCaret(options.render(withValidColor(user)), user, clientId),
          selectionBuilder: (user: CaretUser) => options.selectionRender(withValidColor(user)),
        }),
      ),
    ];
  },
});
