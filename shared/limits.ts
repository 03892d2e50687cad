/** Every bound Tandem enforces, each with the reason for its size. Server, client and tests import these. */

/** Largest frame the server reads. A large paste of rich text is well under 1 MiB; 8 MiB leaves room for a
 *  first sync of a big offline document while bounding per-connection memory. Larger frames close 4413. */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;

/** Hard cap at the socket layer: frames beyond it are cut off by `ws` itself (RFC 6455 close 1009)
 *  before being buffered whole, so a hostile client cannot make the server buffer gigabytes. */
export const MAX_FRAME_BYTES_HARD = 2 * MAX_FRAME_BYTES;

/** A document's stored size (checkpoint + log) past which further updates are refused with 4413:
 *  a document this big is no longer editable at interactive speed in a browser anyway. */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

/** Largest single awareness update: a caret, selection and a user record are a few hundred bytes. */
export const MAX_AWARENESS_BYTES = 32 * 1024;

/** Messages a connection may send: a sustained 200/s (fast typing produces ~20/s, scripted clients more)
 *  with bursts of 2000 (a client catching up sends step1, step2, awareness and queued updates at once). */
export const MESSAGE_RATE_PER_SECOND = 200;
export const MESSAGE_RATE_BURST = 2000;

/** Awareness updates a connection may send: carets move on every keystroke, 30/s is plenty. */
export const AWARENESS_RATE_PER_SECOND = 30;
export const AWARENESS_RATE_BURST = 120;

/** Bytes queued to one socket before it counts as a slow consumer and is closed (4503, it resyncs on
 *  reconnect). Without a bound, one stalled reader would grow server memory without limit. */
export const MAX_SEND_QUEUE_BYTES = 32 * 1024 * 1024;

/** Ping cadence; a connection that has not answered the previous ping is terminated, and its awareness
 *  states go with it. A peer that vanished without closing (laptop lid, dead network) is therefore gone for
 *  everyone within 10–20 s, well inside the stock client's own 30 s silence timeout and y-protocols' 30 s
 *  awareness timeout. Not shorter: a pong queues behind a large frame the client is still uploading, and
 *  a slow uplink must not be mistaken for a dead one. (Closed tabs and killed processes close the socket
 *  and disappear at once; this only bounds the silent case.) */
export const HEARTBEAT_INTERVAL_MS = 10_000;

/** Time to check and integrate one peer update past which it is counted and logged as costly: a keystroke
 *  takes microseconds and a large paste a few milliseconds; 50 ms is a visible stall for every document
 *  the process serves. */
export const COSTLY_UPDATE_MS = 50;

/** Log rows after which a document's update log is folded into a checkpoint. Loading replays the log,
 *  so this bounds load time; 500 small rows replay in a few milliseconds. */
export const COMPACT_AFTER_ROWS = 500;
