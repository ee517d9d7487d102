import { DecodeError, InvalidInputError } from '../errors/record-errors.js';
import { decodeBase64Strict } from './base64.js';
import type { StreamRecord } from './stream-record.js';

/**
 * The `kinesis` part of a record of a Lambda Kinesis event (structurally the `KinesisStreamRecordPayload`
 * of @types/aws-lambda, which core does not depend on).
 */
export interface LambdaKinesisPayload {
  kinesisSchemaVersion: string;
  partitionKey: string;
  sequenceNumber: string;
  /** The record's bytes, base64. */
  data: string;
  /** When Kinesis accepted the record, in seconds since the epoch (millisecond precision). */
  approximateArrivalTimestamp: number;
  /** Present on records of encrypted streams in some deliveries. */
  encryptionType?: 'NONE' | 'KMS';
}

/** One record of a Lambda Kinesis event (structurally `KinesisStreamRecord` of @types/aws-lambda). */
export interface LambdaKinesisRecord {
  kinesis: LambdaKinesisPayload;
  eventSource: string;
  eventVersion: string;
  /** `${shardId}:${sequenceNumber}` */
  eventID: string;
  eventName: string;
  invokeIdentityArn: string;
  awsRegion: string;
  eventSourceARN: string;
}

/** A Lambda Kinesis event (structurally `KinesisStreamEvent` of @types/aws-lambda). */
export interface LambdaKinesisEvent {
  Records: LambdaKinesisRecord[];
}

function fieldError(path: string, expected: string, value: unknown): InvalidInputError {
  const got = value === undefined ? 'nothing' : value === null ? 'null' : `${typeof value} ${preview(value)}`;
  return new InvalidInputError(
    'INVALID_LAMBDA_RECORD',
    `not a Lambda Kinesis record: ${path} should be ${expected}, got ${got}`,
  );
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Normalizes a record of a Lambda Kinesis event into a {@link StreamRecord} with the raw bytes:
 * `data` is base64-decoded (strictly), `approximateArrivalTimestamp` (seconds) becomes a Date,
 * the shard id is the part of `eventID` before `:`, the stream ARN is `eventSourceARN`.
 *
 * @throws InvalidInputError (code `INVALID_LAMBDA_RECORD`) when a required field is missing or has
 *   the wrong type; the message names the field, what arrived and what was expected.
 * @throws DecodeError (codec `base64`) when `kinesis.data` is not valid base64; its `record` names
 *   the record, so the caller can report it as a rejected record of the batch.
 */
export function fromLambdaRecord(record: LambdaKinesisRecord): StreamRecord<Uint8Array> {
  if (typeof record !== 'object' || record === null) throw fieldError('the record', 'an object', record);
  const kinesis = (record as Partial<LambdaKinesisRecord>).kinesis;
  if (typeof kinesis !== 'object' || kinesis === null) throw fieldError('kinesis', 'an object', kinesis);
  const { partitionKey, sequenceNumber, data, approximateArrivalTimestamp, encryptionType } = kinesis;
  const { eventID, eventSourceARN } = record;
  if (typeof partitionKey !== 'string') throw fieldError('kinesis.partitionKey', 'a string', partitionKey);
  if (typeof sequenceNumber !== 'string' || !/^\d+$/.test(sequenceNumber)) {
    throw fieldError('kinesis.sequenceNumber', 'a decimal string', sequenceNumber);
  }
  if (typeof data !== 'string') throw fieldError('kinesis.data', 'a base64 string', data);
  if (typeof approximateArrivalTimestamp !== 'number' || !Number.isFinite(approximateArrivalTimestamp)) {
    throw fieldError('kinesis.approximateArrivalTimestamp', 'a number of seconds', approximateArrivalTimestamp);
  }
  if (typeof eventSourceARN !== 'string' || !eventSourceARN.startsWith('arn:')) {
    throw fieldError('eventSourceARN', 'a Kinesis stream ARN', eventSourceARN);
  }
  const colon = typeof eventID === 'string' ? eventID.indexOf(':') : -1;
  if (colon <= 0) throw fieldError('eventID', 'a string "<shardId>:<sequenceNumber>"', eventID);
  const shardId = eventID.slice(0, colon);
  if (encryptionType !== undefined && encryptionType !== 'NONE' && encryptionType !== 'KMS') {
    throw fieldError('kinesis.encryptionType', '"NONE" or "KMS"', encryptionType);
  }
  const bytes = decodeBase64Strict(data);
  if (bytes === undefined) {
    throw new DecodeError(
      { streamArn: eventSourceARN, shardId, partitionKey, sequenceNumber },
      'base64',
      `kinesis.data is not valid base64 (${data.length} characters)`,
    );
  }
  const result: StreamRecord<Uint8Array> = {
    streamArn: eventSourceARN,
    shardId,
    partitionKey,
    sequenceNumber,
    approximateArrivalTimestamp: new Date(Math.round(approximateArrivalTimestamp * 1000)),
    data: bytes,
  };
  return encryptionType === undefined ? result : { ...result, encryptionType };
}
