/**
 * The read-only preview of one point of the timeline, shown in place of the live editor, and the compare
 * view (that point against now or against any other point, the older one always as the base, insertions
 * and deletions in each author's colour). Both render in a separate Tiptap editor bound to a THROWAWAY
 * Y.Doc with no provider: the live document is never touched, so nothing a preview does can sync. Compare uses y-tiptap's snapshot rendering, which diffs two
 * full-state updates in its own history doc; the preview schema has the `ychange` mark and attribute.
 */
import Collaboration from '@tiptap/extension-collaboration';
import { EditorContent, useEditor } from '@tiptap/react';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import { useEffect, useMemo, useState } from 'react';
import * as Y from 'yjs';
import { DOCUMENT_FRAGMENT, documentExtensions } from '../../shared/editor/extensions.js';
import type { AttributionAuthor } from '../../shared/timeline/api.js';
import { formatPointTime } from './format.js';
import { toV2, type TimelinePoint } from './timelineApi.js';
import { entrySelection, pointKey, samePoint, type PreviewSelection } from './entries.js';
import type { CompareTarget, TimelineController } from './useTimeline.js';
import { YChangeBlockAttribute, YChangeMark } from './ychange.js';

/** `state?at=` is clamped by the server to its latest row: this asks for "now". */
const NOW_POINT: TimelinePoint = { kind: 'seq', seq: 999_999_999_999_999 };

export function TimelinePreview({ timeline }: { timeline: TimelineController }) {
  const { selection, compareWith } = timeline;
  if (!selection) return null;
  return (
    <section className="timeline-preview" data-testid="timeline-preview" data-comparing={compareWith !== null} aria-label="Earlier version">
      <PreviewBanner timeline={timeline} />
      <PreviewDocument key={`${pointKey(selection.point)}:${targetKey(compareWith)}`} timeline={timeline} point={selection.point} compareWith={compareWith} />
    </section>
  );
}

function PreviewBanner({ timeline }: { timeline: TimelineController }) {
  const { selection, compareWith, canEdit } = timeline;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!selection) return null;
  const when = selection.at !== null ? formatPointTime(selection.at) : selection.label;
  const doRestore = (): void => {
    setBusy(true);
    setError(null);
    timeline.restore(selection.point).then(
      () => setBusy(false),
      (caught: unknown) => {
        setBusy(false);
        setConfirming(false);
        setError(caught instanceof Error ? caught.message : String(caught));
      },
    );
  };
  return (
    <div className="timeline-banner" role="status">
      <span className="timeline-banner__text">
        {compareWith ? 'Comparing' : 'Viewing'} <strong data-testid="timeline-preview-time">{when}</strong>
        {selection.label && selection.at !== null ? <span className="timeline-banner__label"> · {selection.label}</span> : null}
        {compareWith ? <ComparePicker timeline={timeline} selected={selection} target={compareWith} /> : null}
      </span>
      {confirming ? (
        <span className="timeline-banner__actions">
          <span>Restore {when} for everyone? Everyone here is told, and you can undo it from that message.</span>
          <button type="button" className="button button--primary button--small" data-testid="timeline-restore-confirm" disabled={busy} onClick={doRestore}>
            {busy ? 'Restoring…' : 'Restore'}
          </button>
          <button type="button" className="button button--small" onClick={() => setConfirming(false)} disabled={busy}>
            Cancel
          </button>
        </span>
      ) : (
        <span className="timeline-banner__actions">
          <button
            type="button"
            className="button button--small"
            data-testid="timeline-compare"
            aria-pressed={compareWith !== null}
            onClick={() => timeline.setCompareWith(compareWith ? null : { kind: 'now' })}
          >
            {compareWith ? 'Hide changes' : 'Compare'}
          </button>
          {canEdit ? (
            <button type="button" className="button button--small" data-testid="timeline-restore" onClick={() => setConfirming(true)}>
              Restore
            </button>
          ) : null}
          <button type="button" className="button button--primary button--small" data-testid="timeline-back-to-live" onClick={() => timeline.select(null)}>
            Back to live
          </button>
        </span>
      )}
      {error ? (
        <span className="timeline-banner__error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

/** "with [now ▾]": the other end of the comparison, now or any other point in the list. */
function ComparePicker({ timeline, selected, target }: { timeline: TimelineController; selected: PreviewSelection; target: CompareTarget }) {
  const options = useMemo(
    () => timeline.entries.map(entrySelection).filter((option) => !samePoint(option.point, selected.point)),
    [timeline.entries, selected.point],
  );
  const choose = (value: string): void => {
    const option = options.find((candidate) => pointKey(candidate.point) === value);
    timeline.setCompareWith(option ? { kind: 'point', selection: option } : { kind: 'now' });
  };
  return (
    <label className="timeline-banner__compare">
      {' with '}
      <select data-testid="timeline-compare-with" aria-label="Compare with" value={targetKey(target)} onChange={(event) => choose(event.target.value)}>
        <option value={NOW_KEY}>now</option>
        {options.map((option) => (
          <option key={pointKey(option.point)} value={pointKey(option.point)}>
            {option.at !== null ? `${formatPointTime(option.at)} · ${option.label}` : option.label}
          </option>
        ))}
      </select>
    </label>
  );
}

const NOW_KEY = 'now';

function targetKey(target: CompareTarget | null): string {
  if (!target) return 'none';
  return target.kind === 'now' ? NOW_KEY : pointKey(target.selection.point);
}

type Loaded =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'preview'; doc: Y.Doc }
  | { kind: 'compare'; doc: Y.Doc; older: Uint8Array; newer: Uint8Array; authors: AttributionAuthor[] };

function PreviewDocument({ timeline, point, compareWith }: { timeline: TimelineController; point: TimelinePoint; compareWith: CompareTarget | null }) {
  const { api } = timeline;
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  useEffect(() => {
    const abort = new AbortController();
    let doc: Y.Doc | null = null;
    const load = async (): Promise<Loaded> => {
      const other = compareWith === null ? null : compareWith.kind === 'now' ? NOW_POINT : compareWith.selection.point;
      const [shown, otherState] = await Promise.all([api.state(point, abort.signal), other ? api.state(other, abort.signal) : null]);
      doc = new Y.Doc();
      if (!otherState) {
        Y.applyUpdate(doc, shown.update);
        return { kind: 'preview', doc };
      }
      // The diff always runs forward in time, whichever end was picked first.
      const [older, newer] = shown.seq <= otherState.seq ? [shown, otherState] : [otherState, shown];
      const { authors } = await api.attribution(older.seq, newer.seq);
      return { kind: 'compare', doc, older: toV2(older.update), newer: toV2(newer.update), authors };
    };
    load().then(
      (result) => {
        if (!abort.signal.aborted) setLoaded(result);
      },
      (caught: unknown) => {
        if (!abort.signal.aborted) setLoaded({ kind: 'error', message: caught instanceof Error ? caught.message : String(caught) });
      },
    );
    return () => {
      abort.abort();
      doc?.destroy();
    };
  }, [api, point, compareWith]);

  if (loaded.kind === 'loading') return <p className="timeline-preview__status">Loading this version…</p>;
  if (loaded.kind === 'error') return <p className="timeline-preview__status" role="alert">{loaded.message}</p>;
  return <PreviewEditor loaded={loaded} />;
}

/** Y.PermanentUserData in its own throwaway doc, filled from the server's attribution of the changes. */
function userDataFor(authors: AttributionAuthor[]): { permanentUserData: Y.PermanentUserData; colorMapping: Map<string, { light: string; dark: string }> } {
  const store = new Y.Doc();
  const users = store.getMap<Y.Map<unknown>>('users');
  store.transact(() => {
    for (const author of authors) {
      const user = new Y.Map<unknown>();
      user.set('ids', Y.Array.from(author.clients));
      user.set('ds', Y.Array.from([Uint8Array.from(atob(author.deleteSet), (c) => c.charCodeAt(0))]));
      users.set(author.userId, user);
    }
  });
  const colorMapping = new Map(authors.map((a) => [a.userId, { light: a.color ?? '#3e63dd', dark: a.color ?? '#7b9bff' }]));
  return { permanentUserData: new Y.PermanentUserData(store, users), colorMapping };
}

function PreviewEditor({ loaded }: { loaded: Extract<Loaded, { kind: 'preview' | 'compare' }> }) {
  const editor = useEditor(
    {
      editable: false,
      extensions: [
        ...documentExtensions(),
        YChangeMark,
        YChangeBlockAttribute,
        Collaboration.configure({
          document: loaded.doc,
          field: DOCUMENT_FRAGMENT,
          ...(loaded.kind === 'compare' ? { ySyncOptions: userDataFor(loaded.authors) } : {}),
        }),
      ],
      editorProps: { attributes: { 'data-testid': 'timeline-preview-editor', 'aria-label': 'Earlier version (read-only)' } },
    },
    [loaded],
  );

  useEffect(() => {
    if (!editor || editor.isDestroyed || loaded.kind !== 'compare') return;
    // Both blobs are full-state V2 updates; y-tiptap replays them into its own gc-free history doc.
    editor.view.dispatch(editor.state.tr.setMeta(ySyncPluginKey, { snapshot: loaded.newer, prevSnapshot: loaded.older }));
  }, [editor, loaded]);

  if (!editor) return null;
  return (
    <main className="page timeline-preview__page">
      {loaded.kind === 'compare' ? <CompareLegend authors={loaded.authors} /> : null}
      <EditorContent editor={editor} className="page__editor" />
    </main>
  );
}

function CompareLegend({ authors }: { authors: AttributionAuthor[] }) {
  if (authors.length === 0) return <p className="timeline-legend">No changes between these points.</p>;
  return (
    <p className="timeline-legend" data-testid="timeline-legend">
      Changes between these points by{' '}
      {authors.map((author, i) => (
        <span key={author.userId}>
          {i > 0 ? ', ' : ''}
          <span className="timeline-legend__swatch" style={{ backgroundColor: author.color ?? 'var(--accent)' }} />
          {author.name ?? (author.userId === 'server' ? 'Tandem' : 'someone')}
        </span>
      ))}
      . <ins>Inserted</ins> · <del>deleted</del>
    </p>
  );
}
