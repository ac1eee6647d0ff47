import { randomBytes } from 'node:crypto';
import type { Logger } from '../options.ts';
import type { AuditEventRecord, AuditOutcome, Store } from '../store/store.ts';
import type { AuditEventType } from './events.ts';

/** What a request handler tells the audit log; the log adds the id and the time. */
export interface AuditEvent {
  type: AuditEventType;
  outcome: AuditOutcome;
  userId?: string | null;
  actorId?: string | null;
  clientId?: string | null;
  ip?: string | null;
  reason?: string | null;
  details?: AuditEventRecord['details'];
}

/** Where handlers record audit events: the {@link AuditLog}, or {@link NO_AUDIT} when it is off. */
export interface AuditRecorder {
  record(event: AuditEvent): void;
  /** Writes what waits in memory: readers of the log in this process then see their own events. */
  flush(): Promise<void>;
}

/** The recorder of a server whose audit log is off (`audit: false`). */
export const NO_AUDIT: AuditRecorder = { record() {}, flush: async () => {} };

/** Events wait at most this long in memory before they are written. */
const FLUSH_AFTER_MS = 1000;
/** A full batch is written at once. */
const BATCH_SIZE = 500;
/** While the store cannot be written, at most this many events wait; older ones are dropped (and logged). */
const MAX_WAITING = 50_000;

/**
 * The audit log's writer: events are kept in memory and appended in batches, one transaction per
 * batch, within a second, so that recording an event on the token endpoint costs a push to an
 * array, not a write. The price, written down: a process that dies without {@link AuditLog.close}
 * loses the last second of events (`codegrant serve` closes it on SIGTERM and SIGINT).
 */
export class AuditLog implements AuditRecorder {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #logger: Logger | undefined;
  #waiting: AuditEventRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #sequence = 0;
  #closed = false;
  readonly #processTag = randomBytes(4).toString('hex');

  constructor(store: Store, now: () => number, logger: Logger | undefined) {
    this.#store = store;
    this.#now = now;
    this.#logger = logger;
  }

  /** Records an event: written within a second, or at once when a batch is full. */
  record(event: AuditEvent): void {
    this.#waiting.push({
      id: this.#nextId(),
      time: this.#now(),
      type: event.type,
      outcome: event.outcome,
      userId: event.userId ?? null,
      actorId: event.actorId ?? null,
      clientId: event.clientId ?? null,
      ip: event.ip ?? null,
      reason: event.reason ?? null,
      details: event.details ?? {},
    });
    if (this.#waiting.length >= BATCH_SIZE) void this.flush();
    else if (!this.#closed) this.#timer ??= setTimeout(() => void this.flush(), FLUSH_AFTER_MS).unref();
  }

  /**
   * Writes every waiting event and stops the timer for good: call it after the last request,
   * before the store closes. Events recorded after it are written by a later `flush` only.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Writes every waiting event; resolves when they are stored (or their write failed and was logged). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // One write at a time keeps the log in order and never writes an event twice.
    this.#writing = this.#writing.then(() => this.#write());
    return this.#writing;
  }

  async #write(): Promise<void> {
    while (this.#waiting.length > 0) {
      const batch = this.#waiting.slice(0, BATCH_SIZE);
      try {
        await this.#store.appendAuditEvents(batch);
      } catch (error) {
        this.#keepForLater(error);
        return;
      }
      this.#waiting = this.#waiting.slice(batch.length);
    }
  }

  /** The store failed: keep the events for the next round, bounded, and say so. */
  #keepForLater(error: unknown): void {
    const dropped = Math.max(0, this.#waiting.length - MAX_WAITING);
    if (dropped > 0) this.#waiting = this.#waiting.slice(dropped);
    this.#logger?.({
      level: 'error',
      msg: 'audit log write failed; retrying',
      error: String(error),
      waiting: this.#waiting.length,
      dropped,
    });
    if (!this.#closed) this.#timer ??= setTimeout(() => void this.flush(), FLUSH_AFTER_MS).unref();
  }

  /**
   * Unique across processes (a random tag per process) and sorted by recording order: the
   * millisecond, then a sequence number within this process.
   */
  #nextId(): string {
    this.#sequence = (this.#sequence + 1) % 1_000_000;
    return `${String(Date.now()).padStart(15, '0')}-${String(this.#sequence).padStart(6, '0')}-${this.#processTag}`;
  }
}
