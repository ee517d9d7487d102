import type { RecordIdentity } from '../record/stream-record.js';
import { StreamshareError } from './streamshare-error.js';
import { describeThrown, readThrownProperty } from './thrown.js';

/** Formats a record identity for messages: `stream/shard seq[.sub] (key)`. */
export function describeRecord(record: RecordIdentity): string {
  const sub = record.subSequenceNumber === undefined ? '' : ` sub ${record.subSequenceNumber}`;
  return `record ${record.sequenceNumber}${sub} (partition key ${JSON.stringify(record.partitionKey)}) of ${record.shardId} in ${record.streamArn}`;
}

/** The identity fields of a record (no data), as errors keep them. */
export function identityOf(record: RecordIdentity): RecordIdentity {
  const { streamArn, shardId, partitionKey, sequenceNumber, subSequenceNumber } = record;
  return subSequenceNumber === undefined
    ? { streamArn, shardId, partitionKey, sequenceNumber }
    : { streamArn, shardId, partitionKey, sequenceNumber, subSequenceNumber };
}

/** A record's payload could not be decoded by the codec in use. Never retryable. */
export class DecodeError extends StreamshareError {
  /** The record that failed. */
  readonly record: RecordIdentity;
  /** Name of the codec that failed (`json`, `gzip`, ...). */
  readonly codec: string;

  constructor(record: RecordIdentity, codec: string, reason: string, options: { cause?: unknown } = {}) {
    super('DECODE_FAILED', `${codec} codec could not decode ${describeRecord(record)}: ${reason}`, options);
    this.record = identityOf(record);
    this.codec = codec;
  }
}

/** Why a KPL aggregate was rejected. */
export type KplAggregateErrorReason = 'CHECKSUM_MISMATCH' | 'TRUNCATED' | 'BAD_TABLE_INDEX' | 'MALFORMED';

/** A KPL aggregated record is corrupt. The whole Kinesis record fails; never retryable. */
export class KplAggregateError extends StreamshareError {
  readonly record: RecordIdentity;
  readonly reason: KplAggregateErrorReason;

  constructor(record: RecordIdentity, reason: KplAggregateErrorReason, detail: string) {
    super('AGGREGATE_CORRUPT', `KPL aggregate ${describeRecord(record)} is corrupt (${reason}): ${detail}`);
    this.record = identityOf(record);
    this.reason = reason;
  }
}

/** A record was not started because the batch deadline had passed. Retryable: the transport redelivers it. */
export class DeadlineError extends StreamshareError {
  readonly record: RecordIdentity;

  constructor(record: RecordIdentity, deadline: number) {
    super(
      'DEADLINE_EXCEEDED',
      `${describeRecord(record)} was not started: the batch deadline ${new Date(deadline).toISOString()} passed`,
      { retryable: true },
    );
    this.record = identityOf(record);
  }
}

/** The longest handler error message quoted as it is; longer ones are clipped by describeThrown. */
const MAX_QUOTED_MESSAGE = 2_000;

/**
 * The handler failed on a record (after retries); wraps the handler's error as `cause`. Any thrown
 * value gives a readable message: an error's `message`, else what `describeThrown` makes of it.
 */
export class HandlerError extends StreamshareError {
  readonly record: RecordIdentity;
  readonly attempts: number;

  constructor(record: RecordIdentity, attempts: number, cause: unknown) {
    const message = readThrownProperty(cause, 'message');
    const why = typeof message === 'string' && message.length <= MAX_QUOTED_MESSAGE ? message : describeThrown(cause);
    super('HANDLER_FAILED', `handler failed on ${describeRecord(record)} after ${attempts} attempt(s): ${why}`, {
      cause,
      retryable: false,
    });
    this.record = identityOf(record);
    this.attempts = attempts;
  }
}

/**
 * A checkpoint write was refused (backwards, lost lease, unwritable store, a checkpoint directory in
 * use by another process: `CHECKPOINT_LOCKED`, see the file store's `CheckpointLockedError`).
 */
export class CheckpointError extends StreamshareError {
  constructor(
    code: 'CHECKPOINT_BACKWARDS' | 'LEASE_LOST' | 'CHECKPOINT_IO' | 'CHECKPOINT_CORRUPT' | 'CHECKPOINT_LOCKED',
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(code, message, options);
  }
}

/** An input (event, envelope, option) has the wrong shape. Says what arrived and what was expected. */
export class InvalidInputError extends StreamshareError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}
