import type { StreamRecord } from '../record/stream-record.js';

/**
 * The {@link StreamRecord} of a plain (not KPL) Kinesis record, whatever transport delivered it (a
 * Lambda event, a GetRecords page): the one place that makes the object, so that the records of
 * every transport have the same two shapes (with and without `encryptionType`), their fields set in
 * one order, none added later: the walks' code then sees one shape per batch (see speed/).
 */
export function plainRecord<D>(
  streamArn: string,
  shardId: string,
  partitionKey: string,
  sequenceNumber: string,
  approximateArrivalTimestamp: Date,
  data: D,
  encryptionType: 'NONE' | 'KMS' | undefined,
): StreamRecord<D> {
  return encryptionType === undefined
    ? { streamArn, shardId, partitionKey, sequenceNumber, approximateArrivalTimestamp, data }
    : { streamArn, shardId, partitionKey, sequenceNumber, approximateArrivalTimestamp, data, encryptionType };
}
