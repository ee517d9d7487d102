import { InvalidInputError } from '../errors/record-errors.js';
import { checkLambdaRecord, type LambdaKinesisRecord } from '../record/lambda-record.js';
import type { LambdaRecords } from './types.js';

/**
 * Could this base64 text hold a KPL aggregate? Its magic bytes F3 89 9A C2 encode as `84maw`
 * followed by one of `g`..`v`; no other text decodes to them.
 */
export function mayBeAggregate(data: string): boolean {
  return data.startsWith('84maw');
}

function notOneShard(index: number, what: string, first: string, other: string): InvalidInputError {
  return new InvalidInputError(
    'INVALID_LAMBDA_RECORD',
    `not the records of one shard: Records[${index}] has ${what} ${JSON.stringify(other)}, Records[0] ${JSON.stringify(first)}`,
  );
}

/**
 * Checks the records of a Lambda Kinesis event (`event.Records`) in one pass, for processBatch to
 * read them at their turn: processBatch then base64-decodes each record just before decoding and
 * handling it, so that only one record's bytes are in memory at a time. The walk is the same as
 * with the records normalized up front by `fromLambdaRecord` (a record whose data is not base64
 * fails at its turn, with the same DecodeError).
 *
 * Every record must be a Lambda Kinesis record (the fields `fromLambdaRecord` needs, with the right
 * types) with `eventSource` `aws:kinesis`, and all of one shard of one stream (as Lambda delivers
 * them).
 *
 * @throws InvalidInputError (code `INVALID_LAMBDA_RECORD`) for the first record that is not, before
 *   anything is walked.
 */
export function lambdaRecords(records: readonly LambdaKinesisRecord[]): LambdaRecords {
  if (!Array.isArray(records)) throw new TypeError('lambdaRecords(records): records must be an array');
  let shardId: string | undefined;
  let streamArn: string | undefined;
  let aggregates = false;
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as LambdaKinesisRecord;
    try {
      checkLambdaRecord(record);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      throw new InvalidInputError(error.code, `Records[${i}]: ${error.message}`, { cause: error });
    }
    if (record.eventSource !== 'aws:kinesis') {
      throw new InvalidInputError(
        'INVALID_LAMBDA_RECORD',
        `Records[${i}]: not a Lambda Kinesis record: eventSource should be "aws:kinesis", got ${JSON.stringify(record.eventSource)}`,
      );
    }
    const eventID = record.eventID;
    if (shardId === undefined || streamArn === undefined) {
      shardId = eventID.slice(0, eventID.indexOf(':'));
      streamArn = record.eventSourceARN;
    } else {
      if (record.eventSourceARN !== streamArn) throw notOneShard(i, 'eventSourceARN', streamArn, record.eventSourceARN);
      if (eventID.charCodeAt(shardId.length) !== 0x3a || !eventID.startsWith(shardId)) {
        throw notOneShard(i, 'eventID', `${shardId}:...`, eventID);
      }
    }
    if (!aggregates && mayBeAggregate(record.kinesis.data)) aggregates = true;
  }
  const result: LambdaRecords = { kind: 'lambda-records', records, streamArn, shardId, aggregates };
  checked.add(result);
  return result;
}

/** The results of lambdaRecords: a LambdaRecords built by hand is checked again. */
const checked = new WeakSet<LambdaRecords>();

/**
 * The checked Lambda records when `inputs` is a LambdaRecords (checking them now unless
 * {@link lambdaRecords} made it), else undefined.
 *
 * @throws InvalidInputError for a record that is not a Lambda Kinesis record.
 */
export function asLambdaRecords(inputs: unknown): LambdaRecords | undefined {
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) return undefined;
  if ((inputs as { kind?: unknown }).kind !== 'lambda-records') return undefined;
  const lambda = inputs as LambdaRecords;
  return checked.has(lambda) ? lambda : lambdaRecords(lambda.records);
}
