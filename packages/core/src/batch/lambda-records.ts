import { InvalidInputError } from '../errors/record-errors.js';
import { checkLambdaFields, isSequenceNumber, type LambdaKinesisRecord } from '../record/lambda-record.js';
import type { LambdaRecords } from './types.js';

/**
 * Could this base64 text hold a KPL aggregate? Its magic bytes F3 89 9A C2 encode as `84maw`
 * followed by one of `g`..`v`; no other text decodes to them.
 */
export function mayBeAggregate(data: string): boolean {
  // The first character alone rules out almost every record (JSON data starts `ey`), without a call.
  return data.charCodeAt(0) === 0x38 && data.startsWith('84maw');
}

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
 * type (the digits of the sequence number were checked by {@link lambdaRecords}, which marks a
 * record whose sequence number Lambda's `batchItemFailures` could not name so that this check
 * fails it), `eventSource` `aws:kinesis`, the batch's `eventSourceARN`, an `eventID` that is the
 * batch's shard id, a colon and this record's sequence number (by length), and a known
 * `encryptionType`. A record for which it is false gets its precise error from
 * {@link checkRecordOfBatch}.
 */
function isRecordOfBatch(record: unknown, streamArn: string, shardId: string): boolean {
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

/**
 * Wraps the records of a Lambda Kinesis event (`event.Records`) for processBatch, which then reads
 * each record just before decoding and handling it: only one record's bytes are in memory at a
 * time, and each record is touched once.
 *
 * The first record is checked now, whole: it says what the event is (a Kinesis event, its stream
 * and shard), so an event of another kind (SQS, EventBridge, ...) is refused before anything runs.
 * Every record is checked again at its turn, against the first: one that is not a Lambda Kinesis
 * record, whose sequence number is not a Kinesis one (`batchItemFailures` could not name it: these
 * are found now, in the one pass over the records, and marked for their turn), or that is of
 * another stream or shard (Lambda never mixes shards in one event), fails as that record (reason `decode`, an InvalidInputError of code `INVALID_LAMBDA_RECORD` naming
 * `Records[i]`), exactly as a record whose data is not base64 does: the records before it are
 * handled, and the walk stops there or, with a dead-letter callback, goes on.
 *
 * @throws InvalidInputError (code `INVALID_LAMBDA_RECORD`) when the first record is not a Lambda
 *   Kinesis record; TypeError when `records` is not an array.
 */
export function lambdaRecords(records: readonly LambdaKinesisRecord[]): LambdaRecords {
  if (!Array.isArray(records)) throw new TypeError('lambdaRecords(records): records must be an array');
  let shardId: string | undefined;
  let streamArn: string | undefined;
  if (records.length > 0) {
    const first: unknown = records[0];
    checkRecordOfBatch(first, 0, undefined);
    shardId = first.eventID.slice(0, first.eventID.indexOf(':'));
    streamArn = first.eventSourceARN;
  }
  // One pass over the records, before any is read: whether some record may be a KPL aggregate (the
  // start of its data), and which records have a sequence number batchItemFailures could not name.
  // Checking those here, in a tight loop, costs a third of what it costs in each record's check.
  let aggregates = false;
  let unnamable: number[] | undefined;
  for (let i = 0; i < records.length; i++) {
    const kinesis = (records[i] as { kinesis?: { data?: unknown; sequenceNumber?: unknown } } | null | undefined)
      ?.kinesis;
    if (typeof kinesis !== 'object' || kinesis === null) continue;
    const data = kinesis.data;
    if (!aggregates && typeof data === 'string' && mayBeAggregate(data)) aggregates = true;
    const sequenceNumber = kinesis.sequenceNumber;
    if (typeof sequenceNumber === 'string' && !isSequenceNumber(sequenceNumber)) {
      unnamable ??= [];
      unnamable.push(i);
    }
  }
  const result: LambdaRecords = {
    kind: 'lambda-records',
    records: unnamable === undefined ? records : withUnnamableMarked(records, unnamable),
    streamArn,
    shardId,
    aggregates,
  };
  checked.add(result);
  return result;
}

/**
 * The records with those at `indices` (a sequence number that is not a Kinesis one) replaced by a
 * copy that fails the quick check of its turn ({@link isRecordOfBatch}: no `eventSource`), so that
 * its full check ({@link checkRecordOfBatch}) fails it as that record, naming its
 * `kinesis.sequenceNumber`. The event's own array and records are left as they are.
 */
function withUnnamableMarked(records: readonly LambdaKinesisRecord[], indices: number[]): LambdaKinesisRecord[] {
  const marked = records.slice();
  for (const i of indices) marked[i] = { ...(records[i] as LambdaKinesisRecord), eventSource: UNCHECKED };
  return marked;
}

/** What a marked record has as its `eventSource` (never `aws:kinesis`). */
const UNCHECKED = 'streamshare:sequence-number-to-check';

/** The results of lambdaRecords: a LambdaRecords built by hand is checked again. */
const checked = new WeakSet<LambdaRecords>();

/**
 * The Lambda records when `inputs` is a LambdaRecords (checking its first record now unless
 * {@link lambdaRecords} made it), else undefined.
 *
 * @throws InvalidInputError when the first record is not a Lambda Kinesis record.
 */
export function asLambdaRecords(inputs: unknown): LambdaRecords | undefined {
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) return undefined;
  if ((inputs as { kind?: unknown }).kind !== 'lambda-records') return undefined;
  const lambda = inputs as LambdaRecords;
  return checked.has(lambda) ? lambda : lambdaRecords(lambda.records);
}
