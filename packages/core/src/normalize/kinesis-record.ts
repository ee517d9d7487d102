import { InvalidInputError } from '../errors/record-errors.js';
import { readThrownProperty } from '../errors/thrown.js';
import type { StreamRecord } from '../record/stream-record.js';
import { plainRecord } from './plain-record.js';

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

/**
 * The stream and shard a record came from: what a GetRecords record (or a SubscribeToShard event's)
 * does not say of itself.
 */
export interface ShardOrigin {
  readonly streamArn: string;
  readonly shardId: string;
}

function fieldError(field: string, expected: string, value: unknown, origin: ShardOrigin): InvalidInputError {
  const got = value === undefined ? 'nothing' : value === null ? 'null' : `a ${typeof value}`;
  return new InvalidInputError(
    'INVALID_KINESIS_RECORD',
    `not a GetRecords record (${origin.shardId} of ${origin.streamArn}): ${field} should be ${expected}, got ${got}`,
  );
}

/** A GetRecords record that passed {@link checkKinesisRecord}. */
export interface CheckedKinesisRecord extends KinesisSdkRecord {
  SequenceNumber: string;
  ApproximateArrivalTimestamp: Date;
  Data: Uint8Array;
  PartitionKey: string;
  EncryptionType?: 'NONE' | 'KMS' | undefined;
}

/**
 * Checks that a GetRecords record has every field a {@link StreamRecord} needs, with the right types.
 *
 * @throws InvalidInputError (code `INVALID_KINESIS_RECORD`) naming the missing or mistyped field.
 */
export function checkKinesisRecord(
  record: KinesisSdkRecord | null | undefined,
  origin: ShardOrigin,
): asserts record is CheckedKinesisRecord {
  if (typeof record !== 'object' || record === null) throw fieldError('the record', 'an object', record, origin);
  const { SequenceNumber, ApproximateArrivalTimestamp, Data, PartitionKey, EncryptionType } = record;
  if (typeof SequenceNumber !== 'string') throw fieldError('SequenceNumber', 'a string', SequenceNumber, origin);
  if (typeof PartitionKey !== 'string') throw fieldError('PartitionKey', 'a string', PartitionKey, origin);
  if (!(Data instanceof Uint8Array)) throw fieldError('Data', 'a Uint8Array', Data, origin);
  if (!(ApproximateArrivalTimestamp instanceof Date) || Number.isNaN(ApproximateArrivalTimestamp.getTime())) {
    throw fieldError('ApproximateArrivalTimestamp', 'a valid Date', ApproximateArrivalTimestamp, origin);
  }
  if (EncryptionType !== undefined && EncryptionType !== 'NONE' && EncryptionType !== 'KMS') {
    throw fieldError('EncryptionType', '"NONE" or "KMS"', EncryptionType, origin);
  }
}

/**
 * True when {@link checkKinesisRecord} would pass: the check of each record at its turn, without
 * making an error (the record that fails it gets its error from checkKinesisRecord).
 */
export function isKinesisRecord(record: KinesisSdkRecord | null | undefined): record is CheckedKinesisRecord {
  if (typeof record !== 'object' || record === null) return false;
  const arrival = record.ApproximateArrivalTimestamp;
  const encryptionType = record.EncryptionType;
  return (
    typeof record.SequenceNumber === 'string' &&
    typeof record.PartitionKey === 'string' &&
    record.Data instanceof Uint8Array &&
    arrival instanceof Date &&
    !Number.isNaN(arrival.getTime()) &&
    (encryptionType === undefined || encryptionType === 'NONE' || encryptionType === 'KMS')
  );
}

/**
 * The {@link StreamRecord} of a checked GetRecords record, with `data` (its bytes, or their decoded
 * value).
 */
export function kinesisStreamRecord<D>(record: CheckedKinesisRecord, origin: ShardOrigin, data: D): StreamRecord<D> {
  return plainRecord(
    origin.streamArn,
    origin.shardId,
    record.PartitionKey,
    record.SequenceNumber,
    record.ApproximateArrivalTimestamp,
    data,
    record.EncryptionType,
  );
}

/**
 * What can be told of a GetRecords record that fails {@link checkKinesisRecord}, to report it: its
 * partition key and sequence number when they are strings, no data.
 */
export function kinesisRecordIdentity(record: unknown, origin: ShardOrigin): StreamRecord<Uint8Array> {
  const partitionKey = readThrownProperty(record, 'PartitionKey');
  const sequenceNumber = readThrownProperty(record, 'SequenceNumber');
  return {
    streamArn: origin.streamArn,
    shardId: origin.shardId,
    partitionKey: typeof partitionKey === 'string' ? partitionKey : '',
    sequenceNumber: typeof sequenceNumber === 'string' ? sequenceNumber : '0',
    approximateArrivalTimestamp: new Date(0),
    data: new Uint8Array(0),
  };
}

/**
 * Normalizes a GetRecords record of the AWS SDK v3 into a {@link StreamRecord}. `data` is the
 * SDK's `Data` as is (no copy).
 *
 * @throws InvalidInputError (code `INVALID_KINESIS_RECORD`) naming the missing or mistyped field.
 */
export function fromKinesisRecord(record: KinesisSdkRecord, origin: ShardOrigin): StreamRecord<Uint8Array> {
  checkKinesisRecord(record, origin);
  return kinesisStreamRecord(record, origin, record.Data);
}
