import type { Checkpoint } from '@streamshare/core';
import type { Logger } from 'pino';
import { startMarker } from '../coordination/start-marker.js';
import { type CheckpointOperation, isLeaseLost } from '../errors/checkpoint-failure.js';
import { errorFields } from '../errors/error-fields.js';
import { CHECKPOINT_BACKOFF, type CheckpointCallFailure, checkpointCall } from './checkpoint-calls.js';
import type { ShardReaderOptions } from './reader-options.js';
import type { CheckpointWriter } from './write-behind.js';

/**
 * What {@link ShardCheckpoints} needs of the shard reader's options.
 * @internal
 */
export type ShardCheckpointsOptions = Pick<
  ShardReaderOptions,
  'coordinator' | 'streamArn' | 'shardId' | 'checkpointBackoff' | 'observer'
>;

/**
 * The checkpoint store calls of one shard reader: each retried while the store fails transiently and
 * its signal is not aborted ({@link checkpointCall}), and the call failing now kept for `status()`
 * (set on each failed attempt, cleared once the call succeeds).
 * @internal
 */
export class ShardCheckpoints implements CheckpointWriter {
  /** The checkpoint store call failing now, if one is. */
  #failure: CheckpointCallFailure | undefined;
  readonly #owns = (): boolean => this.options.coordinator.owns(this.options.shardId);
  readonly #onRetry = (action: string, error: unknown): void =>
    this.options.observer?.onRetry?.(this.options.shardId, action, error);
  readonly #onFailing = (failure: CheckpointCallFailure | undefined): void => {
    this.#failure = failure;
  };

  constructor(private readonly options: ShardCheckpointsOptions) {}

  /** The checkpoint store call failing now, if one is. */
  get failure(): CheckpointCallFailure | undefined {
    return this.#failure;
  }

  /** Where the checkpoints are kept, for logs and messages. */
  get store(): string {
    return this.options.coordinator.storeDescription ?? 'checkpoint store';
  }

  /** A checkpoint store call, retried while it fails transiently and `signal` is not aborted (see checkpointCall). */
  call<T>(operation: CheckpointOperation, call: () => Promise<T>, signal: AbortSignal, log: Logger): Promise<T> {
    const { streamArn, shardId, checkpointBackoff } = this.options;
    return checkpointCall(operation, call, {
      streamArn,
      shardId,
      store: this.store,
      signal,
      logger: log,
      backoff: checkpointBackoff ?? CHECKPOINT_BACKOFF,
      owns: this.#owns,
      onRetry: this.#onRetry,
      onFailing: this.#onFailing,
    });
  }

  /** The shard's checkpoint, read with retries. */
  get(signal: AbortSignal, log: Logger): Promise<Checkpoint | undefined> {
    const { coordinator, streamArn, shardId } = this.options;
    return this.call('get', () => coordinator.checkpoints.get(streamArn, shardId), signal, log);
  }

  /** Writes the shard's checkpoint, with retries. */
  put(checkpoint: Checkpoint, signal: AbortSignal, log: Logger): Promise<void> {
    const { coordinator, streamArn, shardId } = this.options;
    return this.call('put', () => coordinator.checkpoints.put(streamArn, shardId, checkpoint), signal, log);
  }

  /**
   * Writes a start marker checkpoint (AT_TIMESTAMP `since`: see startMarker) once, without retries.
   * 'lost' when the lease was lost; any other failure is logged and let go (the reader keeps the time
   * in memory all the same: only a restart before the first checkpoint would start at LATEST again).
   */
  async startMarker(since: Date, log: Logger): Promise<'ok' | 'lost'> {
    const { coordinator, streamArn, shardId } = this.options;
    try {
      await coordinator.checkpoints.put(streamArn, shardId, startMarker(since));
    } catch (error) {
      if (isLeaseLost(error)) {
        log.warn({ err: errorFields(error).message }, 'lease lost before the first batch');
        return 'lost';
      }
      log.warn({ err: errorFields(error) }, 'could not write the start marker checkpoint');
    }
    return 'ok';
  }

  /** Records that the shard was read to its end (`coordinator.markFinished`), with retries. */
  finish(signal: AbortSignal, log: Logger): Promise<void> {
    const { coordinator, shardId } = this.options;
    return this.call('finish', () => coordinator.markFinished(shardId), signal, log);
  }
}
