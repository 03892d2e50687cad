/**
 * Offline editing with tabs: browser A has two tabs sharing one IndexedDB (and a BroadcastChannel
 * between them), browser B one tab with its own. Everyone edits online, goes offline, keeps
 * editing, reloads tabs from IndexedDB (a tab may be closed and reopened), then reconnects.
 * Every edit types a unique token at the end of a block, so "nothing lost, nothing duplicated" is
 * checked literally: each token appears exactly once in every replica.
 */
import * as Y from 'yjs';
import { pressKey, typeText } from './convergenceActions.js';
import { checkConvergence } from './convergenceCheck.js';
import { useFreshIndexedDb, useIndexedDb } from './convergenceIdb.js';
import { EditLedger } from './convergenceLedger.js';
import { Endpoint, type Link, Network } from './convergenceNetwork.js';
import { EditorReplica } from './convergenceReplica.js';
import { createPrng, type Prng } from './prng.js';
import { TextSelection } from '@tiptap/pm/state';

interface Tab {
  name: string;
  browser: 'A' | 'B';
  endpoint: Endpoint;
  serverLink: Link;
  replica: EditorReplica;
}

export interface TabsResult {
  seed: number;
  tokens: number;
  problems: string[];
}

const TOKEN = /⟦[A-Z]\d-\d+⟧/g;

export async function runTabsScenario(seed: number): Promise<TabsResult> {
  const prng = createPrng(seed);
  const browsers = { A: useFreshIndexedDb(), B: useFreshIndexedDb() };
  const net = new Network(prng.fork('network'), {
    latency: 5, jitter: 20, fifo: true, lossRate: 0, duplicateRate: 0, reconnectDelay: 50, resyncAfterLoss: true,
  });
  const hubDoc = new Y.Doc();
  const hub = new Endpoint('hub', 'all');
  hub.attach(hubDoc);
  const ledger = new EditLedger();
  ledger.track(hubDoc);
  let clientIds = 0;
  const typed: string[] = [];
  const problems: string[] = [];

  const open = async (name: string, browser: 'A' | 'B', ids: Prng): Promise<EditorReplica> => {
    useIndexedDb(browsers[browser]);
    // Distinct, seed-derived client ids: a reload gets a new one, as a real page load does.
    const replica = await EditorReplica.open({ name, clientID: 1000 + (prng.uint32() % 1_000_000) * 16 + clientIds++, idbName: 'tandem-doc', ids });
    ledger.track(replica.doc);
    return replica;
  };
  const tabs: Tab[] = [];
  try {
    for (const [name, browser] of [['A1', 'A'], ['A2', 'A'], ['B1', 'B']] as const) {
      const endpoint = new Endpoint(name, 'none');
      const replica = await open(name, browser, prng.fork(`ids-${name}`));
      endpoint.attach(replica.doc);
      const tab: Tab = { name, browser, endpoint, serverLink: net.link(endpoint, hub), replica };
      // y-websocket's `synced` (UniqueID waits for it) comes from the server connection only.
      endpoint.onSynced = (link) => {
        if (link === tab.serverLink) tab.replica.provider.handshakeCompleted();
      };
      endpoint.onDisconnected = (link) => {
        if (link === tab.serverLink) tab.replica.provider.connectionLost();
      };
      tabs.push(tab);
    }
    const broadcastChannel = net.link(tabs[0]!.endpoint, tabs[1]!.endpoint);
    for (const link of net.links) link.connect();

    const edit = (tab: Tab): void => {
      const { editor } = tab.replica;
      const ends: number[] = [];
      editor.state.doc.descendants((node, pos) => {
        if (node.isTextblock) ends.push(pos + node.nodeSize - 1);
        return !node.isTextblock;
      });
      editor.view.dispatch(editor.state.tr.setSelection(TextSelection.create(editor.state.doc, prng.pick(ends))));
      const token = `⟦${tab.name}-${typed.length}⟧`;
      typed.push(token);
      typeText(editor, ` ${token}`);
      if (prng.chance(0.3)) pressKey(editor, 'Enter');
    };
    const reload = async (tab: Tab): Promise<void> => {
      for (const link of tab.endpoint.links) link.disconnect();
      tab.endpoint.detach();
      await tab.replica.close();
      tab.replica = await open(tab.name, tab.browser, prng.fork(`ids-${tab.name}-${typed.length}`));
      tab.endpoint.attach(tab.replica.doc);
      for (const link of tab.endpoint.links) if (!net.heldDown.has(link)) link.connect();
    };
    const phase = async (steps: number, reloads: boolean): Promise<void> => {
      for (let i = 0; i < steps; i++) {
        net.runUntil(net.now + prng.int(0, 40));
        const tab = prng.pick(tabs);
        if (reloads && prng.chance(0.2)) await reload(tab);
        else edit(tab);
      }
    };

    await phase(prng.int(2, 8), false);
    net.settle();
    // Offline: both of browser A's tabs lose the server together; the BroadcastChannel keeps working
    // unless one tab is closed (then it is reloaded later from the shared IndexedDB).
    for (const tab of tabs) {
      net.heldDown.add(tab.serverLink);
      tab.serverLink.disconnect();
    }
    if (prng.chance(0.3)) {
      net.heldDown.add(broadcastChannel);
      broadcastChannel.disconnect();
    }
    await phase(prng.int(5, 20), true);
    // Reload everyone while still offline: what each tab shows now comes from IndexedDB alone.
    for (const tab of tabs) await reload(tab);
    await phase(prng.int(0, 6), false);
    net.heldDown.clear();
    for (const link of net.links) link.connect();
    net.settle();

    problems.push(...net.errors, ...checkConvergence({ replicas: tabs.map((t) => t.replica), hub: hubDoc, ledger }));
    for (const tab of tabs) {
      const seen = tab.replica.editor.state.doc.textContent.match(TOKEN) ?? [];
      const counts = new Map<string, number>();
      for (const token of seen) counts.set(token, (counts.get(token) ?? 0) + 1);
      const lost = typed.filter((t) => !counts.has(t));
      const duplicated = [...counts].filter(([, n]) => n > 1).map(([t]) => t);
      if (lost.length > 0) problems.push(`${tab.name} lost ${lost.join(' ')}`);
      if (duplicated.length > 0) problems.push(`${tab.name} duplicated ${duplicated.join(' ')}`);
    }
  } catch (error) {
    problems.push(`exception: ${(error as Error).stack ?? String(error)}`);
  } finally {
    for (const tab of tabs) tab.replica.dispose();
  }
  return { seed, tokens: typed.length, problems };
}
