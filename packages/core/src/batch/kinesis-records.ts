import { isAggregated } from '../kpl/deaggregate.js';
import {
  fromKinesisRecord,
  type KinesisRecordSource,
  type KinesisSdkRecord,
  kinesisRecordIdentity,
} from '../record/kinesis-record.js';
import type { BatchInput, KinesisRecords } from './types.js';

/**
 * Wraps the records of one GetRecords page of a shard for processBatch, which then checks and
 * normalizes each record just before decoding and handling it: no record object is made ahead of
 * its turn, and each record is touched once (the way `lambdaRecords` serves a Lambda event).
 * A record that lacks a field or has one of the wrong type fails as that record, at its turn
 * (reason `decode`, InvalidInputError `INVALID_KINESIS_RECORD`): the records before it are handled,
 * and the walk stops there or, with a dead-letter callback, goes on.
 *
 * With concurrency by key, a batch handler, or KPL aggregates to expand, processBatch normalizes
 * every record up front instead (see {@link fromKinesisRecords}).
 *
 * @throws TypeError when `records` is not an array or `source` lacks a stream ARN or shard id.
 */
export function kinesisRecords(records: readonly KinesisSdkRecord[], source: KinesisRecordSource): KinesisRecords {
  if (!Array.isArray(records)) throw new TypeError('kinesisRecords(records, source): records must be an array');
  const { streamArn, shardId } = source ?? {};
  if (typeof streamArn !== 'string' || streamArn === '' || typeof shardId !== 'string' || shardId === '') {
    throw new TypeError('kinesisRecords(records, source): source must be { streamArn, shardId } (non-empty strings)');
  }
  return { kind: 'kinesis-records', records, streamArn, shardId };
}

/** The page when `inputs` is a KinesisRecords, else undefined. */
export function asKinesisRecords(inputs: unknown): KinesisRecords | undefined {
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) return undefined;
  return (inputs as { kind?: unknown }).kind === 'kinesis-records' ? (inputs as KinesisRecords) : undefined;
}

/**
 * Normalizes every record of a GetRecords page now: each a StreamRecord with its bytes, or, when it
 * cannot be normalized, a RejectedRecord at its place with what can be told of it.
 */
export function fromKinesisRecords(records: readonly KinesisSdkRecord[], source: KinesisRecordSource): BatchInput[] {
  const inputs = new Array<BatchInput>(records.length);
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    try {
      inputs[i] = fromKinesisRecord(record as KinesisSdkRecord, source);
    } catch (error) {
      inputs[i] = { kind: 'rejected', record: kinesisRecordIdentity(record, source), error };
    }
  }
  return inputs;
}

/** True when some record's data starts as a KPL aggregate does (looks at the first bytes of each). */
export function mayHoldAggregates(records: readonly KinesisSdkRecord[]): boolean {
  for (const record of records) {
    const data = (record as KinesisSdkRecord | null | undefined)?.Data;
    if (data instanceof Uint8Array && isAggregated(data)) return true;
  }
  return false;
}
