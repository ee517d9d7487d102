import type { Checkpoint } from '@streamshare/core';
import type { Logger } from 'pino';

/**
 * Enhanced fan-out: how many settled pages may wait for the checkpoint write in flight before the
 * reader waits for it (so a crash re-delivers at most this many pages and the one being written).
 */
export const PIPELINED_PAGES = 4;

/**
 * What {@link WriteBehind} writes with: a checkpoint put of the shard, retried while the store fails
 * transiently and `signal` is not aborted (see `ShardCheckpoints.put`).
 * @internal
 */
export interface CheckpointWriter {
  put(checkpoint: Checkpoint, signal: AbortSignal, log: Logger): Promise<void>;
}

/**
 * The checkpoint writes of one shard left in flight while its next pages are read and handled
 * (enhanced fan-out): one write at most per shard at a time. A settled page's checkpoint is written
 * at once when no write is in flight (not awaited); else the write in flight, once its own is
 * durable, writes the newest checkpoint settled meanwhile (it replaces an older one waiting: one
 * write covers those pages). The reader waits for the write when {@link PIPELINED_PAGES} pages wait
 * for it, and before the shard leaves `processing` ({@link done}), so a crash re-delivers at most
 * the pages since the last durable write, never skips one.
 *
 * A write that has finished is no longer in flight: the next push starts a write of its own (an
 * earlier version kept a finished write as in flight until awaited, so that later checkpoints
 * waited for PIPELINED_PAGES pages and a stop dropped the last ones unwritten).
 *
 * A write that fails (LEASE_LOST, a fatal store error) calls `onFailure` at once (the reader closes
 * its subscription, so that it does not wait for the next event) and its error is thrown where the
 * write is awaited: by {@link done}, or by the next {@link push}.
 * @internal
 */
export class WriteBehind {
  /** The write in flight, if any (it loops while checkpoints wait for it). */
  #inFlight: Promise<void> | undefined;
  /** The newest checkpoint settled while {@link #inFlight} was running: written by it next. */
  #next: Checkpoint | undefined;
  /** How many settled pages {@link #next} stands for. */
  #pagesWaiting = 0;
  /** Whether {@link #inFlight} failed (its error is thrown where it is awaited). */
  #failed = false;
  /** Marks the write as failed and tells the reader (one function for the life of the shard). */
  readonly #onFailed = (): void => {
    this.#failed = true;
    this.onFailure();
  };

  constructor(
    private readonly writer: CheckpointWriter,
    private readonly onFailure: () => void,
  ) {}

  /** Whether the write in flight failed: {@link done} throws its error. */
  get failed(): boolean {
    return this.#failed;
  }

  /**
   * Writes a settled page's checkpoint behind the reading (see the class): starts a write when none is
   * in flight, else leaves it to the one in flight, and waits for that one when
   * {@link PIPELINED_PAGES} pages wait for it or when it failed (then throws its error).
   */
  async push(checkpoint: Checkpoint, signal: AbortSignal, log: Logger): Promise<void> {
    if (this.#inFlight !== undefined) {
      this.#next = checkpoint;
      // A write that failed is awaited at once: its error (LEASE_LOST...) stops the shard as before.
      if (++this.#pagesWaiting >= PIPELINED_PAGES || this.#failed) await this.done();
      return;
    }
    const write = this.#write(checkpoint, signal, log);
    write.catch(this.#onFailed);
    this.#inFlight = write;
  }

  /**
   * Writes `checkpoint` and waits for it (a blocked page's, a heartbeat's), once the write in flight
   * is done: checkpoints are written in order, and that write's error is thrown first.
   */
  async putNow(checkpoint: Checkpoint, signal: AbortSignal, log: Logger): Promise<void> {
    await this.done();
    await this.writer.put(checkpoint, signal, log);
  }

  /** Waits for the write in flight, if any (throws its error: LEASE_LOST, a fatal store error). */
  async done(): Promise<void> {
    const write = this.#inFlight;
    if (write === undefined) return;
    try {
      await write;
    } finally {
      this.#inFlight = undefined;
      this.#next = undefined;
      this.#pagesWaiting = 0;
      this.#failed = false;
    }
  }

  /** Lets the write in flight finish when the reader ended abruptly (a fatal error): its error is moot. */
  async settle(): Promise<void> {
    await this.#inFlight?.catch(() => {});
  }

  /** Writes `first`, then, each time, the newest checkpoint settled while the last one was written. */
  async #write(first: Checkpoint, signal: AbortSignal, log: Logger): Promise<void> {
    let next: Checkpoint | undefined = first;
    while (next !== undefined) {
      const writing = next;
      this.#next = undefined;
      this.#pagesWaiting = 0;
      await this.writer.put(writing, signal, log);
      next = this.#next;
    }
    // Done, and nothing waits: the next push starts a write (a failed one stays, for done() to throw).
    this.#inFlight = undefined;
  }
}
