import type { Checkpoint } from './checkpoint.js';
import { compareCheckpoints } from './compare.js';
import { backwards } from './memory-store.js';

/** A put or an open waiting for its batch to be written. */
export interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** The newest checkpoint asked for a shard, and every put waiting for it to be on disk. */
export interface PendingShard {
  checkpoint: Checkpoint;
  readonly waiters: Waiter[];
}

/** What the next write of a file takes: the newest checkpoint of each shard put since the last one. */
export interface PendingBatch {
  readonly streamArn: string;
  readonly shards: Map<string, PendingShard>;
  /** Opens of the file waiting for it to be ready for appending. */
  readonly opens: Waiter[];
}

/**
 * Writes one batch to its file. Resolves to what settles the puts it wrote (it may settle some at
 * once: those with nothing new to write, or going backwards); rejects when the write failed.
 */
export type WriteBatch = (path: string, batch: PendingBatch) => Promise<() => void>;

/**
 * Group commit of puts per file: puts that arrive while a file's write is in flight (other shards
 * of the stream, or a newer checkpoint of the same shard) are written together by the next one, so
 * N shards cost one synchronous write, not N in a row. A put resolves only once its checkpoint is
 * on disk.
 */
export class GroupCommit {
  readonly #write: WriteBatch;
  /** Checkpoints waiting to be written, per file. */
  readonly #pending = new Map<string, PendingBatch>();
  /** The write loop of each file that has one running. */
  readonly #flushing = new Map<string, Promise<void>>();

  constructor(write: WriteBatch) {
    this.#write = write;
  }

  /**
   * Queues a checkpoint (already validated); resolves once it is on disk. Throws (the store's put
   * rejects) CHECKPOINT_BACKWARDS when it is before the one already waiting for that shard.
   */
  put(path: string, streamArn: string, shardId: string, checkpoint: Checkpoint): Promise<void> {
    const batch = this.#batchOf(path, streamArn);
    const waiting = batch.shards.get(shardId);
    if (waiting !== undefined && compareCheckpoints(checkpoint, waiting.checkpoint) < 0) {
      throw backwards(streamArn, shardId, waiting.checkpoint, checkpoint);
    }
    const done = new Promise<void>((resolve, reject) => {
      const waiters = waiting?.waiters ?? [];
      waiters.push({ resolve, reject });
      batch.shards.set(shardId, { checkpoint, waiters });
    });
    this.#flushSoon(path);
    return done;
  }

  /** Queues an open of the file (a write with no checkpoint); resolves once the file is ready. */
  open(path: string, streamArn: string): Promise<void> {
    const batch = this.#batchOf(path, streamArn);
    const ready = new Promise<void>((resolve, reject) => batch.opens.push({ resolve, reject }));
    this.#flushSoon(path);
    return ready;
  }

  /** The write loops running now (one per file being written), to wait for. */
  writing(): Promise<void>[] {
    return [...this.#flushing.values()];
  }

  /** The batch of a file that the next write takes (made when there is none). */
  #batchOf(path: string, streamArn: string): PendingBatch {
    let batch = this.#pending.get(path);
    if (batch === undefined) {
      batch = { streamArn, shards: new Map(), opens: [] };
      this.#pending.set(path, batch);
    }
    return batch;
  }

  /** Starts the file's write loop unless it runs (it takes every batch pending before it ends). */
  #flushSoon(path: string): void {
    if (!this.#flushing.has(path)) this.#flushing.set(path, this.#flush(path));
  }

  /**
   * Writes the pending batches of one file, one after the other. The next batch's write is issued
   * before the puts of the one just written resolve: their continuations (the shards' next batches)
   * would otherwise run first and hold the thread while the disk waits.
   */
  async #flush(path: string): Promise<void> {
    let writing = this.#writeNext(path);
    while (writing !== undefined) {
      const settle = await writing;
      writing = this.#writeNext(path);
      settle();
    }
  }

  /**
   * Starts writing the file's pending batch: what settles its puts and opens once written (never
   * rejects). Undefined when nothing is pending: the write loop ends then, in the same tick as the
   * check, so that a put never finds a loop that is about to end.
   */
  #writeNext(path: string): Promise<() => void> | undefined {
    const batch = this.#pending.get(path);
    if (batch === undefined) {
      this.#flushing.delete(path);
      return undefined;
    }
    this.#pending.delete(path);
    return this.#write(path, batch).then(
      (settle) => () => {
        settle();
        for (const w of batch.opens) w.resolve();
      },
      (error: unknown) => () => {
        for (const { waiters } of batch.shards.values()) for (const w of waiters) w.reject(error);
        for (const w of batch.opens) w.reject(error);
      },
    );
  }
}
