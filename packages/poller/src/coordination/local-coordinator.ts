import {
  type Checkpoint,
  type CheckpointStore,
  compareSequenceNumbers,
  FileCheckpointStore,
  MemoryCheckpointStore,
} from '@streamshare/core';
import { isRetryable } from '@streamshare/core/internal';
import type { Logger } from 'pino';
import { errorFields } from '../errors/error-fields.js';
import { readyShards } from './lineage.js';
import type { ShardCoordinator, ShardDescriptor } from './shard-coordinator.js';

/** Options of {@link LocalCoordinator}. */
export interface LocalCoordinatorOptions {
  /** The stream whose checkpoints the store keeps. */
  readonly streamArn: string;
  readonly logger?: Logger | undefined;
}

/**
 * The sequence number of the "shard end" checkpoint (as the KCL's SHARD_END): 128 nines, after every
 * real sequence number (Kinesis' are up to 128 bits, at most 39 digits).
 */
export const SHARD_END_SEQUENCE_NUMBER = '9'.repeat(128);

/**
 * The checkpoint `markFinished` writes for a shard read to its end: complete, at
 * {@link SHARD_END_SEQUENCE_NUMBER}. It needs no extra field in any store and is never backwards.
 * (The shard's EndingSequenceNumber is not used: emulators such as kinesis-mock report
 * 9223372036854775807 there, below the shard's real sequence numbers.)
 */
export const SHARD_END_CHECKPOINT: Checkpoint = Object.freeze({
  sequenceNumber: SHARD_END_SEQUENCE_NUMBER,
  subSequenceNumber: 0,
  complete: true,
});

/** True when `checkpoint` is the shard-end marker. Pure. */
export function isShardEnd(checkpoint: Checkpoint | undefined): boolean {
  return (
    checkpoint?.complete === true && compareSequenceNumbers(checkpoint.sequenceNumber, SHARD_END_SEQUENCE_NUMBER) >= 0
  );
}

/**
 * Where `store` keeps the checkpoints of `streamArn`, for logs and messages: the file of a
 * FileCheckpointStore, "memory", or the store's own `description` (a string property) or class name.
 */
export function describeCheckpointStore(store: CheckpointStore, streamArn: string): string {
  const own = (store as { description?: unknown }).description;
  if (typeof own === 'string' && own !== '') return own;
  if (store instanceof FileCheckpointStore) return `checkpoint file ${store.fileOf(streamArn)}`;
  if (store instanceof MemoryCheckpointStore) return 'memory checkpoint store';
  const name = (store as { constructor?: { name?: unknown } }).constructor?.name;
  return `checkpoint store ${typeof name === 'string' && name !== '' && name !== 'Object' ? name : '(custom)'}`;
}

/**
 * The coordinator of a single worker: it owns every shard and keeps checkpoints in a
 * {@link CheckpointStore} (the file store by default).
 *
 * A shard is finished when `markFinished` was called in this run, or when its checkpoint is the
 * shard-end marker that `markFinished` writes ({@link SHARD_END_CHECKPOINT}), so that after a restart
 * the closed parents are not read again.
 * Should the marker be missing (a crash between the last batch and the marker), the parent is simply
 * read again from its checkpoint to its end, which is cheap, and then marked.
 */
export class LocalCoordinator implements ShardCoordinator {
  readonly checkpoints: CheckpointStore;
  readonly storeDescription: string;
  readonly #streamArn: string;
  readonly #logger: Logger | undefined;
  readonly #finished = new Set<string>();
  #held: string[] = [];
  /** The open() of start, settled with its failure (or undefined), until the first sync has looked at it. */
  #opening: Promise<unknown> | undefined;

  constructor(checkpoints: CheckpointStore, options: LocalCoordinatorOptions) {
    this.checkpoints = checkpoints;
    this.storeDescription = describeCheckpointStore(checkpoints, options.streamArn);
    this.#streamArn = options.streamArn;
    this.#logger = options.logger;
  }

  /**
   * Opens the stream's checkpoint files (FileCheckpointStore) and takes the directory's lock without
   * waiting: their creation and the directory fsync then overlap the shard listing, and the first
   * checkpoint is an append. The first sync (after the listing) waits for it: a failure that will not
   * go away (the directory locked by another process: `CHECKPOINT_LOCKED`) fails it, and so the
   * start, before any shard is read; a transient one is met again by the first get or put of a
   * shard, which reports it with its shard.
   */
  async start(): Promise<void> {
    if (this.checkpoints instanceof FileCheckpointStore) {
      this.#opening = this.checkpoints.open(this.#streamArn).then(
        () => undefined,
        (error: unknown) => error,
      );
    }
  }

  async sync(shards: readonly ShardDescriptor[]): Promise<readonly string[]> {
    if (this.#opening !== undefined) {
      const failure = await this.#opening;
      this.#opening = undefined;
      if (failure !== undefined) {
        if (!isRetryable(failure)) throw failure;
        this.#logger?.debug(
          { err: errorFields(failure).message },
          'could not open the checkpoint files at start; the first checkpoint call will try again',
        );
      }
    }
    for (const shard of shards) {
      // Only closed shards can be finished; a finished one stays finished.
      if (!shard.endingSequenceNumber || this.#finished.has(shard.shardId)) continue;
      if (isShardEnd(await this.checkpoints.get(this.#streamArn, shard.shardId))) this.#finished.add(shard.shardId);
    }
    this.#held = readyShards(shards, (id) => this.#finished.has(id));
    return this.#held;
  }

  owns(_shardId: string): boolean {
    return true;
  }

  async markFinished(shardId: string): Promise<void> {
    await this.checkpoints.put(this.#streamArn, shardId, SHARD_END_CHECKPOINT);
    this.#finished.add(shardId);
    this.#held = this.#held.filter((id) => id !== shardId);
    this.#logger?.debug({ shardId }, 'shard finished (shard-end checkpoint written)');
  }

  async release(_shardIds?: readonly string[]): Promise<void> {}

  held(): readonly string[] {
    return this.#held;
  }
}
