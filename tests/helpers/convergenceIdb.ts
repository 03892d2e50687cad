/**
 * Fake IndexedDB for Node. `fake-indexeddb/auto` is not used because it installs onto `window`
 * when one exists, and the happy-dom window is not Node's global object, so y-indexeddb (which
 * reads the globals `indexedDB` and `IDBKeyRange`) would not see it.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';

/** Installs a brand-new, empty IndexedDB as the global one (a new browser profile). */
export function useFreshIndexedDb(): IDBFactory {
  const factory = new IDBFactory();
  Object.defineProperty(globalThis, 'indexedDB', { value: factory, configurable: true, writable: true });
  Object.defineProperty(globalThis, 'IDBKeyRange', { value: IDBKeyRange, configurable: true, writable: true });
  return factory;
}

/** Makes `factory` the global IndexedDB: replicas opened afterwards use it (one per browser). */
export function useIndexedDb(factory: IDBFactory): void {
  Object.defineProperty(globalThis, 'indexedDB', { value: factory, configurable: true, writable: true });
}
