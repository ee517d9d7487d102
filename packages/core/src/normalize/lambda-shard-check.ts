import { InvalidInputError } from '../errors/record-errors.js';
import { checkLambdaFields, type LambdaKinesisRecord } from './lambda-record.js';

function notOneShard(index: number, what: string, first: string, other: string): InvalidInputError {
  return new InvalidInputError(
    'INVALID_LAMBDA_RECORD',
    `not a record of this batch's shard: Records[${index}] has ${what} ${JSON.stringify(other)}, Records[0] ${JSON.stringify(first)} (a Lambda Kinesis event holds the records of one shard)`,
  );
}

/** The stream and shard of a batch, from its first record. */
export interface BatchOrigin {
  readonly streamArn: string | undefined;
  readonly shardId: string | undefined;
}

/**
 * Checks `Records[index]` of a Lambda Kinesis event: a Lambda Kinesis record (every field
 * `fromLambdaRecord` needs, with the right types, a sequence number of decimal digits), from
 * `aws:kinesis`, and, with `batch`, of the batch's stream and shard (without `batch`, the first
 * record, its `eventSourceARN` must be a Kinesis stream ARN: the later ones must be the same).
 *
 * @throws InvalidInputError (code `INVALID_LAMBDA_RECORD`) naming `Records[index]` (and its
 *   `eventID` when it has one), the field and what is wrong.
 */
export function checkRecordOfBatch(
  record: unknown,
  index: number,
  batch: BatchOrigin | undefined,
): asserts record is LambdaKinesisRecord {
  const streamArn = batch?.streamArn;
  const shardId = batch?.shardId;
  const whole = streamArn === undefined || shardId === undefined;
  if (!whole && isRecordOfBatch(record, streamArn, shardId)) return;
  try {
    checkLambdaFields(record, true);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new InvalidInputError(error.code, `Records[${index}]: ${error.message}${eventIdOf(record)}`, {
      cause: error,
    });
  }
  if (record.eventSource !== 'aws:kinesis') {
    const source =
      typeof record.eventSource === 'string' ? JSON.stringify(record.eventSource) : typeof record.eventSource;
    throw new InvalidInputError(
      'INVALID_LAMBDA_RECORD',
      `Records[${index}]: not a Lambda Kinesis record: eventSource should be "aws:kinesis", got ${source}${eventIdOf(record)}`,
    );
  }
  if (whole) return;
  if (record.eventSourceARN !== streamArn) throw notOneShard(index, 'eventSourceARN', streamArn, record.eventSourceARN);
  const eventID = record.eventID;
  if (eventID.charCodeAt(shardId.length) !== 0x3a || !eventID.startsWith(shardId)) {
    throw notOneShard(index, 'eventID', `${shardId}:...`, eventID);
  }
  throw new InvalidInputError(
    'INVALID_LAMBDA_RECORD',
    `Records[${index}]: not a Lambda Kinesis record: eventID should be "${shardId}:" and its kinesis.sequenceNumber, got ${JSON.stringify(eventID)}`,
  );
}

/** ` (eventID "...")` for a record that has a string eventID (clipped), else ''. */
function eventIdOf(record: unknown): string {
  const eventID = typeof record === 'object' && record !== null ? (record as { eventID?: unknown }).eventID : undefined;
  if (typeof eventID !== 'string') return '';
  return ` (eventID ${JSON.stringify(eventID.length > 120 ? `${eventID.slice(0, 117)}...` : eventID)})`;
}

/**
 * The check of each record at its turn, kept to comparisons that cost next to nothing on a record
 * about to be read anyway (it runs 10,000 times per Lambda invocation): every field of the right
 * type (the digits of the sequence number are checked by `lambdaRecords`, which marks a
 * record whose sequence number Lambda's `batchItemFailures` could not name so that this check
 * fails it), `eventSource` `aws:kinesis`, the batch's `eventSourceARN`, an `eventID` that is the
 * batch's shard id, a colon and this record's sequence number (by length), and a known
 * `encryptionType`. A record for which it is false gets its precise error from
 * {@link checkRecordOfBatch}.
 */
export function isRecordOfBatch(record: unknown, streamArn: string, shardId: string): boolean {
  if (typeof record !== 'object' || record === null) return false;
  const r = record as Partial<LambdaKinesisRecord>;
  const kinesis = r.kinesis;
  if (typeof kinesis !== 'object' || kinesis === null) return false;
  const sequenceNumber = kinesis.sequenceNumber;
  const seconds = kinesis.approximateArrivalTimestamp;
  const eventID = r.eventID;
  const encryptionType = kinesis.encryptionType;
  return (
    typeof kinesis.partitionKey === 'string' &&
    typeof kinesis.data === 'string' &&
    typeof sequenceNumber === 'string' &&
    sequenceNumber.length !== 0 && // its digits: checked by lambdaRecords, up front
    typeof seconds === 'number' &&
    seconds - seconds === 0 && // finite
    r.eventSourceARN === streamArn &&
    r.eventSource === 'aws:kinesis' &&
    typeof eventID === 'string' &&
    eventID.length === shardId.length + 1 + sequenceNumber.length &&
    eventID.charCodeAt(shardId.length) === 0x3a &&
    eventID.indexOf(shardId) === 0 &&
    (encryptionType === undefined || encryptionType === 'NONE' || encryptionType === 'KMS')
  );
}
