import { type RecordIdentity, StreamshareError } from '@streamshare/core';
import { describeRecord, describeThrown, identityOf } from '@streamshare/core/internal';

/**
 * The batch could not be walked to its end for a reason that is not a record's (core's
 * processBatch rejected: a bug, or a thrown value it could not handle). The adapter still answers
 * Lambda: the first record it cannot vouch for is reported as not done, so that Lambda keeps the
 * records before it and retries from it. `cause` is what was thrown (any value). Code
 * `UNEXPECTED_FAILURE`, retryable.
 */
export class UnexpectedFailureError extends StreamshareError {
  /** The first record not done. */
  readonly record: RecordIdentity;

  constructor(record: RecordIdentity, cause: unknown) {
    super(
      'UNEXPECTED_FAILURE',
      `the batch stopped unexpectedly at ${describeRecord(record)}: ${describeThrown(cause)}; it is reported as the first record not done`,
      { cause, retryable: true },
    );
    this.record = identityOf(record);
  }
}
