/**
 * One simulated user: a real Tiptap editor bound to its own Y.Doc through the app's schema and the
 * same Collaboration extension the client uses, optionally persisted with y-indexeddb
 * (fake-indexeddb in Node).
 */
import './convergenceDom.js';
import { type AnyExtension, Editor } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import { yUndoPluginKey } from '@tiptap/y-tiptap';
import * as idb from 'lib0/indexeddb';
import { IndexeddbPersistence } from 'y-indexeddb';
import * as Y from 'yjs';
import { DOCUMENT_FRAGMENT, documentExtensions } from '../../shared/editor/extensions.js';
import type { Prng } from './prng.js';

export interface ReplicaOptions {
  /** Stable label used in failure reports ("r2", "tabA1"). */
  name: string;
  /** Yjs client id. Chosen by the caller's PRNG: Yjs orders concurrent inserts by client id, so a
   *  random id from lib0 would make a replayed seed resolve conflicts differently. */
  clientID: number;
  /** IndexedDB database name; replicas given the same name share storage like two tabs. */
  idbName?: string;
  /** Source for generated node ids (heading `sectionId`s); random UUIDs when absent. */
  ids?: Prng;
}

/** The app's extensions, with UniqueID drawing ids from `ids` so a replayed seed produces the same
 *  `sectionId`s (the app's generator is `crypto.randomUUID`-like; only the randomness changes). */
function extensionsFor(ids: Prng | undefined): AnyExtension[] {
  const extensions = documentExtensions();
  if (!ids) return extensions;
  const generateID = (): string => {
    const hex = (): string => ids.uint32().toString(16).padStart(8, '0');
    const [a, b, c, d] = [hex(), hex(), hex(), hex()];
    return `${a}-${b.slice(0, 4)}-4${b.slice(5)}-a${c.slice(1, 4)}-${c.slice(4)}${d}`;
  };
  return extensions.map((extension) => (extension.name === 'uniqueID' ? extension.configure({ generateID }) : extension));
}

/**
 * Stands in for the app's WebsocketProvider where the editor looks at it. The app passes its provider
 * to the caret extension, so UniqueID takes its "provider" path: it waits for the provider's `synced`
 * event and then stamps headings that have no id, in an ordinary local transaction that y-tiptap
 * writes to Yjs. Without a provider UniqueID takes a path the app never uses (it re-stamps inside an
 * appendTransaction to the first y-sync transaction, which y-tiptap never writes back).
 * Like y-websocket, `synced` is emitted each time a connection completes its handshake.
 */
export class ProviderSignal {
  synced = false;
  private readonly listeners = new Set<(synced: boolean) => void>();

  on(event: 'synced', listener: (synced: boolean) => void): void {
    if (event === 'synced') this.listeners.add(listener);
  }

  off(event: 'synced', listener: (synced: boolean) => void): void {
    if (event === 'synced') this.listeners.delete(listener);
  }

  /** The connection to the server completed sync step 2 (y-websocket sets `synced` and emits). */
  handshakeCompleted(): void {
    if (this.synced) return;
    this.synced = true;
    for (const listener of [...this.listeners]) listener(true);
  }

  /** The connection closed: the next completed handshake emits `synced` again. */
  connectionLost(): void {
    this.synced = false;
  }
}

/**
 * Builds the editor and runs what Tiptap defers with `window.setTimeout(0)` (the `create` event, where
 * UniqueID subscribes to the provider) right away. In the app that timeout fires long before the
 * provider's first sync, which needs a network round trip; the scenarios run on a virtual clock without
 * yielding to timers, so without this the subscription would happen at an arbitrary later point.
 */
function createEditorNow(options: ConstructorParameters<typeof Editor>[0]): Editor {
  const deferred: (() => void)[] = [];
  const original = window.setTimeout;
  window.setTimeout = ((callback: () => void) => {
    deferred.push(callback);
    return 0;
  }) as unknown as typeof window.setTimeout;
  let editor: Editor;
  try {
    editor = new Editor(options);
  } finally {
    window.setTimeout = original;
  }
  for (const callback of deferred) callback();
  return editor;
}

export class EditorReplica {
  readonly name: string;
  readonly doc: Y.Doc;
  readonly editor: Editor;
  readonly persistence: IndexeddbPersistence | null;
  /** What UniqueID sees as the provider; the scenario reports the server handshake to it. */
  readonly provider = new ProviderSignal();
  private closed = false;

  private constructor(options: ReplicaOptions, initialUpdate?: Uint8Array) {
    this.name = options.name;
    this.doc = new Y.Doc();
    this.doc.clientID = options.clientID;
    if (initialUpdate) Y.applyUpdate(this.doc, initialUpdate);
    // Same order as the client's session: storage first, then the editor binds the fragment.
    this.persistence = options.idbName ? new IndexeddbPersistence(options.idbName, this.doc) : null;
    this.editor = createEditorNow({
      element: document.createElement('div'),
      injectCSS: false,
      extensions: [
        ...extensionsFor(options.ids),
        // The app gives its provider to CollaborationCaret; UniqueID looks for a provider on either.
        Collaboration.configure({ document: this.doc, field: DOCUMENT_FRAGMENT, provider: this.provider }),
      ],
    });
    // Y.UndoManager merges changes made less than `captureTimeout` (500 ms of wall-clock time)
    // apart into one undo step, which would make undo depend on how fast the test machine is.
    // With an infinite timeout nothing splits by time; `pauseTyping()` splits deterministically.
    this.undoManager.captureTimeout = Number.POSITIVE_INFINITY;
  }

  /** Creates a replica and, if it is persisted, waits until IndexedDB content is loaded. */
  static async open(options: ReplicaOptions): Promise<EditorReplica> {
    const replica = new EditorReplica(options);
    if (replica.persistence) await replica.persistence.whenSynced;
    return replica;
  }

  /** Creates a replica without storage synchronously (the common case; keeps scenarios cheap). */
  static openInMemory(options: Omit<ReplicaOptions, 'idbName'>): EditorReplica {
    return new EditorReplica(options);
  }

  /** A replica whose doc already holds `update` when the editor binds, like a reload from cache. */
  static fromUpdate(options: Omit<ReplicaOptions, 'idbName'>, update: Uint8Array): EditorReplica {
    return new EditorReplica(options, update);
  }

  get undoManager(): Y.UndoManager {
    return (yUndoPluginKey.getState(this.editor.state) as { undoManager: Y.UndoManager }).undoManager;
  }

  /** The user paused: the next change starts a new undo step. */
  pauseTyping(): void {
    this.undoManager.stopCapturing();
  }

  /**
   * Closes like a page reload: waits until every update is committed to IndexedDB, then tears down.
   * y-indexeddb writes each update in its own transaction without awaiting it; a read-only
   * transaction on the same store is scheduled after them, so its completion means they committed.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const persistence = this.persistence;
    if (persistence?.db) {
      const [updates] = idb.transact(persistence.db, ['updates'], 'readonly');
      await idb.count(updates!);
    }
    this.editor.destroy();
    if (persistence) await persistence.destroy();
    this.doc.destroy();
  }

  /** Tears down without waiting for storage: used when a scenario has already failed. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.editor.destroy();
    void this.persistence?.destroy();
    this.doc.destroy();
  }
}
