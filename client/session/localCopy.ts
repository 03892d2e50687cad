/**
 * Deleting this browser's IndexedDB copy of one document (y-indexeddb names the database after the
 * document). Written out rather than left to `IndexeddbPersistence.clearData()`, which in y-indexeddb 9.0.12
 * resolves before the deletion is done and cannot tell when it is blocked.
 *
 * Blocked matters: another tab with the document open keeps its connection to the database (y-indexeddb
 * does not close on `versionchange`), so the deletion waits until that tab closes. Reloading meanwhile
 * would open the old copy again, refused change included, and that tab would share it back over
 * BroadcastChannel anyway, so the person is asked to close it instead.
 */
export type DeleteOutcome = 'deleted' | 'blocked' | 'failed';

export function deleteLocalCopy(docName: string): Promise<DeleteOutcome> {
  return new Promise((resolve) => {
    let request: IDBOpenDBRequest;
    try {
      request = indexedDB.deleteDatabase(docName);
    } catch {
      resolve('failed'); // SecurityError: storage is disabled for this page
      return;
    }
    request.onsuccess = () => resolve('deleted');
    request.onerror = () => resolve('failed');
    // The request stays queued and completes once the other tab closes; a later attempt then succeeds.
    request.onblocked = () => resolve('blocked');
  });
}
