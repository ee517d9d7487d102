import type { SequenceCheckpoint } from '@streamshare/core';
import { compareSequenceNumbers } from '@streamshare/core/internal';
import type { ReadPosition } from '../reader/position.js';

/** The least time between two checkpoints written for events without records, per shard (a storm of them is coalesced). */
export const HEARTBEAT_CHECKPOINT_INTERVAL_MS = 1_000;

/**
 * The checkpoint an event without records (a heartbeat) stands for, once every record before it is
 * settled: its ContinuationSequenceNumber, complete (a restart subscribes AFTER_SEQUENCE_NUMBER it,
 * as a re-subscription does), or undefined when the continuation did not move strictly past
 * `position` (the reader's position, at its last checkpoint). Strictly: a continuation equal to a
 * partly done aggregate or a record not yet done (a subscription AT_SEQUENCE_NUMBER it) says
 * nothing of that record. Undefined too before the shard's first record position (a starting
 * position: TRIM_HORIZON, LATEST or its AT_TIMESTAMP start marker), which already says where a
 * restart reads from: a continuation there is not tied to any record handled (loopback servers
 * give the shard's first sequence number for LATEST, which would replay the shard). Pure.
 * @internal
 */
export function heartbeatCheckpoint(position: ReadPosition, continuation: string): SequenceCheckpoint | undefined {
  if (position.kind === 'start') return undefined;
  const done = position.kind === 'checkpoint' ? position.checkpoint.sequenceNumber : position.sequenceNumber;
  if (compareSequenceNumbers(continuation, done) <= 0) return undefined;
  return { sequenceNumber: continuation, subSequenceNumber: 0, complete: true };
}
