import type { SequenceCheckpoint } from '@streamshare/core';
import { compareSequenceNumbers } from '@streamshare/core/internal';
import type { ReadPosition } from '../reader/position.js';

/** The least time between two checkpoints written for events without records, per shard (a storm of them is coalesced). */
export const HEARTBEAT_CHECKPOINT_INTERVAL_MS = 1_000;

/**
 * The checkpoint an event without records (a heartbeat) stands for, once every record before it is
 * settled: its ContinuationSequenceNumber, complete (a restart subscribes AFTER_SEQUENCE_NUMBER it,
 * as a re-subscription does), or undefined when the continuation did not move past `position`
 * (the reader's position, at its last checkpoint). Past a record position only when strictly
 * greater: a continuation equal to a partly done aggregate or a record not yet done (a subscription
 * AT_SEQUENCE_NUMBER it) says nothing of that record. From a starting position (no checkpoint
 * yet), any continuation. Pure.
 * @internal
 */
export function heartbeatCheckpoint(position: ReadPosition, continuation: string): SequenceCheckpoint | undefined {
  if (position.kind !== 'start') {
    const done = position.kind === 'checkpoint' ? position.checkpoint.sequenceNumber : position.sequenceNumber;
    if (compareSequenceNumbers(continuation, done) <= 0) return undefined;
  }
  return { sequenceNumber: continuation, subSequenceNumber: 0, complete: true };
}
