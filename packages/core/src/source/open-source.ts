import type { BatchInput, KinesisRecords, LambdaRecords } from '../batch/types.js';
import { ArraySource } from './array-source.js';
import { LambdaSource, lambdaRecords } from './lambda-source.js';
import { kinesisRecords, PageSource } from './page-source.js';
import type { RecordSource } from './record-source.js';

/** What processBatch takes: an array of records, or the records of a Lambda event or a GetRecords page. */
export type BatchRecords = readonly BatchInput[] | LambdaRecords | KinesisRecords;

/**
 * The record source of what processBatch was given: a source made by `lambdaRecords` or
 * `kinesisRecords` as it is; an array of records (or rejected inputs) wrapped; a `LambdaRecords`
 * or `KinesisRecords` built by hand made again by its function, so that it is checked (its first
 * record, for a Lambda event).
 *
 * @throws InvalidInputError when the first record of a hand-built LambdaRecords is not a Lambda
 *   Kinesis record; TypeError for a hand-built KinesisRecords without a stream ARN or shard id.
 */
export function recordSource(records: BatchRecords | RecordSource): RecordSource {
  if (records instanceof LambdaSource || records instanceof PageSource || records instanceof ArraySource) {
    return records;
  }
  if (Array.isArray(records)) return new ArraySource(records);
  const kind = (records as { kind?: unknown }).kind;
  if (kind === 'lambda-records') return lambdaRecords((records as LambdaRecords).records) as LambdaSource;
  if (kind === 'kinesis-records') {
    const page = records as KinesisRecords;
    return kinesisRecords(page.records, page) as PageSource;
  }
  // Anything else is read as an array (of whatever length it says it has).
  return new ArraySource(records as readonly BatchInput[]);
}
