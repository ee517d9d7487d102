// The record handler the team wrote for kds-reader1 (behind a Kinesis trigger). It runs unchanged
// behind the EventBridge rule in ap-northeast-1: eventBridgeHandler gives it the same records.

/**
 * Logs one record: where it came from and its decoded data.
 * @param {import('@streamshare/core').StreamRecord<unknown>} record
 * @param {import('@streamshare/core').RecordContext} context
 */
export async function handleRecord(record, { logger }) {
  logger.info(
    {
      stream: record.streamArn,
      shardId: record.shardId,
      partitionKey: record.partitionKey,
      sequenceNumber: record.sequenceNumber,
      subSequenceNumber: record.subSequenceNumber,
      arrivedAt: record.approximateArrivalTimestamp.toISOString(),
      data: record.data,
    },
    'record handled',
  );
}
