import { type Checkpoint, CheckpointLockedError, type CheckpointStore } from '@streamshare/core';
import type { Logger } from 'pino';
import { errorFields } from '../errors/error-fields.js';
import { isInstance } from '../errors/instance.js';
import { checkCheckpointDirectory } from './checkpoint-directory.js';
import { fromLegacyForm } from './legacy-checkpoints.js';
import { readyShards } from './lineage.js';
import type { ShardCoordinator, ShardDescriptor } from './shard-coordinator.js';

/** Options of {@link LocalCoordinator}. */
export interface LocalCoordinatorOptions {
  /** The stream whose checkpoints the store keeps. */
  readonly streamArn: string;
  readonly logger?: Logger | undefined;
  /**
   * The directory the store keeps its files in, when the poller made it (a FileCheckpointStore on
   * `checkpointDir`): when the store's lock fails, the directory is checked, so that one that cannot
   * be used (a regular file, read-only, full) fails the start at once with a
   * {@link CheckpointDirectoryError} rather than be retried.
   */
  readonly directory?: string | undefined;
}

/**
 * The checkpoint `markFinished` writes for a shard read to its end (as the KCL's SHARD_END): after
 * every other checkpoint, so never backwards.
 */
export const SHARD_END_CHECKPOINT: Checkpoint = Object.freeze({ kind: 'SHARD_END' });

/** True when `checkpoint` is SHARD_END (or its 0.1 form: see {@link fromLegacyForm}). Pure. */
export function isShardEnd(checkpoint: Checkpoint | undefined): boolean {
  return fromLegacyForm(checkpoint)?.kind === 'SHARD_END';
}

/**
 * Where `store` keeps the checkpoints of `streamArn`, for logs and messages: what the store's
 * `describe` says (the file of a FileCheckpointStore, "memory checkpoint store"), else its own
 * `description` (a string property), else its class name.
 */
export function describeCheckpointStore(store: CheckpointStore, streamArn: string): string {
  const described = store.describe?.(streamArn);
  if (typeof described === 'string' && described !== '') return described;
  const own = (store as { description?: unknown }).description;
  if (typeof own === 'string' && own !== '') return own;
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
 *
 * It syncs on the poller's listing period (no `syncIntervalMs`), and says when the whole stream is
 * read ({@link LocalCoordinator.allFinished}): a poller over a closed stream then stops by itself.
 */
export class LocalCoordinator implements ShardCoordinator {
  readonly checkpoints: CheckpointStore;
  readonly storeDescription: string;
  readonly #streamArn: string;
  readonly #logger: Logger | undefined;
  readonly #directory: string | undefined;
  readonly #finished = new Set<string>();
  #held: string[] = [];

  constructor(checkpoints: CheckpointStore, options: LocalCoordinatorOptions) {
    this.checkpoints = checkpoints;
    this.storeDescription = describeCheckpointStore(checkpoints, options.streamArn);
    this.#streamArn = options.streamArn;
    this.#logger = options.logger;
    this.#directory = options.directory;
  }

  /**
   * Claims the store when it can be (its optional `lock`: the file store's directory lock, creating
   * the directory when it is missing), then readies the stream's checkpoints without waiting (its
   * optional `open`: the file store's files, whose creation and fsyncs then overlap the shard listing
   * and the first reads, and the first checkpoint is an append). A directory held by another process
   * (`CHECKPOINT_LOCKED`) or one that cannot be used (a regular file, read-only, full:
   * {@link CheckpointDirectoryError}, when the `directory` option names it) fails the start before
   * any Kinesis call; a transient failure is retried by the start. An open() that fails later is met
   * again by the first get or put of a shard, which reports it with its shard.
   */
  async start(): Promise<void> {
    const store = this.checkpoints;
    if (store.lock !== undefined) {
      try {
        await store.lock();
      } catch (error) {
        // Why the directory cannot be used, when that is why (CheckpointDirectoryError, not retryable);
        // a lock held by another process (CHECKPOINT_LOCKED) is said as it is. A directory the store
        // can never use fails the start at once either way (the store's error is not retryable then).
        if (this.#directory !== undefined && !isInstance(error, CheckpointLockedError)) {
          await checkCheckpointDirectory(this.#directory);
        }
        throw error;
      }
    }
    store.open?.(this.#streamArn).catch((error: unknown) => {
      this.#logger?.debug(
        { err: errorFields(error).message },
        'could not open the checkpoint files at start; the first checkpoint call will try again',
      );
    });
  }

  async sync(shards: readonly ShardDescriptor[]): Promise<readonly string[]> {
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

  /**
   * True when every listed shard is closed and none is left to read: this worker owns every shard, so
   * a shard that the last `sync` did not return is finished (or not read at all, under LATEST).
   */
  allFinished(shards: readonly ShardDescriptor[]): boolean {
    return this.#held.length === 0 && shards.length > 0 && shards.every((shard) => shard.endingSequenceNumber);
  }

  held(): readonly string[] {
    return this.#held;
  }
}
