import { arnRegion } from '../aws/arn.js';
import { InvalidInputError } from '../errors/record-errors.js';
import type { LambdaKinesisEvent, LambdaKinesisRecord } from '../normalize/lambda-record.js';
import { encodeBase64 } from '../record/base64.js';
import type { StreamRecord } from '../record/stream-record.js';

/** What a Lambda event carries that a record does not know. */
export interface LambdaFormatOptions {
  /** Region of the event source; default: the region in the record's stream ARN. */
  readonly awsRegion?: string;
  /** The role the function runs as (Lambda's execution role); default: the empty string. */
  readonly invokeIdentityArn?: string;
}

/**
 * Builds a record of a Lambda Kinesis event from a record with raw bytes, exactly as Lambda
 * delivers it: base64 data, arrival time in seconds (millisecond precision), eventID
 * `${shardId}:${sequenceNumber}`. `fromLambdaRecord` gives the record back.
 *
 * Lambda delivers Kinesis records, not KPL user records: pass records before deaggregation (the
 * Lambda handler expands them itself).
 *
 * @throws InvalidInputError (code `NOT_A_KINESIS_RECORD`) for a KPL user record (one with a
 *   `subSequenceNumber`), which Lambda never delivers.
 */
export function toLambdaKinesisRecord(
  record: StreamRecord<Uint8Array>,
  options: LambdaFormatOptions = {},
): LambdaKinesisRecord {
  if (record.subSequenceNumber !== undefined) {
    throw new InvalidInputError(
      'NOT_A_KINESIS_RECORD',
      `cannot put KPL user record ${record.sequenceNumber} sub ${record.subSequenceNumber} in a Lambda event: Lambda delivers whole Kinesis records; pass the records before deaggregation`,
    );
  }
  const kinesis: LambdaKinesisRecord['kinesis'] = {
    kinesisSchemaVersion: '1.0',
    partitionKey: record.partitionKey,
    sequenceNumber: record.sequenceNumber,
    data: encodeBase64(record.data),
    approximateArrivalTimestamp: record.approximateArrivalTimestamp.getTime() / 1000,
  };
  if (record.encryptionType !== undefined) kinesis.encryptionType = record.encryptionType;
  return {
    kinesis,
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${record.shardId}:${record.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: options.invokeIdentityArn ?? '',
    awsRegion: options.awsRegion ?? arnRegion(record.streamArn) ?? '',
    eventSourceARN: record.streamArn,
  };
}

/**
 * Builds a Lambda Kinesis event (`{ Records: [...] }`, the shape of `KinesisStreamEvent`) from
 * records with raw bytes, so that a Lambda handler can run elsewhere (the poller does this).
 */
export function toLambdaKinesisEvent(
  records: readonly StreamRecord<Uint8Array>[],
  options: LambdaFormatOptions = {},
): LambdaKinesisEvent {
  return { Records: records.map((record) => toLambdaKinesisRecord(record, options)) };
}
