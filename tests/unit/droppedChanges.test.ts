/**
 * A replica whose role was lowered learns which of its changes the server lacks (client/session/droppedChanges.ts):
 * insertions from the server's state vector, deletions from the delete set in its sync step 2.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { deleteSetOf, holdsChangesServerLacks } from '../../client/session/droppedChanges.js';

/** A server replica with one text, and a client that has synced it. */
function syncedPair(): { server: Y.Doc; client: Y.Doc; text: Y.Text } {
  const server = new Y.Doc();
  server.getText('t').insert(0, 'hello world, everyone');
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  return { server, client, text: client.getText('t') };
}

/** What the client learns from the server's sync step 1 and step 2 on a new connection. */
function serverState(server: Y.Doc, client: Y.Doc) {
  return {
    stateVector: Y.decodeStateVector(Y.encodeStateVector(server)),
    deleteSet: deleteSetOf(Y.encodeStateAsUpdate(server, Y.encodeStateVector(client))),
  };
}

describe('changes the server lacks', () => {
  it('none when the replicas agree, deletions included', () => {
    const { server, client, text } = syncedPair();
    text.delete(0, 6);
    Y.applyUpdate(server, Y.encodeStateAsUpdate(client));
    expect(holdsChangesServerLacks(client, serverState(server, client))).toBe(false);
  });

  it('an insertion the server never received', () => {
    const { server, client, text } = syncedPair();
    text.insert(5, '!');
    expect(holdsChangesServerLacks(client, serverState(server, client))).toBe(true);
  });

  it('a deletion alone, which no state vector shows', () => {
    const { server, client, text } = syncedPair();
    text.delete(5, 7);
    const state = serverState(server, client);
    expect(holdsChangesServerLacks(client, { ...state, deleteSet: null })).toBe(false);
    expect(holdsChangesServerLacks(client, state)).toBe(true);
  });

  it('a deletion the server made too, in pieces of its own, counts as received', () => {
    const { server, client, text } = syncedPair();
    server.getText('t').delete(5, 3);
    server.getText('t').delete(5, 4);
    Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
    text.delete(0, 0);
    expect(holdsChangesServerLacks(client, serverState(server, client))).toBe(false);
    text.delete(0, 1);
    expect(holdsChangesServerLacks(client, serverState(server, client))).toBe(true);
  });
});
