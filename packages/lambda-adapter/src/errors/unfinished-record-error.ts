import { type RecordIdentity, StreamshareError } from '@streamshare/core';
import { describeRecord, identityOf } from '@streamshare/core/internal';

/**
 * A record was still being worked on (its handler, its dead-letter callback, or a record before it
 * in its partition key) when the handler had to answer Lambda: `responseMarginMs` before the
 * function's timeout. The handler answers then, with this record as the first one not done, so
 * that Lambda keeps the records before it and retries from it, instead of timing out and retrying
 * the whole batch. Its work may still finish later (when Lambda next thaws the environment):
 * delivery is at least once. Code `RECORD_UNFINISHED`, retryable.
 */
export class UnfinishedRecordError extends StreamshareError {
  /** The first record not done. */
  readonly record: RecordIdentity;
  /** The time the handler answered, epoch ms. */
  readonly answeredAt: number;

  constructor(record: RecordIdentity, marginMs: number, answeredAt: number) {
    super(
      'RECORD_UNFINISHED',
      `${describeRecord(record)} was not done ${marginMs} ms before Lambda's timeout; the handler answers now with it as the first record not done (its work may still finish later: delivery is at least once)`,
      { retryable: true },
    );
    this.record = identityOf(record);
    this.answeredAt = answeredAt;
  }
}
