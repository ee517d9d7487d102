import { type Checkpoint, CheckpointError, type CheckpointStore, compareSequenceNumbers } from '@streamshare/core';
import type { Logger } from 'pino';
import { readyShards } from './lineage.js';
import type { ShardCoordinator, ShardDescriptor } from './shard-coordinator.js';

/** Options of {@link LocalCoordinator}. */
export interface LocalCoordinatorOptions {
  /** The stream whose checkpoints the store keeps. */
  readonly streamArn: string;
  readonly logger?: Logger | undefined;
}

/**
 * The "finished" marker of a closed shard: a complete checkpoint at its EndingSequenceNumber. It
 * needs no extra field in the store, and is never backwards (no record of the shard comes after it).
 */
export function finishedMarker(endingSequenceNumber: string): Checkpoint {
  return { sequenceNumber: endingSequenceNumber, subSequenceNumber: 0, complete: true };
}

/** True when `checkpoint` is at or past the end of a closed shard (it was read to its end). Pure. */
export function isFinishedCheckpoint(checkpoint: Checkpoint | undefined, shard: ShardDescriptor): boolean {
  if (!checkpoint?.complete || !shard.endingSequenceNumber) return false;
  return compareSequenceNumbers(checkpoint.sequenceNumber, shard.endingSequenceNumber) >= 0;
}

/**
 * The coordinator of a single worker: it owns every shard and keeps checkpoints in a
 * {@link CheckpointStore} (the file store by default).
 *
 * A shard is finished when `markFinished` was called in this run, or when its checkpoint is the
 * finished marker: `markFinished` writes a complete checkpoint at the shard's EndingSequenceNumber
 * (see {@link finishedMarker}), so that after a restart the closed parents are not read again.
 * Should the marker be missing (a crash between the last batch and the marker), the parent is simply
 * read again from its checkpoint to its end, which is cheap, and then marked.
 */
export class LocalCoordinator implements ShardCoordinator {
  readonly checkpoints: CheckpointStore;
  readonly #streamArn: string;
  readonly #logger: Logger | undefined;
  readonly #finished = new Set<string>();
  readonly #marked = new Set<string>();
  #shards = new Map<string, ShardDescriptor>();
  #held: string[] = [];

  constructor(checkpoints: CheckpointStore, options: LocalCoordinatorOptions) {
    this.checkpoints = checkpoints;
    this.#streamArn = options.streamArn;
    this.#logger = options.logger;
  }

  async start(): Promise<void> {}

  async sync(shards: readonly ShardDescriptor[]): Promise<readonly string[]> {
    this.#shards = new Map(shards.map((shard) => [shard.shardId, shard]));
    for (const shard of shards) {
      if (!shard.endingSequenceNumber || this.#marked.has(shard.shardId)) continue;
      if (this.#finished.has(shard.shardId)) {
        await this.#writeMarker(shard);
        continue;
      }
      const checkpoint = await this.checkpoints.get(this.#streamArn, shard.shardId);
      if (isFinishedCheckpoint(checkpoint, shard)) {
        this.#finished.add(shard.shardId);
        this.#marked.add(shard.shardId);
      }
    }
    this.#held = readyShards(shards, (id) => this.#finished.has(id));
    return this.#held;
  }

  owns(_shardId: string): boolean {
    return true;
  }

  async markFinished(shardId: string): Promise<void> {
    this.#finished.add(shardId);
    this.#held = this.#held.filter((id) => id !== shardId);
    const shard = this.#shards.get(shardId);
    if (shard?.endingSequenceNumber) await this.#writeMarker(shard);
  }

  async release(_shardIds?: readonly string[]): Promise<void> {}

  held(): readonly string[] {
    return this.#held;
  }

  async #writeMarker(shard: ShardDescriptor): Promise<void> {
    if (!shard.endingSequenceNumber || this.#marked.has(shard.shardId)) return;
    try {
      await this.checkpoints.put(this.#streamArn, shard.shardId, finishedMarker(shard.endingSequenceNumber));
    } catch (error) {
      // Already past the marker: the shard is finished either way.
      if (!(error instanceof CheckpointError && error.code === 'CHECKPOINT_BACKWARDS')) throw error;
    }
    this.#marked.add(shard.shardId);
    this.#logger?.debug({ shardId: shard.shardId }, 'shard finished (marker written)');
  }
}
