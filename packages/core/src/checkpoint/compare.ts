import { InvalidInputError } from '../errors/record-errors.js';
import { compareSequenceNumbers } from '../record/sequence.js';
import type { StreamRecord } from '../record/stream-record.js';
import type { Checkpoint } from './checkpoint.js';

/**
 * The checkpoint that says "everything up to and including `record` is done".
 * `complete` is true for a plain record and for the last user record of a KPL aggregate.
 */
export function checkpointOf(
  record: Pick<StreamRecord<unknown>, 'sequenceNumber' | 'subSequenceNumber' | 'aggregateSize'>,
): Checkpoint {
  const sub = record.subSequenceNumber;
  if (sub === undefined) return { sequenceNumber: record.sequenceNumber, subSequenceNumber: 0, complete: true };
  const size = record.aggregateSize;
  return {
    sequenceNumber: record.sequenceNumber,
    subSequenceNumber: sub,
    complete: size === undefined || sub >= size - 1,
  };
}

/**
 * Orders checkpoints: by sequence number, then sub-sequence number, then an incomplete checkpoint
 * before a complete one at the same position. Negative when `a` comes first, 0 when equal.
 */
export function compareCheckpoints(a: Checkpoint, b: Checkpoint): number {
  const bySequence = compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber);
  if (bySequence !== 0) return bySequence;
  if (a.subSequenceNumber !== b.subSequenceNumber) return a.subSequenceNumber - b.subSequenceNumber;
  return (a.complete ? 1 : 0) - (b.complete ? 1 : 0);
}

/** True when `value` has the shape of a checkpoint (decimal sequence number, sub >= 0, boolean complete). */
export function isCheckpoint(value: unknown): value is Checkpoint {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.sequenceNumber === 'string' &&
    /^\d{1,128}$/.test(c.sequenceNumber) &&
    typeof c.subSequenceNumber === 'number' &&
    Number.isSafeInteger(c.subSequenceNumber) &&
    c.subSequenceNumber >= 0 &&
    typeof c.complete === 'boolean'
  );
}

/** Throws `InvalidInputError` (INVALID_CHECKPOINT) unless `checkpoint` is well formed; returns a plain copy. */
export function validateCheckpoint(checkpoint: unknown, where: string): Checkpoint {
  if (!isCheckpoint(checkpoint)) {
    throw new InvalidInputError(
      'INVALID_CHECKPOINT',
      `${where}: expected a checkpoint { sequenceNumber: decimal string, subSequenceNumber: integer >= 0, complete: boolean }, got ${safeJson(checkpoint)}`,
    );
  }
  return {
    sequenceNumber: checkpoint.sequenceNumber,
    subSequenceNumber: checkpoint.subSequenceNumber,
    complete: checkpoint.complete,
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Human-readable form of a checkpoint for messages. */
export function describeCheckpoint(c: Checkpoint): string {
  return `${c.sequenceNumber}/${c.subSequenceNumber}${c.complete ? '' : ' (incomplete)'}`;
}
