import type { StartingPosition as SubscribeStartingPosition } from '@aws-sdk/client-kinesis';
import type { ReadPosition } from '../reader/position.js';

/**
 * The SubscribeToShard `StartingPosition` of a read position, as `iteratorRequest` does for
 * GetShardIterator: after a complete checkpoint, at a partly done aggregate (its done user records
 * are skipped by processBatch's `resumeFrom`), at a record not yet done, or a starting position
 * (TRIM_HORIZON, LATEST, AT_TIMESTAMP). Pure.
 * @internal
 */
export function subscribeStartingPosition(position: ReadPosition): SubscribeStartingPosition {
  switch (position.kind) {
    case 'checkpoint': {
      const { checkpoint } = position;
      return checkpoint.complete
        ? { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: checkpoint.sequenceNumber }
        : { Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: checkpoint.sequenceNumber };
    }
    case 'at':
      return { Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: position.sequenceNumber };
    case 'start': {
      const start = position.startingPosition;
      if (start === 'TRIM_HORIZON' || start === 'LATEST') return { Type: start };
      return { Type: 'AT_TIMESTAMP', Timestamp: start.timestamp };
    }
  }
}

/**
 * Where a subscription continues from once an event gave `continuation` (its
 * ContinuationSequenceNumber): after it. Every record up to it was delivered in an earlier event
 * (or there was none), so nothing is skipped and nothing is read twice. Pure.
 * @internal
 */
export function continuationStartingPosition(continuation: string): SubscribeStartingPosition {
  return { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: continuation };
}
