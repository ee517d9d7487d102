import type { LambdaRecords } from '../batch/types.js';
import { InvalidInputError } from '../errors/record-errors.js';
import { mayBeAggregateText } from '../expand/kpl.js';
import {
  base64Error,
  isSequenceNumber,
  type LambdaKinesisRecord,
  type LambdaReadCache,
  lambdaReadCache,
  lambdaStreamRecord,
  uncheckedIdentity,
} from '../normalize/lambda-record.js';
import { checkRecordOfBatch, isRecordOfBatch } from '../normalize/lambda-shard-check.js';
import { decodeBase64Strict, decodeBase64Transient } from '../record/base64.js';
import type { StreamRecord } from '../record/stream-record.js';
import { type RecordSource, type SourceFailure, UNREADABLE } from './record-source.js';

const EMPTY = new Uint8Array(0);

/**
 * The records of a Lambda Kinesis event, read one at a time: each record is checked at its turn
 * against the first (its stream and shard), then its data base64-decoded.
 */
export class LambdaSource implements LambdaRecords, RecordSource {
  readonly kind = 'lambda-records';
  readonly length: number;
  readonly mayHoldAggregates: boolean;
  /** What the records share (their shard id), for building them. */
  readonly #cache: LambdaReadCache;

  constructor(
    readonly records: readonly LambdaKinesisRecord[],
    readonly streamArn: string | undefined,
    readonly shardId: string | undefined,
    readonly aggregates: boolean,
  ) {
    this.length = records.length;
    this.mayHoldAggregates = aggregates;
    this.#cache = lambdaReadCache(shardId, streamArn);
  }

  bytesAt(index: number, scratch: boolean): Uint8Array {
    const record = this.records[index] as LambdaKinesisRecord;
    if (!isRecordOfBatch(record, this.streamArn as string, this.shardId as string)) return UNREADABLE;
    const data = record.kinesis.data;
    return (scratch ? decodeBase64Transient(data) : decodeBase64Strict(data)) ?? UNREADABLE;
  }

  recordAt<D>(index: number, data: D): StreamRecord<D> {
    return lambdaStreamRecord(this.records[index] as LambdaKinesisRecord, data, this.#cache);
  }

  partitionKeyAt(index: number): string {
    return (this.records[index] as LambdaKinesisRecord).kinesis.partitionKey;
  }

  failureAt(index: number): SourceFailure {
    const record: unknown = this.records[index];
    try {
      checkRecordOfBatch(record, index, this);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      return { record: uncheckedIdentity(record), error, keyKnown: false };
    }
    const cache = this.#cache;
    return { record: lambdaStreamRecord(record, EMPTY, cache), error: base64Error(record, cache), keyKnown: true };
  }

  identityAt(index: number): StreamRecord<Uint8Array> {
    const record: unknown = this.records[index];
    try {
      if (isRecordOfBatch(record, this.streamArn as string, this.shardId as string)) {
        return lambdaStreamRecord(record as LambdaKinesisRecord, EMPTY, this.#cache);
      }
    } catch {
      // a record whose fields cannot be read: what can be told of it
    }
    return uncheckedIdentity(record);
  }
}

/**
 * The records of a Lambda Kinesis event (`event.Records`) as a record source for processBatch, which
 * reads each record just before decoding and handling it: only one record's bytes are in memory at a
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
    if (!aggregates && typeof data === 'string' && mayBeAggregateText(data)) aggregates = true;
    const sequenceNumber = kinesis.sequenceNumber;
    if (typeof sequenceNumber === 'string' && !isSequenceNumber(sequenceNumber)) {
      unnamable ??= [];
      unnamable.push(i);
    }
  }
  const marked = unnamable === undefined ? records : withUnnamableMarked(records, unnamable);
  return new LambdaSource(marked, streamArn, shardId, aggregates);
}

/**
 * The records with those at `indices` (a sequence number that is not a Kinesis one) replaced by a
 * copy that fails the quick check of its turn (`isRecordOfBatch`: no `eventSource`), so that
 * its full check (`checkRecordOfBatch`) fails it as that record, naming its
 * `kinesis.sequenceNumber`. The event's own array and records are left as they are.
 */
function withUnnamableMarked(records: readonly LambdaKinesisRecord[], indices: number[]): LambdaKinesisRecord[] {
  const marked = records.slice();
  for (const i of indices) marked[i] = { ...(records[i] as LambdaKinesisRecord), eventSource: UNCHECKED };
  return marked;
}

/** What a marked record has as its `eventSource` (never `aws:kinesis`). */
const UNCHECKED = 'streamshare:sequence-number-to-check';
