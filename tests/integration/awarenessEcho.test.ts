/**
 * Stock clients echo every awareness update they apply, and the server closes a peer whose awareness frame is
 * too large (4413). A state the server would publish larger than a frame whose echo is accepted (the identity
 * stamp adds bytes to what the sender sent) is refused where it comes in, so no peer's state can get the
 * honest clients of a room closed for echoing it. Found by a hostile review of server/room/awarenessFrames.ts.
 */
import { describe, expect, it } from 'vitest';
import { MAX_AWARENESS_BYTES } from '../../shared/limits.js';
import { CloseCode } from '../../shared/protocol/closeCodes.js';
import { encodeAwarenessUpdate } from '../../shared/protocol/awarenessWire.js';
import { editorToken, sharedBodyTexts, waitForDocumentText, waitSynced } from '../helpers/clients.js';
import { HostileClient } from '../helpers/hostileClient.js';
import { testScope } from '../helpers/scope.js';

const scope = testScope();

/** The longest `{ pad }` state whose update the connection still accepts (≤ MAX_AWARENESS_BYTES), before stamping. */
function largestAcceptedPad(clientId: number): string {
  let length = MAX_AWARENESS_BYTES - 32;
  while (encodeAwarenessUpdate([{ clientId, clock: 1, state: { pad: 'x'.repeat(length + 1) } }]).length <= MAX_AWARENESS_BYTES) length++;
  return 'x'.repeat(length);
}

describe('awareness echoes', () => {
  it('refuses a state that would be published too large to echo; honest stock clients stay connected', async () => {
    const srv = await scope.server();
    const hostile = await HostileClient.connect(srv.url, 'echo-doc', await editorToken('H'));
    scope.defer(() => hostile.close());
    hostile.sendAwareness([{ clientId: 7, clock: 1, state: { pad: largestAcceptedPad(7) } }]);
    expect((await hostile.closed).code).toBe(CloseCode.tooLarge);

    const ada = scope.client(srv.url, 'echo-doc', await editorToken('Ada'));
    const bob = scope.client(srv.url, 'echo-doc', await editorToken('Bob'));
    const closes: string[] = [];
    for (const client of [ada, bob]) client.provider.on('connection-close', (event: CloseEvent | null) => closes.push(`${event?.code} ${event?.reason}`));
    await Promise.all([waitSynced(ada), waitSynced(bob)]);
    // Each has echoed the greeting's awareness by now; a round trip through the room after it proves the
    // server read the echo and kept both connections.
    const [adaText] = await sharedBodyTexts([ada, bob]);
    adaText?.insert(0, 'still here');
    await waitForDocumentText(bob.doc, (text) => text === 'still here', 'bob gets ada’s edit');
    expect(ada.provider.awareness.getStates().has(7)).toBe(false);
    expect(closes).toEqual([]);
  });
});
