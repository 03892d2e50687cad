import { useSyncExternalStore } from 'react';
import { loadIdentity, subscribeIdentity, type Identity } from './identity.js';

export function useIdentity(): Identity | null {
  return useSyncExternalStore(subscribeIdentity, loadIdentity);
}
