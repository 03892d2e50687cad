/**
 * Hostile Yjs updates against the real server over real sockets: one test per attack class, each from a
 * raw socket that forges what it sends (tests/helpers/hostileClient.ts), each asserting what the HONEST
 * users keep: their text in the room, in every honest replica, in a fresh load (a new client that connects
 * after the attack) and in storage (rebuilt from `store.load`, or after a restart on the same data), all
 * of it editor-shaped (no schema violation) and with nothing pending, and nothing of the attacker stored.
 * The last class is the converse: honest clients whose updates look odd (two tabs, an offline replica, a
 * dependency relayed between tabs) are never refused.
 *
 * Where an attack's harm is not obvious, a control applies the forged bytes to a bare Yjs replica and
 * shows the damage they would do if the server let them through.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
// Installs the DOM the headless editors need; import before anything that reads `document`.
import { EditorReplica } from '../helpers/convergenceReplica.js';
import { Role } from '../../shared/auth.js';
import { CloseCode } from '../../shared/protocol/closeCodes.js';
import { MAX_NESTING_DEPTH } from '../../shared/editor/schemaRules.js';
import type { AttributionResponse, EventsResponse } from '../../shared/timeline/api.js';
import type { TandemServer } from '../../server/app.js';
import { findViolations } from '../../server/integrity/documentCheck.js';
import { applyStoredDocument } from '../../server/storage/storedDocument.js';
import { connectClient, sharedBodyTexts, type TestClient, waitForDocumentText, waitSynced } from '../helpers/clients.js';
import { deleteRangesUpdate, Forger, hasClient, HostileClient, writtenClocks } from '../helpers/hostileClient.js';
import { testScope } from '../helpers/scope.js';
import { tempDataDir } from '../helpers/server.js';
import { postgresAvailable, TEST_DATABASE_URL, uniqueDocName } from '../helpers/services.js';
import { waitUntil } from '../helpers/wait.js';
import { bodyText, documentText, yHeading, yParagraph } from '../helpers/yBlocks.js';
import { api } from './timelineFixtures.js';

const scope = testScope();
const hasPostgres = await postgresAvailable();

const REFUSED_FOREIGN = "update refused: written under another user's client id";
const REFUSED_INCOMPLETE = 'update refused: it depends on changes nobody sent';
/** The contract: an update that depends on clocks the server lacks gets this many resyncs, then a close. */
const RESYNCS = 3;
const RESYNCED_THEN_CLOSED = [...Array<'resync'>(RESYNCS).fill('resync'), 'closed'];
/** Attackers write under fixed clientIDs, far from anything an honest random id is likely to be. */
const ATTACKER_ID = 0x7a000001;

const mint = (srv: TandemServer, docName: string, sub: string, name: string): Promise<string> =>
  srv.tokens.mint({ sub, name, role: Role.editor, doc: docName }, 600);

/**
 * A stock client of user `sub` (on `doc` when given: then the doc outlives the provider, like a tab's
 * document outlives its socket), synced, announcing presence as `name`. Torn down after the test without
 * throwing: when an attack succeeds, Yjs changes the victim's clientID under her provider, whose destroy
 * then throws, and a throwing cleanup would be reported against the next test.
 */
async function honest(srv: TandemServer, docName: string, sub: string, name: string, doc?: Y.Doc): Promise<TestClient> {
  const client = connectClient(srv.url, docName, await mint(srv, docName, sub, name), doc ? { doc } : {});
  scope.defer(() => {
    try {
      client.provider.destroy();
    } catch {
      // see above
    }
    if (!doc) client.doc.destroy();
  });
  client.provider.awareness.setLocalStateField('user', { name });
  await waitSynced(client);
  return client;
}

/** A new stock provider on a document that outlives it (the tab's document, after its socket was gone). */
const reconnect = (srv: TandemServer, docName: string, sub: string, name: string, doc: Y.Doc): Promise<TestClient> => honest(srv, docName, sub, name, doc);

/** Mallory on a raw socket, with the server's document in her mirror. */
async function attacker(srv: TandemServer, docName: string, { sub = 'mallory', optIn = true } = {}): Promise<HostileClient> {
  const mallory = await HostileClient.connect(srv.url, docName, await mint(srv, docName, sub, 'Mallory'), { optIn });
  scope.defer(() => mallory.close());
  await mallory.pull();
  return mallory;
}

function room(srv: TandemServer, docName: string) {
  const found = srv.rooms.get(docName);
  if (!found) throw new Error(`room ${docName} is not loaded`);
  return found;
}

/** What storage holds that an attacker could have added to: log positions, stored bytes, and who wrote. */
async function storedFootprint(srv: TandemServer, docName: string): Promise<{ latestSeq: number; usage: unknown; writers: string[] }> {
  await room(srv, docName).whenDurable();
  const stored = await srv.store.load(docName);
  return {
    latestSeq: (await srv.store.logBounds(docName)).latestSeq,
    usage: await srv.store.usage(docName),
    writers: [...new Set(stored.rows.map((row) => row.userId ?? 'server'))].sort(),
  };
}

async function storedDoc(srv: TandemServer, docName: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  applyStoredDocument(doc, await srv.store.load(docName));
  return doc;
}

/** Nothing pending and nothing the editor schema forbids. */
function expectSound(doc: Y.Doc, label: string): void {
  expect(findViolations(doc).map((violation) => violation.detail), `${label}: schema violations`).toEqual([]);
  expect(doc.store.pendingStructs, `${label}: pending structs`).toBeNull();
  expect(doc.store.pendingDs, `${label}: pending deletes`).toBeNull();
}

let readers = 0;

/**
 * The honest users' text is `expected` in the room, in each of `clients` (once they converge), in a fresh
 * load and in storage; every one of those is sound and holds no struct of the `absent` clientIDs; nothing
 * pending ever had to be dropped; no attacker's row or binding is stored.
 */
async function expectHonestTextEverywhere(
  srv: TandemServer,
  docName: string,
  expected: string,
  { clients = [], absent = [], attackers = ['mallory'] }: { clients?: TestClient[]; absent?: number[]; attackers?: string[] } = {},
): Promise<void> {
  for (const [i, client] of clients.entries()) await waitForDocumentText(client.doc, (text) => text === expected, `honest client ${i} converges`);
  // Connected before anything is read from the room: with no peer left, the room would be evicted.
  const fresh = await honest(srv, docName, `reader-${++readers}`, 'Reader');
  await waitForDocumentText(fresh.doc, (text) => text === expected, 'a fresh load has the honest text');
  await room(srv, docName).whenDurable();
  const stored = await storedDoc(srv, docName);
  const places: Array<[string, Y.Doc]> = [
    ['room', room(srv, docName).doc],
    ...clients.map((client, i): [string, Y.Doc] => [`honest client ${i}`, client.doc]),
    ['fresh load', fresh.doc],
    ['storage', stored],
  ];
  for (const [label, doc] of places) {
    expect(documentText(doc), label).toBe(expected);
    expectSound(doc, label);
    for (const clientId of absent) expect(hasClient(doc, clientId), `${label} holds structs of client ${clientId}`).toBe(false);
  }
  const persisted = await srv.store.load(docName);
  for (const sub of attackers) {
    expect(persisted.rows.filter((row) => row.userId === sub).map((row) => row.seq), `rows stored for ${sub}`).toEqual([]);
    expect(persisted.bindings.filter((binding) => binding.userId === sub), `clientIDs bound to ${sub}`).toEqual([]);
  }
  expect(await srv.metrics.value('tandem_pending_dropped_total'), 'pending structs the server had to drop').toBe(0);
  stored.destroy();
}

/** Sends `update` from a fresh attacker connection until it is closed; returns each answer and the close. */
async function sendUntilClosed(mallory: HostileClient, update: Uint8Array, maxSends = RESYNCS + 2) {
  const answers: Array<'resync' | 'closed'> = [];
  while (mallory.open && answers.length < maxSends) answers.push(await mallory.sendAndAwaitVerdict(update));
  return { answers, refusal: await mallory.refusal() };
}

/** Server-initiated closes a stock provider saw (its own disconnects report no event). */
function serverCloses(client: TestClient): number[] {
  const codes: number[] = [];
  client.provider.on('connection-close', (event) => {
    if (event) codes.push(event.code);
  });
  return codes;
}

function firstElement(fragment: Y.XmlFragment, name: string): Y.XmlElement {
  const found = fragment.toArray().find((node): node is Y.XmlElement => node instanceof Y.XmlElement && node.nodeName === name);
  if (!found) throw new Error(`no ${name} in the fragment`);
  return found;
}

function textOf(element: Y.XmlElement): Y.XmlText {
  const found = element.toArray().find((node): node is Y.XmlText => node instanceof Y.XmlText);
  if (!found) throw new Error(`no text in ${element.nodeName}`);
  return found;
}

const refusedTotal = (srv: TandemServer, reason: string): Promise<number> => srv.metrics.value('tandem_updates_refused_total', { reason });

describe('1. wiping the document', () => {
  it('refuses a stray XmlText under the fragment and 3,000 nested blockquotes with 4400; the honest text survives everywhere', async () => {
    const dataDir = tempDataDir();
    const srv = await scope.server({ dataDir });
    const docName = 'wipe';
    const ada = await honest(srv, docName, 'ada', 'Ada');
    const bob = await honest(srv, docName, 'bob', 'Bob');
    ada.doc.getXmlFragment('default').insert(0, [yHeading('plan', 'Plan'), yParagraph('Ada wrote this')]);
    await waitForDocumentText(bob.doc, (text) => text === 'Plan\nAda wrote this', 'bob has ada’s blocks');
    const before = await storedFootprint(srv, docName);

    expect(3000, 'the nesting attack is far beyond the bound').toBeGreaterThan(MAX_NESTING_DEPTH * 10);
    const nested = (fragment: Y.XmlFragment): void => {
      let parent: Y.XmlFragment = fragment;
      for (let i = 0; i < 3000; i++) {
        const quote = new Y.XmlElement('blockquote');
        parent.insert(0, [quote]);
        parent = quote;
      }
      parent.insert(0, [yParagraph('deep')]);
    };
    // Each attack also carries a harmless paragraph: an update is refused whole, never in part.
    const harmless = (f: Y.XmlFragment): void => f.insert(f.length, [yParagraph('looks harmless')]);
    const attacks: Array<[string, (fragment: Y.XmlFragment) => void, RegExp]> = [
      ['a stray XmlText under the fragment', (f) => (harmless(f), f.insert(0, [new Y.XmlText('wiped')])), /^update refused: .*XmlText at the top level$/],
      ['3,000 nested blockquotes', (f) => (harmless(f), nested(f)), /^update refused: nesting too deep$/],
    ];
    const attackerIds: number[] = [];
    for (const [i, [label, change, reason]] of attacks.entries()) {
      const mallory = await attacker(srv, docName);
      const forger = new Forger(ATTACKER_ID + i, mallory.mirror);
      mallory.sendUpdate(forger.edit(change));
      const refusal = await mallory.refusal();
      expect(refusal.code, label).toBe(CloseCode.badRequest);
      expect(refusal.reason, label).toMatch(reason);
      expect(refusal.notice, `${label}: the opted-in attacker is told why before the close`).toBe(refusal.reason);
      attackerIds.push(forger.clientID);
    }
    expect(await refusedTotal(srv, 'schema')).toBe(2);
    expect(await storedFootprint(srv, docName), 'nothing stored').toEqual(before);

    // Bob's edit after the attacks reaches Ada after anything the server relayed before it.
    bob.doc.getXmlFragment('default').insert(2, [yParagraph('Bob kept editing')]);
    const expected = 'Plan\nAda wrote this\nBob kept editing';
    await expectHonestTextEverywhere(srv, docName, expected, { clients: [ada, bob], absent: attackerIds });

    // And after a restart on the same data directory.
    await srv.close();
    const restarted = await scope.server({ dataDir });
    await expectHonestTextEverywhere(restarted, docName, expected, { absent: attackerIds });
  });

  it('also refuses unknown attributes, malformed sectionIds and writes to other root types (4400), storing nothing', async () => {
    const srv = await scope.server();
    const docName = 'shapes';
    const ada = await honest(srv, docName, 'ada', 'Ada');
    ada.doc.getXmlFragment('default').insert(0, [yHeading('intro', 'Intro'), yParagraph('Ada wrote this')]);
    const bob = await honest(srv, docName, 'bob', 'Bob');
    await waitForDocumentText(bob.doc, (text) => text === 'Intro\nAda wrote this', 'bob has ada’s blocks');
    const before = await storedFootprint(srv, docName);
    const attacks: Array<[string, (fragment: Y.XmlFragment, doc: Y.Doc) => void, string]> = [
      ['an unknown attribute on ada’s paragraph', (f) => firstElement(f, 'paragraph').setAttribute('onclick', 'alert(1)'), 'update refused: unknown attribute onclick on paragraph'],
      ['a 65-character sectionId on ada’s heading', (f) => firstElement(f, 'heading').setAttribute('sectionId', 's'.repeat(65)), 'update refused: malformed sectionId'],
      ['a sectionId with markup', (f) => f.insert(2, [yHeading('<img src=x>', 'Odd')]), 'update refused: malformed sectionId'],
      ['a root type other than the fragment', (_f, doc) => doc.getText('side-channel').insert(0, 'hidden'), 'update refused: writes into root type side-channel'],
    ];
    const attackerIds: number[] = [];
    for (const [i, [label, change, reason]] of attacks.entries()) {
      const mallory = await attacker(srv, docName);
      const forger = new Forger(ATTACKER_ID + i, mallory.mirror);
      mallory.sendUpdate(forger.edit(change));
      expect(await mallory.refusal(), label).toEqual({ code: CloseCode.badRequest, reason, notice: reason });
      attackerIds.push(forger.clientID);
    }
    expect(await storedFootprint(srv, docName), 'nothing stored').toEqual(before);
    expect(room(srv, docName).doc.share.has('side-channel'), 'the room never created the other root type').toBe(false);
    bodyText(bob.doc).insert(bodyText(bob.doc).length, ', Bob too');
    await expectHonestTextEverywhere(srv, docName, 'Intro\nAda wrote this, Bob too', { clients: [ada, bob], absent: attackerIds });
    const heading = firstElement(room(srv, docName).doc.getXmlFragment('default'), 'heading');
    expect(heading.getAttribute('sectionId')).toBe('intro');
  });
});

describe('2. making honest editors delete their own work', () => {
  it('refuses an unknown mark, a paragraph in a paragraph and bold in a code block on the victim’s blocks; her headless editor keeps them', async () => {
    const srv = await scope.server();
    const docName = 'self-delete';
    // Vera edits in a real Tiptap editor (y-tiptap deletes, in Yjs, any block it cannot parse).
    const vera = EditorReplica.openInMemory({ name: 'vera', clientID: 0x1e7a0001 });
    scope.defer(() => {
      try {
        vera.dispose();
      } catch {
        // a broken editor (a successful attack) must not fail the next test's cleanup
      }
    });
    const veraLink = await reconnect(srv, docName, 'vera', 'Vera', vera.doc);
    vera.provider.handshakeCompleted();
    const walt = await honest(srv, docName, 'walt', 'Walt');
    // The code block first: after a trailing code block the editor would append an empty paragraph.
    vera.editor.commands.setContent([
      { type: 'codeBlock', content: [{ type: 'text', text: 'let x = 1' }] },
      { type: 'paragraph', content: [{ type: 'text', text: 'Vera wrote this' }] },
    ]);
    const written = 'let x = 1\nVera wrote this';
    await waitForDocumentText(walt.doc, (text) => text === written, 'walt has vera’s blocks');
    const before = await storedFootprint(srv, docName);

    const attacks: Array<[string, (fragment: Y.XmlFragment) => void, string]> = [
      ['an unknown mark on her characters (next to a harmless paragraph)', (f) => {
        f.insert(f.length, [yParagraph('looks harmless')]);
        textOf(firstElement(f, 'paragraph')).format(0, 4, { blink: {} });
      }, 'update refused: mark blink inside paragraph'],
      ['a paragraph nested in her paragraph', (f) => firstElement(f, 'paragraph').insert(1, [yParagraph('nested')]), 'update refused: element paragraph inside paragraph'],
      ['bold in her code block', (f) => textOf(firstElement(f, 'codeBlock')).format(0, 3, { bold: {} }), 'update refused: mark bold inside codeBlock'],
    ];
    const attackerIds: number[] = [];
    for (const [i, [label, change, reason]] of attacks.entries()) {
      const mallory = await attacker(srv, docName);
      const forger = new Forger(ATTACKER_ID + i, mallory.mirror);
      mallory.sendUpdate(forger.edit(change));
      expect(await mallory.refusal(), label).toEqual({ code: CloseCode.badRequest, reason, notice: reason });
      attackerIds.push(forger.clientID);
    }
    expect(await storedFootprint(srv, docName), 'nothing stored').toEqual(before);

    // Walt's paragraph after the attacks reaches Vera after anything relayed before it.
    walt.doc.getXmlFragment('default').insert(2, [yParagraph('Walt was here')]);
    await waitForDocumentText(vera.doc, (text) => text.endsWith('Walt was here'), 'vera receives walt’s paragraph');
    for (const clientId of attackerIds) expect(hasClient(vera.doc, clientId), `vera received client ${clientId}`).toBe(false);
    expect(vera.editor.getJSON().content).toEqual([
      { type: 'codeBlock', attrs: { language: null }, content: [{ type: 'text', text: 'let x = 1' }] },
      { type: 'paragraph', content: [{ type: 'text', text: 'Vera wrote this' }] },
      { type: 'paragraph', content: [{ type: 'text', text: 'Walt was here' }] },
    ]);
    // Her editor still edits, and what she types reaches everyone (the end of her paragraph: after the
    // code block's 'let x = 1' and its two boundaries, her paragraph's opening, and her text).
    vera.editor.commands.insertContentAt('let x = 1'.length + 2 + 1 + 'Vera wrote this'.length, ' again');
    await expectHonestTextEverywhere(srv, docName, 'let x = 1\nVera wrote this again\nWalt was here', { clients: [veraLink, walt], absent: attackerIds });
  });
});

describe('3. bricking the document with pending structs', () => {
  it('answers structs after a clock gap, on an origin nobody sent, or past a hole inside the update with sync step 1, closes with 4400 after three resyncs; nothing is pending anywhere', async () => {
    const dataDir = tempDataDir();
    const srv = await scope.server({ dataDir });
    const docName = 'brick';
    const ada = await honest(srv, docName, 'ada', 'Ada');
    const bob = await honest(srv, docName, 'bob', 'Bob');
    const [adaText] = await sharedBodyTexts([ada, bob]);
    adaText?.insert(0, 'Ada wrote this');
    await waitForDocumentText(bob.doc, (text) => text === 'Ada wrote this', 'bob has ada’s text');
    const before = await storedFootprint(srv, docName);

    // (a) The second of two edits under a fresh clientID: its structs start past clocks never sent.
    const gapper = await attacker(srv, docName);
    const forger = new Forger(ATTACKER_ID, gapper.mirror);
    const { update: afterGap } = forger.afterGap(
      (f) => f.insert(f.length, [yParagraph('never sent')]),
      (f) => f.insert(f.length, [yParagraph('second')]),
    );
    expect(writtenClocks(afterGap).get(forger.clientID)?.from, 'the forged update starts past a gap').toBeGreaterThan(0);
    // Control: a bare replica of the room keeps it pending (and would carry it in every state it encodes).
    const control = new Y.Doc();
    Y.applyUpdate(control, Y.encodeStateAsUpdate(room(srv, docName).doc));
    Y.applyUpdate(control, afterGap);
    expect(control.store.pendingStructs, 'control: the gap leaves structs pending').not.toBeNull();
    control.destroy();

    const gapped = await sendUntilClosed(gapper, afterGap);
    expect(gapped.answers).toEqual(RESYNCED_THEN_CLOSED);
    expect(gapped.refusal).toEqual({ code: CloseCode.badRequest, reason: REFUSED_INCOMPLETE, notice: REFUSED_INCOMPLETE });
    expect(gapper.lastStep1()?.has(forger.clientID), 'the resync shows the server has none of the attacker’s clocks').toBe(false);

    // (b) Text inserted into a paragraph of a client that never sent it: the origin is missing.
    const orphaner = await attacker(srv, docName);
    const ghost = new Forger(ATTACKER_ID + 1, orphaner.mirror);
    ghost.edit((f) => f.insert(f.length, [yParagraph('ghost')]));
    const dependent = new Forger(ATTACKER_ID + 2, ghost.doc);
    const orphan = dependent.edit((f) => textOf(f.get(f.length - 1) as Y.XmlElement).insert(5, ' town'));
    const orphaned = await sendUntilClosed(orphaner, orphan);
    expect(orphaned.answers).toEqual(RESYNCED_THEN_CLOSED);
    expect(orphaned.refusal).toEqual({ code: CloseCode.badRequest, reason: REFUSED_INCOMPLETE, notice: REFUSED_INCOMPLETE });

    // (c) A hole inside one update (merged from the first and third of three edits: Yjs encodes a Skip).
    const holer = await attacker(srv, docName);
    const holed = new Forger(ATTACKER_ID + 3, holer.mirror);
    const first = holed.edit((f) => f.insert(f.length, [yParagraph('sent, but refused with the rest')]));
    holed.edit((f) => f.insert(f.length, [yParagraph('never sent')]));
    const third = holed.edit((f) => f.insert(f.length, [yParagraph('third')]));
    const withHole = Y.mergeUpdates([first, third]);
    expect(Y.decodeUpdate(withHole).structs.some((struct) => struct instanceof Y.Skip), 'the merged update has a Skip').toBe(true);
    const holedAnswer = await sendUntilClosed(holer, withHole);
    expect(holedAnswer.answers).toEqual(RESYNCED_THEN_CLOSED);
    expect(holedAnswer.refusal).toEqual({ code: CloseCode.badRequest, reason: REFUSED_INCOMPLETE, notice: REFUSED_INCOMPLETE });

    expect(await refusedTotal(srv, 'incomplete')).toBe(3 * (RESYNCS + 1));
    expectSound(room(srv, docName).doc, 'room after the attack');
    expect(await storedFootprint(srv, docName), 'nothing stored').toEqual(before);

    // The honest users keep editing: Bob's edit reaches Ada.
    bodyText(bob.doc).insert('Ada wrote this'.length, ', Bob kept editing');
    bodyText(ada.doc).insert(0, '> ');
    const expected = '> Ada wrote this, Bob kept editing';
    const absent = [ATTACKER_ID, ATTACKER_ID + 1, ATTACKER_ID + 2, ATTACKER_ID + 3];
    await expectHonestTextEverywhere(srv, docName, expected, { clients: [ada, bob], absent });

    // Restarted on the same data: loading finds nothing pending to drop.
    await srv.close();
    const restarted = await scope.server({ dataDir });
    await expectHonestTextEverywhere(restarted, docName, expected, { absent });
  });
});

describe('4. stalling with pending deletes', () => {
  it('refuses a delete range on the victim’s future clocks; what she types next survives for everyone and in storage', async () => {
    const srv = await scope.server();
    const docName = 'stall';
    const vera = await honest(srv, docName, 'vera', 'Vera');
    const walt = await honest(srv, docName, 'walt', 'Walt');
    bodyText(vera.doc).insert(0, 'Vera wrote this');
    await waitForDocumentText(walt.doc, (text) => text === 'Vera wrote this', 'walt has vera’s text');
    const before = await storedFootprint(srv, docName);

    const mallory = await attacker(srv, docName);
    const victim = vera.doc.clientID;
    const next = Y.getState(mallory.mirror.store, victim);
    expect(next, 'the server has all of vera’s clocks').toBe(Y.getState(vera.doc.store, victim));
    // Her last three characters and the next 997 clocks she has not written yet.
    const attack = deleteRangesUpdate([{ client: victim, clock: next - 3, len: 1000 }]);

    // Control: a bare replica that took the range deletes her last three characters and keeps the rest
    // pending, which then erases what she types next as it arrives.
    const control = new Y.Doc();
    Y.applyUpdate(control, Y.encodeStateAsUpdate(vera.doc));
    Y.applyUpdate(control, attack);
    expect(control.store.pendingDs, 'control: the range waits').not.toBeNull();
    const veraLater = new Forger(victim, vera.doc);
    Y.applyUpdate(control, veraLater.edit((_f, doc) => bodyText(doc).insert('Vera wrote this'.length, ' and then some')));
    expect(documentText(control), 'control: her next text is erased').toBe('Vera wrote t');
    control.destroy();
    veraLater.destroy();

    const stalled = await sendUntilClosed(mallory, attack);
    expect(stalled.answers).toEqual(RESYNCED_THEN_CLOSED);
    expect(stalled.refusal).toEqual({ code: CloseCode.badRequest, reason: REFUSED_INCOMPLETE, notice: REFUSED_INCOMPLETE });
    expect(await storedFootprint(srv, docName), 'nothing stored').toEqual(before);

    bodyText(vera.doc).insert(bodyText(vera.doc).length, ' and then some');
    const expected = 'Vera wrote this and then some';
    await expectHonestTextEverywhere(srv, docName, expected, { clients: [vera, walt] });
    expect(vera.doc.store.pendingDs, 'the range never reached vera').toBeNull();
  });
});

describe('5. writing as someone else', () => {
  it('(a) refuses structs under another connection’s clientID, with and without a clock gap, and under the server’s (4403); her text and timeline attribution are intact', async () => {
    const srv = await scope.server();
    const docName = 'impostor';
    const vera = await honest(srv, docName, 'vera', 'Vera');
    const walt = await honest(srv, docName, 'walt', 'Walt');
    bodyText(vera.doc).insert(0, 'Vera wrote this');
    await waitForDocumentText(walt.doc, (text) => text === 'Vera wrote this', 'walt has vera’s text');
    const before = await storedFootprint(srv, docName);

    // Without a gap: at her next clocks, learnt from what anyone sees (her presence).
    const direct = await attacker(srv, docName);
    await direct.waitFor(() => direct.clientIdOf('Vera') !== undefined, 'mallory sees vera’s presence');
    const victim = direct.clientIdOf('Vera') as number;
    expect(victim).toBe(vera.doc.clientID);
    const impostor = new Forger(victim, direct.mirror);
    const forged = impostor.edit((f) => f.insert(f.length, [yParagraph('I resign. — Vera')]));
    expect(writtenClocks(forged).get(victim)?.from, 'the forgery continues her clocks').toBe(Y.getState(vera.doc.store, victim));
    direct.sendUpdate(forged);
    expect(await direct.refusal()).toEqual({ code: CloseCode.forbidden, reason: REFUSED_FOREIGN, notice: REFUSED_FOREIGN });

    // With a gap: the server first asks for what is missing; the attacker answers like a stock client would.
    const gapped = await attacker(srv, docName);
    const gapForger = new Forger(victim, gapped.mirror);
    const { update } = gapForger.afterGap(
      (f) => f.insert(f.length, [yParagraph('I resign.')]),
      (f) => f.insert(f.length, [yParagraph('— Vera')]),
    );
    expect(await gapped.sendAndAwaitVerdict(update)).toBe('resync');
    expect(await gapped.sendAndAwaitVerdict(gapForger.stateSince(gapped.lastStep1() as Map<number, number>), 'step2')).toBe('closed');
    expect(await gapped.refusal()).toEqual({ code: CloseCode.forbidden, reason: REFUSED_FOREIGN, notice: REFUSED_FOREIGN });
    // The server's own clientID (its repairs, reverts and restores are written under it).
    const serverId = room(srv, docName).doc.clientID;
    const asServer = await attacker(srv, docName);
    const serverForger = new Forger(serverId, asServer.mirror);
    asServer.sendUpdate(serverForger.edit((f) => f.insert(0, [yParagraph('Restored by the server')])));
    expect(await asServer.refusal(), 'as the server').toEqual({ code: CloseCode.forbidden, reason: REFUSED_FOREIGN, notice: REFUSED_FOREIGN });
    expect(await refusedTotal(srv, 'foreign_client')).toBe(3);
    expect(await storedFootprint(srv, docName), 'nothing stored').toEqual(before);

    // She keeps typing at the clocks the attacker tried to take.
    bodyText(vera.doc).insert('Vera wrote this'.length, ' and more');
    await expectHonestTextEverywhere(srv, docName, 'Vera wrote this and more', { clients: [vera, walt], absent: [serverId] });
    // Yjs gives a replica a new clientID when someone else's update carries structs under its own.
    expect(vera.doc.clientID, 'vera keeps her clientID').toBe(victim);

    const token = await mint(srv, docName, 'walt', 'Walt');
    const events = (await (await api(srv.url, token, `/api/docs/${docName}/events`)).json()) as EventsResponse;
    expect(events.events.length).toBeGreaterThan(0);
    expect(events.events.filter((event) => event.userId !== 'vera'), 'events not by vera (only she wrote)').toEqual([]);
    expect(events.events.some((event) => event.userId === 'vera' && event.inserted > 0)).toBe(true);
    expect(events.events.filter((event) => event.userId === 'mallory' || event.userName === 'Mallory')).toEqual([]);
    const attribution = (await (await api(srv.url, token, `/api/docs/${docName}/attribution?from=0&to=${events.latestSeq}`)).json()) as AttributionResponse;
    expect(attribution.authors.map((author) => author.userId)).not.toContain('mallory');
    expect(attribution.authors.find((author) => author.userId === 'vera')?.clients).toContain(victim);
  });

  it('(b) refuses structs at an offline user’s next clocks (4403); her offline work reaches everyone when she is back', async () => {
    const srv = await scope.server();
    const docName = 'offline-victim';
    const veraDoc = new Y.Doc();
    scope.defer(() => veraDoc.destroy());
    const vera = await reconnect(srv, docName, 'vera', 'Vera', veraDoc);
    const walt = await honest(srv, docName, 'walt', 'Walt');
    bodyText(veraDoc).insert(0, 'Vera wrote this');
    await waitForDocumentText(walt.doc, (text) => text === 'Vera wrote this', 'walt has vera’s text');
    const victim = veraDoc.clientID;
    await waitUntil(() => walt.provider.awareness.getStates().has(victim), [[walt.provider.awareness, 'change']], 'walt sees vera');

    // She goes offline (the tab keeps its document) and goes on typing.
    vera.provider.destroy();
    await waitUntil(() => !walt.provider.awareness.getStates().has(victim), [[walt.provider.awareness, 'change']], 'the server lets vera go');
    const serverClock = Y.getState(veraDoc.store, victim);
    bodyText(veraDoc).insert('Vera wrote this'.length, ', offline too');
    const before = await storedFootprint(srv, docName);

    // A stock-looking attacker this time (not opted into Tandem's messages): it gets the close alone.
    const mallory = await attacker(srv, docName, { optIn: false });
    const impostor = new Forger(victim, mallory.mirror);
    const forged = impostor.edit((f) => textOf(firstElement(f, 'paragraph')).insert(0, 'NOT '));
    expect(writtenClocks(forged).get(victim)?.from, 'the forgery takes the clocks she used offline').toBe(serverClock);

    // Control: had the server taken them, her own structs at those clocks would be ignored when she is back.
    const control = new Y.Doc();
    Y.applyUpdate(control, Y.encodeStateAsUpdate(room(srv, docName).doc));
    Y.applyUpdate(control, forged);
    Y.applyUpdate(control, Y.encodeStateAsUpdate(veraDoc));
    expect(documentText(control), 'control: her offline text is lost').not.toContain('offline too');
    control.destroy();

    mallory.sendUpdate(forged);
    expect(await mallory.refusal()).toEqual({ code: CloseCode.forbidden, reason: REFUSED_FOREIGN, notice: null });
    expect(mallory.count('tandem'), 'no Tandem message to a client that did not opt in').toBe(0);
    expect(await storedFootprint(srv, docName), 'nothing stored').toEqual(before);

    // Back online with the same document: her offline work reaches Walt and storage.
    const back = await reconnect(srv, docName, 'vera', 'Vera', veraDoc);
    await expectHonestTextEverywhere(srv, docName, 'Vera wrote this, offline too', { clients: [back, walt] });
    expect(veraDoc.clientID, 'vera keeps her clientID').toBe(victim);
  });

  const backends: Array<[string, boolean, { databaseUrl?: string }]> = [
    ['SQLite', true, {}],
    ['PostgreSQL', hasPostgres, { databaseUrl: TEST_DATABASE_URL }],
  ];
  for (const [backend, available, config] of backends) {
    it.skipIf(!available)(`(c) on ${backend}: the bindings survive a restart; writing under a departed writer’s or a present-only user’s clientID is still refused`, async () => {
      const dataDir = tempDataDir();
      const srv = await scope.server({ dataDir, ...config });
      const docName = uniqueDocName('binding-restart');
      // Pia only announces presence; Vera writes.
      const piaDoc = new Y.Doc();
      scope.defer(() => piaDoc.destroy());
      const pia = await reconnect(srv, docName, 'pia', 'Pia', piaDoc);
      const veraDoc = new Y.Doc();
      scope.defer(() => veraDoc.destroy());
      const vera = await reconnect(srv, docName, 'vera', 'Vera', veraDoc);
      const walt = await honest(srv, docName, 'walt', 'Walt');
      await waitUntil(() => walt.provider.awareness.getStates().has(piaDoc.clientID), [[walt.provider.awareness, 'change']], 'walt sees pia');
      bodyText(veraDoc).insert(0, 'Vera wrote this');
      await waitForDocumentText(walt.doc, (text) => text === 'Vera wrote this', 'walt has vera’s text');
      const victimId = veraDoc.clientID;
      const bindings = (await srv.store.load(docName)).bindings;
      expect(bindings).toEqual(expect.arrayContaining([{ clientId: veraDoc.clientID, userId: 'vera' }, { clientId: piaDoc.clientID, userId: 'pia' }]));

      vera.provider.destroy();
      pia.provider.destroy();
      walt.provider.destroy();
      await srv.close();
      const restarted = await scope.server({ dataDir, ...config });
      // Nobody but the attacker is connected: nothing but storage says whose clientIDs these are.
      for (const [victim, label] of [
        [veraDoc.clientID, 'vera’s next clocks'],
        [piaDoc.clientID, 'pia’s first clocks'],
      ] as const) {
        const mallory = await attacker(restarted, docName);
        const impostor = new Forger(victim, mallory.mirror);
        const forged = impostor.edit((f) => f.insert(f.length, [yParagraph(`forged as ${label}`)]));
        expect(writtenClocks(forged).get(victim)?.from, label).toBe(Y.getState(mallory.mirror.store, victim));
        mallory.sendUpdate(forged);
        expect(await mallory.refusal(), label).toEqual({ code: CloseCode.forbidden, reason: REFUSED_FOREIGN, notice: REFUSED_FOREIGN });
      }

      // Vera comes back to the restarted server and keeps writing under her clientID.
      const back = await reconnect(restarted, docName, 'vera', 'Vera', veraDoc);
      bodyText(veraDoc).insert('Vera wrote this'.length, ' after the restart');
      const witness = await honest(restarted, docName, 'walt', 'Walt');
      await expectHonestTextEverywhere(restarted, docName, 'Vera wrote this after the restart', { clients: [back, witness] });
      expect(veraDoc.clientID, 'vera keeps her clientID').toBe(victimId);
    });
  }
});

describe('6. honest clients are never refused', () => {
  it('two tabs of one user typing into the same paragraph at once converge; nobody is refused', async () => {
    const srv = await scope.server();
    const docName = 'two-tabs';
    const tab1 = await honest(srv, docName, 'ada', 'Ada');
    const tab2 = await honest(srv, docName, 'ada', 'Ada');
    const closes = [serverCloses(tab1), serverCloses(tab2)];
    const [text1, text2] = await sharedBodyTexts([tab1, tab2]);
    if (!text1 || !text2) throw new Error('no shared paragraph');
    const tokens: string[] = [];
    for (let i = 0; i < 30; i++) {
      text1.insert(0, `<a${i}>`);
      text2.insert(text2.length, `<b${i}>`);
      tokens.push(`<a${i}>`, `<b${i}>`);
      if (i % 10 === 9) text1.format(0, 4, { bold: {} });
    }
    const complete = (doc: Y.Doc): boolean => tokens.every((token) => documentText(doc).includes(token));
    await waitUntil(
      () => complete(tab1.doc) && complete(tab2.doc) && documentText(tab1.doc) === documentText(tab2.doc),
      [[tab1.doc, 'update'], [tab2.doc, 'update']],
      'the tabs converge on every keystroke',
      15_000,
      () => [documentText(tab1.doc), documentText(tab2.doc)],
    );
    const expected = documentText(tab1.doc);
    expect(expected.length).toBe(tokens.join('').length);
    await expectHonestTextEverywhere(srv, docName, expected, { clients: [tab1, tab2] });
    expect(closes).toEqual([[], []]);
    for (const reason of ['schema', 'incomplete', 'foreign_client', 'malformed']) expect(await refusedTotal(srv, reason), reason).toBe(0);
  });

  it('an offline replica coming back (a reload with a new clientID from the tab’s stored state) is accepted', async () => {
    const srv = await scope.server();
    const docName = 'offline-back';
    const adaDoc = new Y.Doc();
    scope.defer(() => adaDoc.destroy());
    const ada = await reconnect(srv, docName, 'ada', 'Ada', adaDoc);
    const bob = await honest(srv, docName, 'bob', 'Bob');
    const [adaText] = await sharedBodyTexts([ada, bob]);
    adaText?.insert(0, 'shared');
    await waitForDocumentText(bob.doc, (text) => text === 'shared', 'bob has the paragraph');
    ada.provider.destroy();
    // Offline, Ada types at the start; Bob, online, at the end, concurrently.
    bodyText(adaDoc).insert(0, 'Ada offline: ');
    bodyText(bob.doc).insert(bodyText(bob.doc).length, ' (Bob online)');
    await waitForDocumentText(room(srv, docName).doc, (text) => text === 'shared (Bob online)', 'the server has bob’s edit');
    // The page reloads: a new Y.Doc (new clientID) from what the tab stored, with her offline structs.
    const reloaded = new Y.Doc();
    Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(adaDoc));
    expect(reloaded.clientID).not.toBe(adaDoc.clientID);
    const back = await honest(srv, docName, 'ada', 'Ada', reloaded);
    const closes = serverCloses(back);
    bodyText(reloaded).insert(bodyText(reloaded).length, '.');
    await expectHonestTextEverywhere(srv, docName, 'Ada offline: shared (Bob online).', { clients: [back, bob] });
    expect(closes).toEqual([]);
    for (const reason of ['schema', 'incomplete', 'foreign_client', 'malformed']) expect(await refusedTotal(srv, reason), reason).toBe(0);
  });

  it('a tab whose edit depends on a sibling tab’s unsent edit (relayed between the tabs) is resynced, not closed, and everything converges', async () => {
    const srv = await scope.server();
    const docName = 'relayed-dependency';
    const tabADoc = new Y.Doc();
    scope.defer(() => tabADoc.destroy());
    const tabA = await reconnect(srv, docName, 'ada', 'Ada', tabADoc);
    const tabB = await honest(srv, docName, 'ada', 'Ada');
    const walt = await honest(srv, docName, 'walt', 'Walt');
    const closes = [serverCloses(tabA), serverCloses(tabB)];
    const [textA] = await sharedBodyTexts([tabA, tabB, walt]);
    textA?.insert(0, 'base');
    await waitForDocumentText(walt.doc, (text) => text === 'base', 'walt has the paragraph');

    // Tab A loses its socket; its edit still reaches tab B the way tabs share edits (BroadcastChannel:
    // applied with the provider as origin, so B's socket does not forward it).
    tabA.provider.disconnect();
    await waitUntil(() => !walt.provider.awareness.getStates().has(tabADoc.clientID), [[walt.provider.awareness, 'change']], 'the server lets tab A go');
    const fromA: Uint8Array[] = [];
    const capture = (update: Uint8Array): void => void fromA.push(update);
    tabADoc.on('update', capture);
    bodyText(tabADoc).insert(4, ' from A');
    tabADoc.off('update', capture);
    expect(fromA).toHaveLength(1);
    Y.applyUpdate(tabB.doc, fromA[0] as Uint8Array, tabB.provider);
    // B's edit sits right after A's text: its origin is a struct the server has not seen.
    bodyText(tabB.doc).insert('base from A'.length, ' then B');
    const expected = 'base from A then B';
    await waitForDocumentText(walt.doc, (text) => text === expected, 'walt has both tabs’ text');
    expect(await refusedTotal(srv, 'incomplete'), 'the server resynced B once').toBe(1);

    tabA.provider.connect();
    await waitSynced(tabA);
    await expectHonestTextEverywhere(srv, docName, expected, { clients: [tabA, tabB, walt] });
    expect(closes).toEqual([[], []]);
    for (const reason of ['schema', 'foreign_client', 'malformed']) expect(await refusedTotal(srv, reason), reason).toBe(0);
  });
});
