import type { BatchInput, KinesisRecords } from '../batch/types.js';
import {
  type CheckedKinesisRecord,
  checkKinesisRecord,
  fromKinesisRecord,
  isKinesisRecord,
  type KinesisSdkRecord,
  kinesisRecordIdentity,
  kinesisStreamRecord,
  type ShardOrigin,
} from '../normalize/kinesis-record.js';
import type { StreamRecord } from '../record/stream-record.js';
import { type RecordSource, type SourceFailure, UNREADABLE } from './record-source.js';

const EMPTY = new Uint8Array(0);

/**
 * The records of a GetRecords page (or of a SubscribeToShard event: the same SDK records), read one
 * at a time: each record is checked at its turn, its `Data` taken as it is (no copy).
 */
export class PageSource implements KinesisRecords, RecordSource {
  readonly kind = 'kinesis-records';
  readonly length: number;
  readonly mayHoldAggregates = true;

  constructor(
    readonly records: readonly KinesisSdkRecord[],
    readonly streamArn: string,
    readonly shardId: string,
  ) {
    this.length = records.length;
  }

  bytesAt(index: number): Uint8Array {
    const record = this.records[index];
    return isKinesisRecord(record) ? record.Data : UNREADABLE;
  }

  recordAt<D>(index: number, data: D): StreamRecord<D> {
    return kinesisStreamRecord(this.records[index] as CheckedKinesisRecord, this, data);
  }

  partitionKeyAt(index: number): string {
    return (this.records[index] as CheckedKinesisRecord).PartitionKey;
  }

  failureAt(index: number): SourceFailure {
    const record = this.records[index];
    let error: unknown;
    try {
      checkKinesisRecord(record, this);
    } catch (thrown) {
      error = thrown;
    }
    return { record: kinesisRecordIdentity(record, this), error, keyKnown: true };
  }

  identityAt(index: number): StreamRecord<Uint8Array> {
    const record = this.records[index];
    try {
      if (isKinesisRecord(record)) return kinesisStreamRecord(record, this, EMPTY);
    } catch {
      // a record whose fields cannot be read: what can be told of it
    }
    return kinesisRecordIdentity(record, this);
  }
}

/**
 * The records of one GetRecords page of a shard (AWS SDK v3 `Records`; a SubscribeToShard event's
 * `Records` are the same) as a record source for processBatch, which then checks and normalizes each
 * record just before decoding and handling it: no record object is made ahead of its turn, and each
 * record is touched once (the way `lambdaRecords` serves a Lambda event). A record that lacks a
 * field or has one of the wrong type fails as that record, at its turn (reason `decode`,
 * InvalidInputError `INVALID_KINESIS_RECORD`): the records before it are handled, and the walk
 * stops there or, with a dead-letter callback, goes on. KPL aggregates are expanded at their turn.
 *
 * @throws TypeError when `records` is not an array or `origin` lacks a stream ARN or shard id.
 */
export function kinesisRecords(records: readonly KinesisSdkRecord[], origin: ShardOrigin): KinesisRecords {
  if (!Array.isArray(records)) throw new TypeError('kinesisRecords(records, source): records must be an array');
  const { streamArn, shardId } = origin ?? {};
  if (typeof streamArn !== 'string' || streamArn === '' || typeof shardId !== 'string' || shardId === '') {
    throw new TypeError('kinesisRecords(records, source): source must be { streamArn, shardId } (non-empty strings)');
  }
  return new PageSource(records, streamArn, shardId);
}

/**
 * Normalizes every record of a GetRecords page now: each a StreamRecord with its bytes, or, when it
 * cannot be normalized, a RejectedRecord at its place with what can be told of it. For a consumer
 * that needs the whole page at once (the poller running a Lambda handler).
 */
export function fromKinesisRecords(records: readonly KinesisSdkRecord[], origin: ShardOrigin): BatchInput[] {
  const inputs = new Array<BatchInput>(records.length);
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    try {
      inputs[i] = fromKinesisRecord(record as KinesisSdkRecord, origin);
    } catch (error) {
      inputs[i] = { kind: 'rejected', record: kinesisRecordIdentity(record, origin), error };
    }
  }
  return inputs;
}

/** The payload bytes of a page's records (what the per-shard read limit of 2 MiB/s counts). */
export function payloadBytes(records: readonly KinesisSdkRecord[]): number {
  let bytes = 0;
  for (let i = 0; i < records.length; i++) {
    const data = (records[i] as KinesisSdkRecord | null | undefined)?.Data;
    if (data instanceof Uint8Array) bytes += data.byteLength;
  }
  return bytes;
}
