/**
 * Judges a peer's Yjs update before it touches the live document, from the update's structs and the
 * document's struct store alone (nothing is applied):
 *   1. complete: every new struct continues its client's clocks without a gap, every origin, right
 *      origin and parent it names exists (in the document or in the update), every delete range covers
 *      clocks that exist, and the structs can be integrated in some order (no dependency cycle); so Yjs
 *      never keeps anything "pending";
 *   2. identity: the clientIDs it writes new structs under are the sender's (or free);
 *   3. shape: every new struct lands where the editor schema allows it (schemaRules.ts): block elements
 *      in the fragment, allowed children and attributes in elements, strings and allowed marks in texts,
 *      a bounded depth, nothing under any other root.
 * Because new structs are all that changes shape (deletions only remove), checking them is checking the
 * transaction's effect: a keystroke costs a few lookups, whatever the document's size.
 */
import * as Y from 'yjs';
import { DOCUMENT_FRAGMENT } from '../../shared/editor/extensions.js';
import { documentRules, MAX_NESTING_DEPTH, type SchemaRules } from '../../shared/editor/schemaRules.js';
import { clockOf, decodeStructs, existingStruct, rootName, type Struct } from './yjsInternals.js';

export type UpdateRefusal =
  /** Bytes that do not decode as an update, or structs no Yjs encoder writes (clients twice, cycles). */
  | { kind: 'malformed'; detail: string }
  /** Depends on clocks the server does not have: a resync (sync step 1) lets an honest sender fill in. */
  | { kind: 'incomplete'; detail: string }
  /** Writes under a clientID bound to another user. */
  | { kind: 'foreignClient'; clientId: number }
  /** The document would break the editor schema. */
  | { kind: 'schema'; detail: string };

export type UpdateVerdict = { ok: true; writers: number[] } | { ok: false; refusal: UpdateRefusal };

export interface UpdateCheckContext {
  doc: Y.Doc;
  /** The first clientID among `clients` bound to someone other than the sender, or null. */
  foreignClient(clients: number[]): number | null;
  rules?: SchemaRules;
}

/** Where an item lands: its parent as a container, and the map key when it is an attribute. */
type Container =
  | { kind: 'fragment'; depth: 0 }
  | { kind: 'element'; name: string; depth: number }
  | { kind: 'text'; element: string | null; depth: number }
  | { kind: 'foreign'; what: string };
/** `null` placement: Yjs turns the item into a GC struct (its parent is gone), so its content is moot. */
type Placement = { container: Container; parentSub: string | null; parent: unknown } | null;

class Refused extends Error {
  constructor(readonly refusal: UpdateRefusal) {
    super(refusal.kind);
  }
}

const refuse = (refusal: UpdateRefusal): never => {
  throw new Refused(refusal);
};

export function checkUpdate(update: Uint8Array, context: UpdateCheckContext): UpdateVerdict {
  let decoded: ReturnType<typeof decodeStructs>;
  try {
    decoded = decodeStructs(update);
  } catch {
    return { ok: false, refusal: { kind: 'malformed', detail: 'undecodable update' } };
  }
  try {
    const plan = new UpdatePlan(context.doc, decoded.structs);
    plan.checkDeletes(decoded.deletes);
    const foreign = context.foreignClient(plan.writers);
    if (foreign !== null) refuse({ kind: 'foreignClient', clientId: foreign });
    plan.checkShapes(context.rules ?? documentRules());
    return { ok: true, writers: plan.writers };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, refusal: error.refusal };
    // Anything else is a struct shape Yjs itself would choke on (e.g. a content that does not fit its parent).
    return { ok: false, refusal: { kind: 'malformed', detail: error instanceof Error ? error.message : 'unreadable structs' } };
  }
}

/** The update's new structs, indexed by client and clock, with their integration order. */
class UpdatePlan {
  /** Clients the update writes new structs under. */
  readonly writers: number[] = [];
  /** Per client, the structs with clocks the document does not have yet, ascending. */
  private readonly fresh = new Map<number, Struct[]>();
  /** Per client, the clock after the update's last struct. */
  private readonly endClock = new Map<number, number>();
  private readonly placements = new Map<Y.Item, Placement>();
  /** Structs of the update whose clocks the document already has. */
  private readonly known: Y.Item[] = [];

  constructor(
    private readonly doc: Y.Doc,
    structs: Struct[],
  ) {
    this.index(structs);
    this.checkReferences();
  }

  private index(structs: Struct[]): void {
    let current: number | null = null;
    let known = 0;
    for (const struct of structs) {
      const { client, clock } = struct.id;
      if (client !== current) {
        // Yjs encoders write each client's structs as one run; a second run would silently replace the first.
        if (this.endClock.has(client)) refuse({ kind: 'malformed', detail: `client ${client} appears twice` });
        current = client;
        known = clockOf(this.doc, client);
        if (clock > known) refuse({ kind: 'incomplete', detail: `clocks of client ${client} from ${known} are missing` });
      }
      const end = clock + struct.length;
      this.endClock.set(client, end);
      if (end <= known) {
        // Already integrated, yet Yjs resolves its references before it sees the overlap: they must exist too.
        if (struct instanceof Y.Item) this.known.push(struct);
        continue;
      }
      // A skip is a hole in the clocks: what follows it could only wait, pending.
      if (struct instanceof Y.Skip) refuse({ kind: 'incomplete', detail: `clocks of client ${client} are missing` });
      let run = this.fresh.get(client);
      if (!run) {
        run = [];
        this.fresh.set(client, run);
        this.writers.push(client);
      }
      run.push(struct);
    }
  }

  /** Whether `id` exists in the document or in this update. */
  private exists(id: Y.ID): boolean {
    return id.clock < Math.max(clockOf(this.doc, id.client), this.endClock.get(id.client) ?? 0);
  }

  /** The new struct of this update holding `id`, if any. */
  private freshStruct(id: Y.ID): Struct | null {
    const run = this.fresh.get(id.client);
    if (!run) return null;
    let low = 0;
    let high = run.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const struct = run[middle] as Struct;
      if (id.clock < struct.id.clock) high = middle - 1;
      else if (id.clock >= struct.id.clock + struct.length) low = middle + 1;
      else return struct;
    }
    return null;
  }

  private *freshItems(): Generator<Y.Item> {
    for (const run of this.fresh.values()) for (const struct of run) if (struct instanceof Y.Item) yield struct;
  }

  private checkReferences(): void {
    for (const item of [...this.freshItems(), ...this.known]) {
      for (const reference of references(item)) {
        if (reference.client === item.id.client) {
          // A client's own structs are integrated in clock order, so it can only point backwards.
          if (reference.clock >= item.id.clock) refuse({ kind: 'malformed', detail: 'a struct points at a later clock of its own client' });
        } else if (!this.exists(reference)) {
          refuse({ kind: 'incomplete', detail: `origin ${reference.client}:${reference.clock} is missing` });
        }
      }
    }
    this.checkIntegrable();
  }

  /**
   * Yjs integrates a client's structs in clock order and waits for whatever a struct points at; a cycle
   * through several clients can never be integrated and would stay pending. Iterative depth-first search
   * over (struct → the struct it points at, struct → its predecessor of the same client).
   */
  private checkIntegrable(): void {
    const done = new Set<Struct>();
    const onPath = new Set<Struct>();
    for (const run of this.fresh.values()) {
      for (const start of run) {
        if (done.has(start)) continue;
        const stack: Array<{ struct: Struct; next: Struct[] }> = [{ struct: start, next: this.dependencies(start) }];
        onPath.add(start);
        while (stack.length > 0) {
          const top = stack[stack.length - 1] as { struct: Struct; next: Struct[] };
          const next = top.next.pop();
          if (next === undefined) {
            stack.pop();
            onPath.delete(top.struct);
            done.add(top.struct);
            continue;
          }
          if (done.has(next)) continue;
          if (onPath.has(next)) refuse({ kind: 'malformed', detail: 'structs depend on each other in a cycle' });
          onPath.add(next);
          stack.push({ struct: next, next: this.dependencies(next) });
        }
      }
    }
  }

  private dependencies(struct: Struct): Struct[] {
    const found: Struct[] = [];
    const previous = this.freshStruct(Y.createID(struct.id.client, struct.id.clock - 1));
    if (previous) found.push(previous);
    if (struct instanceof Y.Item) {
      for (const reference of references(struct)) {
        const target = this.freshStruct(reference);
        if (target && target !== struct) found.push(target);
      }
    }
    return found;
  }

  checkDeletes(deletes: Map<number, Array<{ clock: number; len: number }>>): void {
    for (const [client, ranges] of deletes) {
      const end = Math.max(clockOf(this.doc, client), this.endClock.get(client) ?? 0);
      for (const { clock, len } of ranges) {
        // A delete range on clocks nobody wrote would wait (pending) and erase whatever is written there next.
        if (clock + len > end) refuse({ kind: 'incomplete', detail: `deletes clocks of client ${client} that do not exist` });
      }
    }
  }

  checkShapes(rules: SchemaRules): void {
    for (const item of this.freshItems()) checkContent(item, this.placementOf(item), rules);
  }

  /** Resolved without recursion: the chain of origins in one update can be as long as the update. */
  private placementOf(item: Y.Item): Placement {
    const chain: Y.Item[] = [];
    let current: Y.Item = item;
    for (;;) {
      if (this.placements.has(current)) break;
      const waitingOn = this.unresolvedDependency(current);
      if (waitingOn === null) {
        this.placements.set(current, this.resolve(current));
        const resumed = chain.pop();
        if (resumed === undefined) break;
        current = resumed;
        continue;
      }
      chain.push(current);
      current = waitingOn;
    }
    return this.placements.get(item) ?? null;
  }

  /** A new item whose placement `item`'s depends on and which is not resolved yet. */
  private unresolvedDependency(item: Y.Item): Y.Item | null {
    for (const reference of placementSources(item)) {
      const struct = this.freshStruct(reference);
      if (struct instanceof Y.Item && !this.placements.has(struct)) return struct;
    }
    return null;
  }

  /** Yjs's own rule (Item.getMissing): parent and key from the left origin, else the right, else explicit. */
  private resolve(item: Y.Item): Placement {
    const sides = [item.origin, item.rightOrigin].filter((id): id is Y.ID => id !== null).map((id) => this.structAt(id));
    if (sides.length > 0) {
      if (sides.some((side) => side instanceof Y.GC)) return null;
      const placements = sides.map((side) => this.placementOfStruct(side as Y.Item));
      const [left, right] = placements;
      if (left && right && (this.parentKey(left.parent) !== this.parentKey(right.parent) || left.parentSub !== right.parentSub)) {
        refuse({ kind: 'malformed', detail: 'origins lie in different parents' });
      }
      if (left && right && item.origin && item.rightOrigin && !this.freshStruct(item.origin) && !this.freshStruct(item.rightOrigin)) {
        if (!rightOriginFollows(sides[0] as Y.Item, item.origin, item.rightOrigin)) refuse({ kind: 'malformed', detail: 'right origin lies left of the origin' });
      }
      return placements[0] ?? null;
    }
    const parent = item.parent as unknown;
    if (typeof parent === 'string') return { container: this.rootContainer(parent), parentSub: item.parentSub, parent };
    if (parent instanceof Y.ID) {
      const holder = this.structAt(parent);
      // A parent Yjs garbage-collected (deleted, content dropped) makes the item garbage too.
      if (!(holder instanceof Y.Item) || !(holder.content instanceof Y.ContentType)) return null;
      const container = this.containerOfTypeItem(holder);
      return container === null ? null : { container, parentSub: item.parentSub, parent: holder };
    }
    return null;
  }

  /**
   * One identity per parent, however a placement names it: an integrated item names its live type, a new
   * item the type's holder item (or the root's name). Comparing the names as given refused honest updates
   * whose left origin was integrated and whose right origin came in the same update (convergence soak
   * seeds 5397, 5408, 5518, 5663).
   */
  private parentKey(parent: unknown): unknown {
    if (parent instanceof Y.AbstractType) {
      if (parent._item) return parent._item;
      for (const [name, type] of this.doc.share) if (type === parent) return name;
    }
    return parent;
  }

  private structAt(id: Y.ID): Struct {
    const struct = this.freshStruct(id) ?? existingStruct(this.doc, id);
    if (!struct) return refuse({ kind: 'incomplete', detail: `struct ${id.client}:${id.clock} is missing` });
    return struct;
  }

  private placementOfStruct(item: Y.Item): Placement {
    if (this.placements.has(item)) return this.placements.get(item) ?? null;
    // An integrated item: its parent is a live type.
    const parent = item.parent;
    if (!(parent instanceof Y.AbstractType)) return null;
    return { container: containerOfType(parent), parentSub: item.parentSub, parent };
  }

  /** What a type item is as a container; null when it is a new item Yjs will garbage-collect. */
  private containerOfTypeItem(holder: Y.Item): Container | null {
    const type = (holder.content as Y.ContentType).type;
    if (!this.placements.has(holder)) return containerOfType(type);
    const placement = this.placements.get(holder) ?? null;
    return placement === null ? null : containerFor(type, placement.container);
  }

  private rootContainer(name: string): Container {
    return name === DOCUMENT_FRAGMENT ? { kind: 'fragment', depth: 0 } : { kind: 'foreign', what: `root type ${name}` };
  }
}

function references(item: Y.Item): Y.ID[] {
  const found: Y.ID[] = [];
  if (item.origin) found.push(item.origin);
  if (item.rightOrigin) found.push(item.rightOrigin);
  if (item.parent instanceof Y.ID) found.push(item.parent);
  return found;
}

/** The ids whose placement decides `item`'s: its origins, or (without origins) its parent. */
function placementSources(item: Y.Item): Y.ID[] {
  if (item.origin || item.rightOrigin) return [item.origin, item.rightOrigin].filter((id): id is Y.ID => id !== null);
  return item.parent instanceof Y.ID ? [item.parent] : [];
}

/** An integrated type as a container: walks up to the root once (depth is bounded for valid documents). */
function containerOfType(type: Y.AbstractType<unknown>): Container {
  const root = rootName(type);
  if (root !== null) return root === DOCUMENT_FRAGMENT && type instanceof Y.XmlFragment ? { kind: 'fragment', depth: 0 } : { kind: 'foreign', what: `root type ${root}` };
  const parent = type._item?.parent;
  if (!(parent instanceof Y.AbstractType)) return { kind: 'foreign', what: 'a detached type' };
  return containerFor(type, containerOfType(parent));
}

function containerFor(type: Y.AbstractType<unknown>, outer: Container): Container {
  const depth = outer.kind === 'foreign' ? 0 : outer.depth + 1;
  if (outer.kind === 'foreign') return outer;
  if (type instanceof Y.XmlElement) return { kind: 'element', name: type.nodeName, depth };
  if (type instanceof Y.XmlText) return { kind: 'text', element: outer.kind === 'element' ? outer.name : null, depth };
  return { kind: 'foreign', what: type.constructor.name };
}

/** The schema's verdict on one new item where it lands; throws a schema refusal. */
function checkContent(item: Y.Item, placement: Placement, rules: SchemaRules): void {
  if (placement === null) return;
  const { container, parentSub } = placement;
  const content = item.content;
  // Deleted content carries no type, text or value: it only takes clock space where its parent allows anything.
  const bad = (detail: string): never => refuse({ kind: 'schema', detail });
  if (container.kind === 'foreign') bad(`writes into ${container.what}`);
  if (parentSub !== null) {
    if (container.kind !== 'element') bad('attributes outside an element');
    const element = container as Extract<Container, { kind: 'element' }>;
    if (content instanceof Y.ContentDeleted) return;
    if (!(content instanceof Y.ContentAny) || content.arr.length !== 1) bad(`attribute ${parentSub} is not a plain value`);
    const problem = rules.attributeProblem(element.name, parentSub, (content as Y.ContentAny).arr[0]);
    if (problem) bad(problem);
    return;
  }
  if (content instanceof Y.ContentDeleted) return;
  switch (container.kind) {
    case 'fragment': {
      const name = elementName(content);
      if (name === null || !rules.topLevel.has(name)) bad(`${describe(content)} at the top level`);
      return;
    }
    case 'element': {
      if (content instanceof Y.ContentType && content.type instanceof Y.XmlText) {
        if (!rules.allowsText(container.name)) bad(`text inside ${container.name}`);
        return;
      }
      const name = elementName(content);
      if (name === null || !rules.childElements(container.name).has(name)) bad(`${describe(content)} inside ${container.name}`);
      if (container.depth + 1 > MAX_NESTING_DEPTH) bad('nesting too deep');
      return;
    }
    case 'text': {
      if (container.element === null) bad('text outside an element');
      const element = container.element as string;
      if (content instanceof Y.ContentString) return;
      if (content instanceof Y.ContentFormat) {
        if (!rules.allowsMark(element, content.key)) bad(`mark ${content.key} inside ${element}`);
        const problem = rules.markValueProblem(content.key, content.value);
        if (problem) bad(problem);
        return;
      }
      bad(`${describe(content)} inside text`);
      return;
    }
    default:
      return;
  }
}

function elementName(content: Y.Item['content']): string | null {
  return content instanceof Y.ContentType && content.type instanceof Y.XmlElement ? content.type.nodeName : null;
}

function describe(content: Y.Item['content']): string {
  if (content instanceof Y.ContentType) {
    const type = content.type;
    if (type instanceof Y.XmlElement) return `element ${type.nodeName}`;
    return type.constructor.name;
  }
  return content.constructor.name;
}

/**
 * Whether the item holding `rightOrigin` comes after `origin` in their parent's list. Yjs never writes an
 * item whose right origin lies to its left, and integrates one into an order that a fresh load of the same
 * state does not reproduce (structure fuzzer seed 1087: two loads showed the text in different orders).
 * The walk covers the items between the two origins, the same ones Yjs's own integration walks.
 */
function rightOriginFollows(originItem: Y.Item, origin: Y.ID, rightOrigin: Y.ID): boolean {
  const holds = (item: Y.Item): boolean => item.id.client === rightOrigin.client && item.id.clock <= rightOrigin.clock && rightOrigin.clock < item.id.clock + item.length;
  // Both in one (merged) item, as when someone types inside a run another person typed: order by clock.
  if (holds(originItem)) return rightOrigin.clock > origin.clock;
  for (let next = originItem.right; next !== null; next = next.right) if (holds(next)) return true;
  return false;
}
