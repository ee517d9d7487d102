import { InvalidInputError } from '../errors/record-errors.js';
import type { StreamRecord } from './stream-record.js';

/**
 * A record as GetRecords returns it in the AWS SDK v3 (`_Record` of @aws-sdk/client-kinesis),
 * described structurally so that core does not depend on the SDK.
 */
export interface KinesisSdkRecord {
  SequenceNumber?: string | undefined;
  ApproximateArrivalTimestamp?: Date | undefined;
  Data?: Uint8Array | undefined;
  PartitionKey?: string | undefined;
  EncryptionType?: string | undefined;
}

/** Where a GetRecords record came from: the SDK record does not say. */
export interface KinesisRecordSource {
  readonly streamArn: string;
  readonly shardId: string;
}

function fieldError(field: string, expected: string, value: unknown, source: KinesisRecordSource): InvalidInputError {
  const got = value === undefined ? 'nothing' : value === null ? 'null' : `a ${typeof value}`;
  return new InvalidInputError(
    'INVALID_KINESIS_RECORD',
    `not a GetRecords record (${source.shardId} of ${source.streamArn}): ${field} should be ${expected}, got ${got}`,
  );
}

/**
 * Normalizes a GetRecords record of the AWS SDK v3 into a {@link StreamRecord}. `data` is the
 * SDK's `Data` as is (no copy).
 *
 * @throws InvalidInputError (code `INVALID_KINESIS_RECORD`) naming the missing or mistyped field.
 */
export function fromKinesisRecord(record: KinesisSdkRecord, source: KinesisRecordSource): StreamRecord<Uint8Array> {
  if (typeof record !== 'object' || record === null) throw fieldError('the record', 'an object', record, source);
  const { SequenceNumber, ApproximateArrivalTimestamp, Data, PartitionKey, EncryptionType } = record;
  if (typeof SequenceNumber !== 'string') throw fieldError('SequenceNumber', 'a string', SequenceNumber, source);
  if (typeof PartitionKey !== 'string') throw fieldError('PartitionKey', 'a string', PartitionKey, source);
  if (!(Data instanceof Uint8Array)) throw fieldError('Data', 'a Uint8Array', Data, source);
  if (!(ApproximateArrivalTimestamp instanceof Date) || Number.isNaN(ApproximateArrivalTimestamp.getTime())) {
    throw fieldError('ApproximateArrivalTimestamp', 'a valid Date', ApproximateArrivalTimestamp, source);
  }
  if (EncryptionType !== undefined && EncryptionType !== 'NONE' && EncryptionType !== 'KMS') {
    throw fieldError('EncryptionType', '"NONE" or "KMS"', EncryptionType, source);
  }
  const { streamArn, shardId } = source;
  // Two literals, no spread: a page of records then shares one shape (and one object per record).
  return EncryptionType === undefined
    ? {
        streamArn,
        shardId,
        partitionKey: PartitionKey,
        sequenceNumber: SequenceNumber,
        approximateArrivalTimestamp: ApproximateArrivalTimestamp,
        data: Data,
      }
    : {
        streamArn,
        shardId,
        partitionKey: PartitionKey,
        sequenceNumber: SequenceNumber,
        approximateArrivalTimestamp: ApproximateArrivalTimestamp,
        data: Data,
        encryptionType: EncryptionType,
      };
}
