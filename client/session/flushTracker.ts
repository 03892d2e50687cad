/**
 * Counts this replica's own updates and which of them the server has confirmed durable, using
 * Tandem's flush protocol (shared/protocol/messages.ts): we send flushRequest(nonce = localSeq);
 * the server answers flushed(nonce) once everything this connection sent before the request is on
 * disk, so every local update with seq ≤ nonce is safe. Pending = localSeq − confirmedSeq.
 *
 * Pure bookkeeping: the session decides when a request may be sent and does the I/O.
 */
export class FlushTracker {
  private localSeq = 0;
  private confirmedSeq = 0;
  /** Highest nonce sent on the current connection; a new connection starts again at 0. */
  private requestedSeq = 0;

  /** A local update happened (typing, or edits restored from IndexedDB that may never have reached the server). */
  recordLocalUpdate(): void {
    this.localSeq++;
  }

  get pending(): number {
    return this.localSeq - this.confirmedSeq;
  }

  /** The nonce to send, or null when the server already has (or was already asked about) everything. */
  nextRequest(): number | null {
    if (this.localSeq <= this.confirmedSeq || this.localSeq <= this.requestedSeq) return null;
    this.requestedSeq = this.localSeq;
    return this.localSeq;
  }

  /** Returns true when the pending count changed. Stale or replayed nonces are ignored. */
  confirm(nonce: number): boolean {
    // A nonce above localSeq can only come from a confused or hostile server; never trust it past what we sent.
    const seq = Math.min(nonce, this.localSeq);
    if (seq <= this.confirmedSeq) return false;
    this.confirmedSeq = seq;
    return true;
  }

  /** The connection closed: requests sent on it will never be answered, so ask again on the next one. */
  connectionLost(): void {
    this.requestedSeq = 0;
  }
}
