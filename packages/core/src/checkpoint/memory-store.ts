import { CheckpointError } from '../errors/record-errors.js';
import type { Checkpoint, CheckpointStore } from './checkpoint.js';
import { compareCheckpoints, describeCheckpoint, validateCheckpoint } from './compare.js';

/**
 * Checkpoints kept in memory, for tests and for runs that may start over. Refuses a checkpoint
 * that goes backwards, like every store.
 */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly #streams = new Map<string, Map<string, Checkpoint>>();

  async get(streamArn: string, shardId: string): Promise<Checkpoint | undefined> {
    return this.#streams.get(streamArn)?.get(shardId);
  }

  async put(streamArn: string, shardId: string, checkpoint: Checkpoint): Promise<void> {
    const next = Object.freeze(validateCheckpoint(checkpoint, `checkpoint of ${shardId} in ${streamArn}`));
    let shards = this.#streams.get(streamArn);
    if (shards === undefined) {
      shards = new Map();
      this.#streams.set(streamArn, shards);
    }
    const current = shards.get(shardId);
    if (current !== undefined && compareCheckpoints(next, current) < 0) {
      throw backwards(streamArn, shardId, current, next);
    }
    shards.set(shardId, next);
  }

  /** `memory checkpoint store`, for messages. */
  describe(): string {
    return 'memory checkpoint store';
  }

  /** Every checkpoint, by stream ARN then shard id (a snapshot). */
  snapshot(): Record<string, Record<string, Checkpoint>> {
    // Object.fromEntries defines each key as an own property, `__proto__` included.
    return Object.fromEntries([...this.#streams].map(([arn, shards]) => [arn, Object.fromEntries(shards)]));
  }
}

/** The CHECKPOINT_BACKWARDS error every store raises. */
export function backwards(streamArn: string, shardId: string, current: Checkpoint, next: Checkpoint): CheckpointError {
  return new CheckpointError(
    'CHECKPOINT_BACKWARDS',
    `refused checkpoint ${describeCheckpoint(next)} of ${shardId} in ${streamArn}: it is before the stored checkpoint ${describeCheckpoint(current)}`,
  );
}
