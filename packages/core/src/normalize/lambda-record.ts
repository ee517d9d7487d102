import { parseConsumerArn, splitArn } from '../aws/arn.js';
import { DecodeError, InvalidInputError } from '../errors/record-errors.js';
import { readThrownProperty } from '../errors/thrown.js';
import { decodeBase64Strict } from '../record/base64.js';
import type { StreamRecord } from '../record/stream-record.js';
import { plainRecord } from './plain-record.js';

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
  // Objects are not turned into text: a null-prototype object or a Proxy cannot be, safely.
  if (typeof value === 'object' || typeof value === 'function')
    return Array.isArray(value) ? '(an array)' : '(an object)';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * A Kinesis sequence number: 1 to 129 decimal digits, without a leading zero (`0|[1-9][0-9]{0,128}`,
 * the pattern of the Kinesis API). Only such a string may be named in Lambda's `batchItemFailures`.
 * It runs on every record of a batch: a length check and a regular expression without
 * alternation or counted repetition (V8 runs it about three times faster than a loop over the
 * characters with `charCodeAt`).
 */
export function isSequenceNumber(text: string): boolean {
  return text.length <= 129 && (DECIMAL_WITHOUT_LEADING_ZERO.test(text) || text === '0');
}

const DECIMAL_WITHOUT_LEADING_ZERO = /^[1-9][0-9]*$/;

/**
 * An ARN of a Kinesis stream as Lambda events carry it: `arn:<partition>:kinesis:` and, when the
 * ARN has its resource part, `stream/<name>` (1 to 128 characters of `[a-zA-Z0-9_.-]`). Region and
 * account are not checked, nor is a resource required: the test events of the Lambda console and
 * the SAM CLI, and those of several libraries, use placeholders (`arn:aws:kinesis:EXAMPLE`, an
 * account `ZZZZZZZZZZZZ` or of 13 digits), and such events must work. What it refuses is what is
 * not of a Kinesis stream: another service (SQS, DynamoDB Streams), a Firehose delivery stream, an
 * empty stream name.
 */
export function isKinesisStreamArn(arn: string): boolean {
  if (!KINESIS_ARN_PREFIX.test(arn)) return false;
  const fields = splitArn(arn);
  // Fewer than six fields: only the test events' placeholder, `arn:aws:kinesis:EXAMPLE`.
  if (fields === undefined) return KINESIS_ARN_PLACEHOLDER.test(arn);
  return STREAM_RESOURCE.test(fields.resource);
}

/**
 * An `eventSourceARN` a Lambda Kinesis record may carry: a stream ARN ({@link isKinesisStreamArn}),
 * or the ARN of an enhanced fan-out consumer of a stream (`stream/<name>/consumer/<name>:<creation
 * time>`), for a trigger whose event source is a consumer. AWS documents the consumer ARN as a
 * trigger's event source but not what its records carry; both are read, and a record always names
 * its stream ({@link streamArnOfEventSource}).
 */
export function isKinesisEventSourceArn(arn: string): boolean {
  if (isKinesisStreamArn(arn)) return true;
  try {
    parseConsumerArn(arn);
    return true;
  } catch {
    return false;
  }
}

/**
 * The stream ARN of a checked `eventSourceARN`: the ARN itself, or the stream of a consumer ARN
 * (what comes before `/consumer/`; a stream name holds no `/`).
 */
export function streamArnOfEventSource(arn: string): string {
  const consumer = arn.indexOf(CONSUMER_PART);
  return consumer < 0 ? arn : arn.slice(0, consumer);
}

const KINESIS_ARN_PREFIX = /^arn:[a-z][a-z0-9-]{0,62}:kinesis:/;
const KINESIS_ARN_PLACEHOLDER = /^arn:[a-z][a-z0-9-]{0,62}:kinesis:[^:]+$/;
const STREAM_RESOURCE = /^stream\/[a-zA-Z0-9_.-]{1,128}$/;
const CONSUMER_PART = '/consumer/';

/**
 * Checks that `record` has every field of a Lambda Kinesis record that {@link fromLambdaRecord}
 * needs, with the right type, without decoding its data.
 *
 * @throws InvalidInputError (code `INVALID_LAMBDA_RECORD`) naming the field, what arrived and what
 *   was expected.
 */
export function checkLambdaRecord(record: unknown): asserts record is LambdaKinesisRecord {
  checkLambdaFields(record, true);
}

/**
 * {@link checkLambdaRecord}, optionally without looking at the digits of the sequence number
 * (`digits` false: only that it is a non-empty string).
 */
export function checkLambdaFields(record: unknown, digits: boolean): asserts record is LambdaKinesisRecord {
  if (typeof record !== 'object' || record === null) throw fieldError('the record', 'an object', record);
  const kinesis = (record as Partial<LambdaKinesisRecord>).kinesis;
  if (typeof kinesis !== 'object' || kinesis === null) throw fieldError('kinesis', 'an object', kinesis);
  const { partitionKey, sequenceNumber, data, approximateArrivalTimestamp, encryptionType } = kinesis;
  const { eventID, eventSourceARN } = record as Partial<LambdaKinesisRecord>;
  if (typeof partitionKey !== 'string') throw fieldError('kinesis.partitionKey', 'a string', partitionKey);
  if (
    typeof sequenceNumber !== 'string' ||
    sequenceNumber.length === 0 ||
    (digits && !isSequenceNumber(sequenceNumber))
  ) {
    throw fieldError('kinesis.sequenceNumber', 'a decimal string (a Kinesis sequence number)', sequenceNumber);
  }
  if (typeof data !== 'string') throw fieldError('kinesis.data', 'a base64 string', data);
  if (typeof approximateArrivalTimestamp !== 'number' || !Number.isFinite(approximateArrivalTimestamp)) {
    throw fieldError('kinesis.approximateArrivalTimestamp', 'a number of seconds', approximateArrivalTimestamp);
  }
  if (typeof eventSourceARN !== 'string' || !isKinesisEventSourceArn(eventSourceARN)) {
    throw fieldError('eventSourceARN', 'a Kinesis stream ARN (or an enhanced fan-out consumer ARN)', eventSourceARN);
  }
  if (typeof eventID !== 'string' || eventID.indexOf(':') <= 0) {
    throw fieldError('eventID', 'a string "<shardId>:<sequenceNumber>"', eventID);
  }
  if (encryptionType !== undefined && encryptionType !== 'NONE' && encryptionType !== 'KMS') {
    throw fieldError('kinesis.encryptionType', '"NONE" or "KMS"', encryptionType);
  }
}

/** What the records of one batch share, reused from one record to the next: the stream and shard. */
export interface LambdaReadCache {
  shardId: string | undefined;
  /** The stream of the batch's records (from `eventSourceARN`), when known. */
  readonly streamArn: string | undefined;
  /** Every record read with this cache is of `shardId` (checked before it is read). */
  readonly oneShard: boolean;
}

/**
 * A cache for {@link readLambdaRecord}, one per batch. With `shardId`, the caller vouches that every
 * record read with it is of that shard (as processBatch checks at each record's turn): their
 * `eventID` is not read again.
 */
export function lambdaReadCache(shardId?: string, eventSourceArn?: string): LambdaReadCache {
  const streamArn = eventSourceArn === undefined ? undefined : streamArnOfEventSource(eventSourceArn);
  return { shardId, streamArn, oneShard: shardId !== undefined };
}

function streamOf(eventSourceARN: string, cache: LambdaReadCache | undefined): string {
  if (cache?.oneShard && cache.streamArn !== undefined) return cache.streamArn;
  return streamArnOfEventSource(eventSourceARN);
}

function shardOf(eventID: string, cache: LambdaReadCache | undefined): string {
  if (cache?.oneShard) return cache.shardId as string;
  const known = cache?.shardId;
  if (known !== undefined && eventID.charCodeAt(known.length) === 0x3a && eventID.startsWith(known)) return known;
  const shardId = eventID.slice(0, eventID.indexOf(':'));
  if (cache !== undefined) cache.shardId = shardId;
  return shardId;
}

/** A string field as it is, or '' when it is not a string (for the identity of a malformed record). */
function stringOr(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * What can be told of a record that failed {@link checkLambdaRecord} (any value), for its failure
 * report: the string fields it has ('' for those it lacks), its shard from its own `eventID` when
 * that holds one, an arrival time (an invalid Date when it has none), and empty data.
 */
export function uncheckedIdentity(record: unknown): StreamRecord<Uint8Array> {
  const kinesis = readThrownProperty(record, 'kinesis');
  const eventID = stringOr(readThrownProperty(record, 'eventID'));
  const colon = eventID.indexOf(':');
  const seconds = readThrownProperty(kinesis, 'approximateArrivalTimestamp');
  return {
    streamArn: streamArnOfEventSource(stringOr(readThrownProperty(record, 'eventSourceARN'))),
    shardId: colon > 0 ? eventID.slice(0, colon) : '',
    partitionKey: stringOr(readThrownProperty(kinesis, 'partitionKey')),
    sequenceNumber: stringOr(readThrownProperty(kinesis, 'sequenceNumber')),
    approximateArrivalTimestamp: new Date(
      typeof seconds === 'number' && Number.isFinite(seconds) ? Math.round(seconds * 1000) : Number.NaN,
    ),
    data: new Uint8Array(0),
  };
}

/**
 * A Date of its own for every record: Dates are mutable, so records never share one (a handler that
 * changed its record's timestamp would change another record's).
 */
function arrivalOf(seconds: number): Date {
  return new Date(Math.round(seconds * 1000));
}

/**
 * The record of a checked Lambda record (see {@link checkLambdaRecord}) with the given data: its
 * bytes (empty for data that could not be decoded) or a codec's value.
 */
export function lambdaStreamRecord<D>(record: LambdaKinesisRecord, data: D, cache?: LambdaReadCache): StreamRecord<D> {
  const kinesis = record.kinesis;
  return plainRecord(
    streamOf(record.eventSourceARN, cache),
    shardOf(record.eventID, cache),
    kinesis.partitionKey,
    kinesis.sequenceNumber,
    arrivalOf(kinesis.approximateArrivalTimestamp),
    data,
    kinesis.encryptionType,
  );
}

/** The DecodeError of a checked Lambda record whose data is not valid base64. */
export function base64Error(record: LambdaKinesisRecord, cache?: LambdaReadCache): DecodeError {
  const { partitionKey, sequenceNumber, data } = record.kinesis;
  return new DecodeError(
    {
      streamArn: streamOf(record.eventSourceARN, cache),
      shardId: shardOf(record.eventID, cache),
      partitionKey,
      sequenceNumber,
    },
    'base64',
    `kinesis.data is not valid base64 (${data.length} characters)`,
  );
}

/**
 * Normalizes a checked Lambda record (see {@link checkLambdaRecord}): base64-decodes its data.
 *
 * @throws DecodeError (codec `base64`) when `kinesis.data` is not valid base64.
 */
export function readLambdaRecord(record: LambdaKinesisRecord, cache?: LambdaReadCache): StreamRecord<Uint8Array> {
  const bytes = decodeBase64Strict(record.kinesis.data);
  if (bytes === undefined) throw base64Error(record, cache);
  return lambdaStreamRecord(record, bytes, cache);
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
  checkLambdaRecord(record);
  return readLambdaRecord(record);
}
