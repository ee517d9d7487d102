import { describeThrown } from '@streamshare/core/internal';
import type { Logger } from 'pino';
import { AbortedError } from '../calls/call-with-retries.js';
import { isLeaseLost } from '../errors/checkpoint-failure.js';
import { errorFields } from '../errors/error-fields.js';
import { KinesisCallError, StreamNotFoundError } from '../errors/poller-error.js';
import { describePosition, type ReadPosition } from './position.js';
import type { ShardEvent } from './shard-state.js';

// The events without data (see ShardEvent): one object each, shared by every reader.

/** The start position is known. @internal */
export const CHECKPOINT_READ: ShardEvent = { type: 'checkpoint-read' };
/** A record of the page failed after its retries. @internal */
export const BATCH_BLOCKED: ShardEvent = { type: 'batch-blocked' };
/** The pause of an idle or blocked shard is over. @internal */
export const WAITED: ShardEvent = { type: 'waited' };
/** Nothing is left to read in the shard. @internal */
export const SHARD_ENDED: ShardEvent = { type: 'shard-ended' };
/** The shard was recorded as finished. @internal */
export const FINISH_RECORDED: ShardEvent = { type: 'finish-recorded' };
/** The stop signal aborted. @internal */
export const STOP_REQUESTED: ShardEvent = { type: 'stop-requested' };
/** This worker no longer owns the shard. @internal */
export const LEASE_LOST: ShardEvent = { type: 'lease-lost' };
/** The iterator expired: a fresh one is needed. @internal */
export const ITERATOR_EXPIRED: ShardEvent = { type: 'iterator-expired' };

/**
 * The event a thrown error stands for, if any: a stop (AbortedError), a lost lease (LEASE_LOST), an
 * expired iterator, a shard that no longer exists. Whether it is an event of the state it was thrown
 * in is for `nextShardState` to say. Pure.
 * @internal
 */
export function eventOfError(error: unknown): ShardEvent | undefined {
  if (error instanceof AbortedError) return STOP_REQUESTED;
  if (isLeaseLost(error)) return LEASE_LOST;
  if (error instanceof KinesisCallError && error.code === 'ITERATOR_EXPIRED') return ITERATOR_EXPIRED;
  if (error instanceof StreamNotFoundError && /shard/i.test(describeThrown(error.cause))) return SHARD_ENDED;
  return undefined;
}

/**
 * Logs why a thrown error became `event` ({@link eventOfError}): `position` is where the shard was read
 * from, `store` where its checkpoints are kept.
 * @internal
 */
export function explainEvent(
  event: ShardEvent,
  error: unknown,
  log: Logger,
  position: ReadPosition,
  store: string,
): void {
  switch (event.type) {
    case 'iterator-expired':
      log.info({ position: describePosition(position) }, 'shard iterator expired: getting a fresh one');
      return;
    case 'shard-ended':
      // The shard itself is gone (trimmed after the retention period): nothing left to read.
      log.warn({ err: errorFields(error).message }, 'shard no longer exists: treating it as finished');
      return;
    case 'lease-lost':
      log.warn(
        { err: errorFields(error).message, store },
        'lease lost: the shard is left to its new owner; this reader stops and writes no further checkpoint',
      );
      return;
    default:
      return;
  }
}
