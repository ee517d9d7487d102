// kds-reader1: the consumer account's (888800008888) Lambda function of the reference scenario.
// It is triggered by stream kds-sharing-example1 of the producer account (999900009999), which it
// may read because the stream's resource-based policy names its execution role as Principal.
// Every record is logged decoded; the response tells Lambda which record to retry from.
import { kinesisHandler } from '@streamshare/lambda-adapter';

/**
 * Builds the handler. `options` are kinesisHandler's (tests pass their own logger).
 * @param {import('@streamshare/lambda-adapter').KinesisHandlerOptions} [options]
 */
export function createHandler(options = {}) {
  return kinesisHandler(handleRecord, { codec: 'auto', ...options });
}

/**
 * The record handler itself (any transport can run it: a Kinesis trigger, the poller, an EventBridge rule).
 * @param {import('@streamshare/core').StreamRecord<unknown>} record
 * @param {import('@streamshare/core').RecordContext} context
 */
export async function handleRecord(record, { logger }) {
  // The logger is bound to the invocation (awsRequestId, shardId) and redacts credentials.
  logger.info(
    {
      stream: record.streamArn,
      partitionKey: record.partitionKey,
      sequenceNumber: record.sequenceNumber,
      subSequenceNumber: record.subSequenceNumber,
      arrivedAt: record.approximateArrivalTimestamp.toISOString(),
      data: record.data,
    },
    'kds-reader1 got a record',
  );
}

/** The function's handler (configure it as `kds-reader1.handler`). */
export const handler = createHandler();
