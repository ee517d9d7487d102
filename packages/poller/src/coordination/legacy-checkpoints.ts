import type { Checkpoint } from '@streamshare/core';
import { compareSequenceNumbers } from '@streamshare/core/internal';

/**
 * The sequence number in which streamshare 0.1 stored SHARD_END: 128 nines, after every real
 * sequence number (Kinesis' are below 2^128, at most 39 digits), with `complete: true`.
 */
export const LEGACY_SHARD_END_SEQUENCE_NUMBER = '9'.repeat(128);

const ZEROS = /^0+$/;

/**
 * A checkpoint as streamshare 0.1 stored it, read as what it meant. That version had no kinds: the
 * poller hid two of them in positions Kinesis never gives, in every store (the file store, the
 * lease table, a store of the user's own):
 *
 * - SHARD_END: sequence number {@link LEGACY_SHARD_END_SEQUENCE_NUMBER}, complete;
 * - AT_TIMESTAMP (the start marker): sequence number `0`, incomplete, the time (epoch ms) in
 *   `subSequenceNumber`.
 *
 * Any other checkpoint is returned as it is (the same object). Pure. The stores keep what was put;
 * the poller reads every checkpoint it gets from a store through this.
 */
export function fromLegacyForm(c: Checkpoint): Checkpoint;
export function fromLegacyForm(c: Checkpoint | undefined): Checkpoint | undefined;
export function fromLegacyForm(c: Checkpoint | undefined): Checkpoint | undefined {
  if (c === undefined || c.kind !== undefined) return c;
  if (c.complete) {
    return compareSequenceNumbers(c.sequenceNumber, LEGACY_SHARD_END_SEQUENCE_NUMBER) >= 0 ? { kind: 'SHARD_END' } : c;
  }
  return ZEROS.test(c.sequenceNumber) ? { kind: 'AT_TIMESTAMP', timestampMs: c.subSequenceNumber } : c;
}
