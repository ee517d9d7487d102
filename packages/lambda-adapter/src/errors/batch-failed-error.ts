import { type FailedRecord, type RecordIdentity, StreamshareError } from '@streamshare/core';
import { describeRecord, describeThrown } from '@streamshare/core/internal';

/**
 * Thrown instead of returning a partial batch response: by `kinesisHandler` /
 * `kinesisWindowHandler` when `reportBatchItemFailures` is false (so that Lambda retries the whole
 * batch), and by `eventBridgeHandler` when its record is not done (so that EventBridge retries the
 * event). Names the first record not done; `cause` is the error for it (core's HandlerError,
 * DecodeError, KplAggregateError, DeadlineError, or the adapter's UnfinishedRecordError,
 * UnexpectedFailureError, ReducerError). Retryable: the transport redelivers the records.
 */
export class BatchFailedError extends StreamshareError {
  /** The first record not done. */
  readonly record: RecordIdentity;
  /** Why it was not done, as core's processBatch reports it. */
  readonly reason: FailedRecord['reason'];

  constructor(failed: FailedRecord, consequence: string) {
    const cause = failed.error;
    super(
      'BATCH_FAILED',
      `${describeRecord(failed.record)} was not done (${failed.reason}: ${describeThrown(cause)}); ${consequence}`,
      { cause, retryable: true },
    );
    const { streamArn, shardId, partitionKey, sequenceNumber, subSequenceNumber } = failed.record;
    this.record =
      subSequenceNumber === undefined
        ? { streamArn, shardId, partitionKey, sequenceNumber }
        : { streamArn, shardId, partitionKey, sequenceNumber, subSequenceNumber };
    this.reason = failed.reason;
  }
}
