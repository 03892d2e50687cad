/**
 * Every metric the server exports, declared once: its name, help text, type and label names. Call sites name
 * a metric by its key, so a typo is a compile error and the help text cannot drift between call sites.
 */
import { COSTLY_UPDATE_MS } from '../shared/limits.js';

interface CounterSpec {
  type: 'counter';
  help: string;
  labels?: readonly string[];
}

interface GaugeSpec {
  type: 'gauge';
  help: string;
  labels?: readonly string[];
}

interface HistogramSpec {
  type: 'histogram';
  help: string;
  labels?: readonly string[];
  /** Upper bounds in seconds. */
  buckets: readonly number[];
}

export type MetricSpec = CounterSpec | GaugeSpec | HistogramSpec;

/** Latencies from a fraction of a millisecond (an in-memory hop) to seconds (a struggling database). */
const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

export const METRICS = {
  // Connections and transport
  tandem_connections: { type: 'gauge', help: 'Open WebSocket connections' },
  tandem_connections_refused_total: { type: 'counter', help: 'Connections closed by the server', labels: ['code'] },
  tandem_messages_received_total: { type: 'counter', help: 'Frames received', labels: ['type'] },
  tandem_tcp_connections_dropped_total: { type: 'counter', help: 'TCP connections destroyed at accept by a connection cap', labels: ['reason'] },
  tandem_http_requests_refused_total: { type: 'counter', help: 'HTTP requests refused before routing', labels: ['reason'] },
  tandem_upgrades_refused_total: { type: 'counter', help: 'WebSocket upgrades refused before the handshake', labels: ['reason'] },

  // Rooms (server/room/)
  tandem_rooms: { type: 'gauge', help: 'Documents loaded in memory' },
  tandem_updates_refused_total: { type: 'counter', help: 'Updates refused', labels: ['reason'] },
  tandem_pending_dropped_total: { type: 'counter', help: 'Stored structs or deletes that could never be integrated, dropped' },
  tandem_channel_messages_ignored_total: { type: 'counter', help: 'Tandem messages of kinds the server does not take from clients, ignored' },
  tandem_compactions_total: { type: 'counter', help: 'Log compactions into checkpoints' },
  tandem_section_id_repairs_total: { type: 'counter', help: 'Headings renamed because another heading had the same sectionId' },
  tandem_mark_repairs_total: { type: 'counter', help: 'Text runs whose marks the schema forbids together, repaired' },
  tandem_costly_updates_total: { type: 'counter', help: `Peer updates that took ${COSTLY_UPDATE_MS} ms or more to check and apply` },
  tandem_stored_shape_repairs_total: { type: 'counter', help: 'Items a stored document held that the editor schema forbids, removed on load' },
  tandem_updates_persisted_total: { type: 'counter', help: 'Updates appended to the durable log' },
  tandem_persisted_bytes_total: { type: 'counter', help: 'Bytes appended to the durable log' },
  tandem_room_failures_total: { type: 'counter', help: 'Rooms closed because storage failed' },
  tandem_awareness_refused_total: { type: 'counter', help: 'Awareness entries refused (spoofing or abuse)' },
  tandem_storage_append_seconds: { type: 'histogram', help: 'Time to append a batch of updates to the durable log', buckets: LATENCY_BUCKETS_S },
  tandem_lock_reverts_total: { type: 'counter', help: 'Changes reverted because they touched a section locked by someone else' },
  tandem_room_load_seconds: { type: 'histogram', help: 'Time to load a document into memory: read storage, integrate checkpoint and log', buckets: LATENCY_BUCKETS_S },
  tandem_updates_coalesced_total: { type: 'counter', help: 'Updates held for a busy socket and sent merged with others once it drained' },
  tandem_fanout_delay_seconds: { type: 'histogram', help: 'Time from accepting an update to handing it to every other peer in the room', buckets: LATENCY_BUCKETS_S },

  // Accounts and documents
  tandem_accounts_created_total: { type: 'counter', help: 'Accounts created', labels: ['method'] },
  tandem_sign_in_failures_total: { type: 'counter', help: 'Sign-ins refused for a wrong email or password' },
  tandem_oidc_sign_ins_total: { type: 'counter', help: 'OpenID Connect sign-in attempts, by outcome', labels: ['outcome'] },
  tandem_documents_created_total: { type: 'counter', help: 'Documents created' },
  tandem_documents_purged_total: { type: 'counter', help: 'Documents deleted for good' },
  tandem_access_revocations_total: { type: 'counter', help: 'Open connections closed because their access ended', labels: ['status'] },
  tandem_access_role_changes_total: { type: 'counter', help: 'Open connections whose role changed live' },

  // Timeline API
  tandem_timeline_requests_total: { type: 'counter', help: 'Timeline API requests', labels: ['route'] },
  tandem_quota_refusals_total: { type: 'counter', help: 'Named versions refused by the document storage quota' },
  tandem_restores_total: { type: 'counter', help: 'Timeline restores applied' },
  tandem_history_drops_total: { type: 'counter', help: 'Document histories dropped to free space' },

  // Process health, sampled from perf_hooks.monitorEventLoopDelay while the server runs
  tandem_eventloop_lag_p50_seconds: { type: 'gauge', help: 'Median event-loop delay since the last scrape' },
  tandem_eventloop_lag_p99_seconds: { type: 'gauge', help: '99th percentile event-loop delay since the last scrape' },
  tandem_eventloop_lag_max_seconds: { type: 'gauge', help: 'Longest event-loop delay since the last scrape' },
} as const satisfies Record<string, MetricSpec>;

type Catalog = typeof METRICS;
type NamesOf<T extends MetricSpec['type']> = { [K in keyof Catalog]: Catalog[K]['type'] extends T ? K : never }[keyof Catalog];

export type MetricName = keyof Catalog;
export type CounterName = NamesOf<'counter'>;
export type GaugeName = NamesOf<'gauge'>;
export type HistogramName = NamesOf<'histogram'>;
