import type { GetShardIteratorCommandInput } from '@aws-sdk/client-kinesis';
import type { Checkpoint, SequenceCheckpoint } from '@streamshare/core';
import type { StartingPosition } from '../poller/options.js';

/**
 * Where a shard's reading (re)starts.
 * @internal
 */
export type ReadPosition =
  /** From the checkpoint: after it when complete, at it (skipping done user records) when not. */
  | { readonly kind: 'checkpoint'; readonly checkpoint: SequenceCheckpoint }
  /** At a record not yet done, when no checkpoint was written (the first batch failed whole). */
  | { readonly kind: 'at'; readonly sequenceNumber: string }
  /** No checkpoint: the starting position. */
  | { readonly kind: 'start'; readonly startingPosition: StartingPosition };

/**
 * Where reading starts from a stored checkpoint (SHARD_END aside: a finished shard is not read). Its
 * kinds are the starting positions of the same names; AT_TIMESTAMP (the start marker) reads from
 * its time. Pure.
 * @internal
 */
export function positionOf(checkpoint: Exclude<Checkpoint, { kind: 'SHARD_END' }>): ReadPosition {
  switch (checkpoint.kind) {
    case undefined:
      return { kind: 'checkpoint', checkpoint };
    case 'AT_TIMESTAMP':
      return { kind: 'start', startingPosition: { timestamp: new Date(checkpoint.timestampMs) } };
    default:
      return { kind: 'start', startingPosition: checkpoint.kind };
  }
}

/**
 * The GetShardIterator request for a position (by StreamARN). Pure.
 * @internal
 */
export function iteratorRequest(
  streamArn: string,
  shardId: string,
  position: ReadPosition,
): GetShardIteratorCommandInput {
  const base = { StreamARN: streamArn, ShardId: shardId };
  switch (position.kind) {
    case 'checkpoint': {
      const { checkpoint } = position;
      return checkpoint.complete
        ? { ...base, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint.sequenceNumber }
        : { ...base, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint.sequenceNumber };
    }
    case 'at':
      return { ...base, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: position.sequenceNumber };
    case 'start': {
      const start = position.startingPosition;
      if (start === 'TRIM_HORIZON' || start === 'LATEST') return { ...base, ShardIteratorType: start };
      return { ...base, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: start.timestamp };
    }
  }
}

/**
 * The position after a batch: its checkpoint when there is one, else unchanged. Pure.
 * @internal
 */
export function advance(position: ReadPosition, checkpoint: SequenceCheckpoint | undefined): ReadPosition {
  return checkpoint ? { kind: 'checkpoint', checkpoint } : position;
}

/**
 * The position to re-read from after a batch that failed with nothing done: unchanged when it is a
 * checkpoint or a sequence number; from a starting position (LATEST would skip the failed records),
 * at the first record of the batch. Pure.
 * @internal
 */
export function retryPosition(position: ReadPosition, firstSequenceNumber: string | undefined): ReadPosition {
  if (position.kind !== 'start' || firstSequenceNumber === undefined) return position;
  return { kind: 'at', sequenceNumber: firstSequenceNumber };
}

/**
 * Human-readable form of a position for logs and status.
 * @internal
 */
export function describePosition(position: ReadPosition): string {
  switch (position.kind) {
    case 'checkpoint':
      return `${position.checkpoint.complete ? 'after' : 'in'} ${position.checkpoint.sequenceNumber}${position.checkpoint.complete ? '' : `/${position.checkpoint.subSequenceNumber}`}`;
    case 'at':
      return `at ${position.sequenceNumber}`;
    case 'start':
      return typeof position.startingPosition === 'string'
        ? position.startingPosition
        : `AT_TIMESTAMP ${position.startingPosition.timestamp.toISOString()}`;
  }
}
