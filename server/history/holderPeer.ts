/** A connection-less room member: keeps a room loaded while the server itself works on it (a restore). */
import type { PeerOrigin } from '../peers/origins.js';
import type { RoomPeer } from '../peers/peer.js';

/** Negative ids never collide with real connections, which count up from 1. */
let nextHolderId = -1;

export function createHolderPeer(): RoomPeer {
  const peer: RoomPeer = {
    id: nextHolderId--,
    identity: { userId: 'tandem-server', name: 'Tandem', color: '#7c6f64', role: 'viewer', doc: '*' },
    optedIn: false,
    tandemVersion: null,
    get origin(): PeerOrigin {
      return origin;
    },
    send: () => undefined,
    close: () => undefined,
  };
  const origin: PeerOrigin = Object.freeze({ kind: 'peer', peer });
  return peer;
}
