/**
 * The timeline drawer's state: whether it is open, the events and versions loaded so far, the point
 * being previewed (and what it is compared with: now or another point), and the actions (restore,
 * name a version).
 * Events reload while the drawer is open whenever the live document changes (debounced), so a restore
 * by anyone, or an edit, shows up without a manual refresh.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { TimelineEvent, TimelineVersion } from '../../shared/timeline/api.js';
import type { CollabSession } from '../session/CollabSession.js';
import { tokenRole, type TokenManager } from '../session/tokens.js';
import { samePoint, timelineEntries, type PreviewSelection, type TimelineEntry } from './entries.js';
import { TimelineApi, type TimelinePoint } from './timelineApi.js';

/** After the last live change, wait this long before reloading the list: one request per burst of typing. */
const RELOAD_DEBOUNCE_MS = 1_500;
const PAGE_SIZE = 300;

/** What the previewed point is compared with: the live document, or another point of the timeline. */
export type CompareTarget = { kind: 'now' } | { kind: 'point'; selection: PreviewSelection };

export interface TimelineController {
  open: boolean;
  toggle(): void;
  events: TimelineEvent[];
  versions: TimelineVersion[];
  /** The list as shown (sessions and named versions, newest first), for the drawer and the compare picker. */
  entries: TimelineEntry[];
  latestSeq: number;
  hasMore: boolean;
  loadMore(): void;
  error: string | null;
  canEdit: boolean;
  selection: PreviewSelection | null;
  select(selection: PreviewSelection | null): void;
  /** null while not comparing. */
  compareWith: CompareTarget | null;
  setCompareWith(target: CompareTarget | null): void;
  restore(point: TimelinePoint): Promise<void>;
  nameVersion(name: string): Promise<void>;
  api: TimelineApi;
}

export function useTimeline(session: CollabSession, tokens: TokenManager): TimelineController {
  const api = useMemo(() => new TimelineApi(session.docName, tokens), [session.docName, tokens]);
  const [open, setOpen] = useState(false);
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  const [versions, setVersions] = useState<TimelineVersion[]>([]);
  const [latestSeq, setLatestSeq] = useState(0);
  const [nextBefore, setNextBefore] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [canEdit, setCanEdit] = useState(false);
  const [selection, setSelection] = useState<PreviewSelection | null>(null);
  const [compareWith, setCompareWith] = useState<CompareTarget | null>(null);
  const generation = useRef(0);
  const entries = useMemo(() => timelineEntries(events, versions), [events, versions]);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const [page, listed, token] = await Promise.all([api.events(null, PAGE_SIZE), api.versions(), api.token()]);
      if (mine !== generation.current) return;
      setEvents(page.events);
      setVersions(listed.versions);
      setLatestSeq(page.latestSeq);
      setNextBefore(page.nextBefore);
      setCanEdit(tokenRole(token) === 'editor');
      setError(null);
    } catch (caught) {
      if (mine === generation.current) setError(caught instanceof Error ? caught.message : String(caught));
    }
  }, [api]);

  useEffect(() => {
    if (!open) return;
    void reload();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const onUpdate = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void reload(), RELOAD_DEBOUNCE_MS);
    };
    session.doc.on('update', onUpdate);
    return () => {
      session.doc.off('update', onUpdate);
      if (timer) clearTimeout(timer);
    };
  }, [open, reload, session]);

  const loadMore = useCallback(() => {
    if (nextBefore === null) return;
    void api.events(nextBefore, PAGE_SIZE).then(
      (page) => {
        setEvents((loaded) => [...loaded, ...page.events.filter((e) => e.seq < (loaded.at(-1)?.seq ?? Infinity))]);
        setNextBefore(page.nextBefore);
      },
      (caught: unknown) => setError(caught instanceof Error ? caught.message : String(caught)),
    );
  }, [api, nextBefore]);

  const restore = useCallback(
    async (point: TimelinePoint) => {
      await api.restore(point);
      // The restore reaches the live editor through the provider like any other change.
      setSelection(null);
      setCompareWith(null);
      await reload();
    },
    [api, reload],
  );

  const nameVersion = useCallback(
    async (name: string) => {
      await api.nameVersion(name);
      await reload();
    },
    [api, reload],
  );

  const toggle = useCallback(() => {
    setOpen((wasOpen) => {
      if (wasOpen) {
        setSelection(null);
        setCompareWith(null);
      }
      return !wasOpen;
    });
  }, []);

  const select = useCallback((next: PreviewSelection | null) => {
    setSelection(next);
    // Comparing a point with itself shows nothing: fall back to comparing with now.
    setCompareWith((target) => (next === null ? null : target?.kind === 'point' && samePoint(target.selection.point, next.point) ? { kind: 'now' } : target));
  }, []);

  return {
    open,
    toggle,
    events,
    versions,
    entries,
    latestSeq,
    hasMore: nextBefore !== null,
    loadMore,
    error,
    canEdit,
    selection,
    select,
    compareWith,
    setCompareWith,
    restore,
    nameVersion,
    api,
  };
}
