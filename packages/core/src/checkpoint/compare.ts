import { InvalidInputError } from '../errors/record-errors.js';
import { describeThrown } from '../errors/thrown.js';
import { compareSequenceNumbers } from '../record/sequence.js';
import type { StreamRecord } from '../record/stream-record.js';
import type { Checkpoint, SequenceCheckpoint } from './checkpoint.js';

/**
 * The checkpoint that says "everything up to and including `record` is done".
 * `complete` is true for a plain record and for the last user record of a KPL aggregate.
 */
export function checkpointOf(
  record: Pick<StreamRecord<unknown>, 'sequenceNumber' | 'subSequenceNumber' | 'aggregateSize'>,
): SequenceCheckpoint {
  const sub = record.subSequenceNumber;
  if (sub === undefined) return { sequenceNumber: record.sequenceNumber, subSequenceNumber: 0, complete: true };
  const size = record.aggregateSize;
  return {
    sequenceNumber: record.sequenceNumber,
    subSequenceNumber: sub,
    complete: size === undefined || sub >= size - 1,
  };
}

/** The place of each kind in the order; a position at a record (no kind) is {@link AT_RECORD}. */
const RANK = { TRIM_HORIZON: 0, LATEST: 1, AT_TIMESTAMP: 2, SHARD_END: 4 } as const;
const AT_RECORD = 3;

function rankOf(c: Checkpoint): number {
  return c.kind === undefined ? AT_RECORD : RANK[c.kind];
}

/**
 * Orders checkpoints, as every store does to refuse one that goes backwards: TRIM_HORIZON, LATEST,
 * AT_TIMESTAMP (earlier time first), then positions at a record (by sequence number, then
 * sub-sequence number, then an incomplete checkpoint before a complete one at the same position),
 * then SHARD_END. Negative when `a` comes first, 0 when equal.
 */
export function compareCheckpoints(a: Checkpoint, b: Checkpoint): number {
  if (a.kind === undefined && b.kind === undefined) {
    const bySequence = compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber);
    if (bySequence !== 0) return bySequence;
    if (a.subSequenceNumber !== b.subSequenceNumber) return a.subSequenceNumber - b.subSequenceNumber;
    return (a.complete ? 1 : 0) - (b.complete ? 1 : 0);
  }
  const byRank = rankOf(a) - rankOf(b);
  if (byRank !== 0) return byRank;
  return a.kind === 'AT_TIMESTAMP' && b.kind === 'AT_TIMESTAMP' ? a.timestampMs - b.timestampMs : 0;
}

const SEQUENCE_NUMBER = /^\d{1,128}$/;

/**
 * A plain copy of `value` when it is a checkpoint (its own fields only: no `updatedAt` of a stored
 * form, nothing a caller added), else `undefined`: a position at a record (a decimal sequence number
 * of 1 to 128 digits, an integer sub-sequence number >= 0, a boolean `complete`) or a kind with its
 * fields (`timestampMs` an integer >= 0 for AT_TIMESTAMP). Each field is read once.
 */
export function copyCheckpoint(value: unknown): Checkpoint | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const c = value as Record<string, unknown>;
  const kind = c.kind;
  switch (kind) {
    case undefined: {
      const sequenceNumber = c.sequenceNumber;
      const subSequenceNumber = c.subSequenceNumber;
      const complete = c.complete;
      return typeof sequenceNumber === 'string' &&
        SEQUENCE_NUMBER.test(sequenceNumber) &&
        typeof subSequenceNumber === 'number' &&
        Number.isSafeInteger(subSequenceNumber) &&
        subSequenceNumber >= 0 &&
        typeof complete === 'boolean'
        ? { sequenceNumber, subSequenceNumber, complete }
        : undefined;
    }
    case 'AT_TIMESTAMP': {
      const timestampMs = c.timestampMs;
      return typeof timestampMs === 'number' && Number.isSafeInteger(timestampMs) && timestampMs >= 0
        ? { kind, timestampMs }
        : undefined;
    }
    case 'TRIM_HORIZON':
    case 'LATEST':
    case 'SHARD_END':
      return { kind };
    default:
      return undefined;
  }
}

/**
 * Throws `InvalidInputError` (INVALID_CHECKPOINT) unless `checkpoint` is well formed
 * ({@link copyCheckpoint}); returns a plain copy.
 */
export function validateCheckpoint(checkpoint: unknown, where: string): Checkpoint {
  let copy: Checkpoint | undefined;
  try {
    copy = copyCheckpoint(checkpoint);
  } catch {
    // A getter or a Proxy that throws: not a checkpoint either.
  }
  if (copy === undefined) {
    throw new InvalidInputError(
      'INVALID_CHECKPOINT',
      `${where}: expected a checkpoint { sequenceNumber: decimal string of 1 to 128 digits, subSequenceNumber: integer >= 0, complete: boolean }, { kind: 'TRIM_HORIZON' | 'LATEST' | 'SHARD_END' } or { kind: 'AT_TIMESTAMP', timestampMs: integer >= 0 }, got ${safeJson(checkpoint)}`,
    );
  }
  return copy;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? describeThrown(value);
  } catch {
    return describeThrown(value);
  }
}

/** Human-readable form of a checkpoint for messages. */
export function describeCheckpoint(c: Checkpoint): string {
  switch (c.kind) {
    case undefined:
      return `${c.sequenceNumber}/${c.subSequenceNumber}${c.complete ? '' : ' (incomplete)'}`;
    case 'AT_TIMESTAMP':
      return `AT_TIMESTAMP ${describeTime(c.timestampMs)}`;
    default:
      return c.kind;
  }
}

function describeTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms` : date.toISOString();
}
