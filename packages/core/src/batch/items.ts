import { reasonOf } from '../codec/reason.js';
import { DecodeError, InvalidInputError, KplAggregateError } from '../errors/record-errors.js';
import { deaggregate, isAggregated } from '../kpl/deaggregate.js';
import {
  checkKinesisRecord,
  type KinesisRecordSource,
  type KinesisSdkRecord,
  kinesisRecordIdentity,
  kinesisStreamRecord,
} from '../record/kinesis-record.js';
import {
  type LambdaKinesisRecord,
  type LambdaReadCache,
  lambdaReadCache,
  lambdaStreamRecord,
  readLambdaRecord,
  uncheckedIdentity,
} from '../record/lambda-record.js';
import type { StreamRecord } from '../record/stream-record.js';
import { checkRecordOfBatch, mayBeAggregate } from './lambda-records.js';
import type { BatchInput, FailedRecord, KinesisRecords, LambdaRecords } from './types.js';

/** An input that fails before decoding: rejected by the transport, or a corrupt KPL aggregate. */
export interface PreFailure {
  readonly error: unknown;
  readonly reason: Extract<FailedRecord['reason'], 'decode' | 'aggregate'>;
  /**
   * The user records (and so partition keys) hidden in it are unknown: with concurrency, nothing
   * after it starts until it is dead-lettered.
   */
  readonly barrier: boolean;
}

/** A batch laid out in walking order: one entry per user record (or per input that failed whole). */
export interface Items {
  /**
   * The raw records. In a deferred layout (see {@link layOutLambda}) an entry may instead be the
   * Lambda record itself, checked and read (base64-decoded) only at its turn: see {@link deferredAt}.
   */
  readonly records: (StreamRecord<Uint8Array> | LambdaKinesisRecord)[];
  /**
   * True when `records` is the event's own array, every entry a Lambda record still to be checked
   * at its turn (its index there is its index in the event); false when the layout was built.
   */
  readonly raw: boolean;
  /** Pre-failures by index into `records` (undefined when there are none: the common case). */
  readonly failures: Map<number, PreFailure> | undefined;
  /** Set for a deferred layout: what its records share (the shard id). */
  readonly lambda: LambdaReadCache | undefined;
  /**
   * Set for a deferred GetRecords page (see {@link layOutKinesis}): `records` holds the SDK records,
   * each checked and normalized at its turn, all of this stream and shard.
   */
  readonly kinesis: KinesisRecordSource | undefined;
}

const EMPTY = new Uint8Array(0);

/** Items with no records (same shape as a layout's), for a retired walker. */
export function emptyItems(lambda: LambdaReadCache | undefined, kinesis: KinesisRecordSource | undefined): Items {
  return { records: [], failures: undefined, lambda, raw: false, kinesis };
}

/** A GetRecords page laid out as it is: each record checked and normalized at its turn. */
export function layOutKinesis(page: KinesisRecords): Items {
  return {
    records: page.records as unknown as StreamRecord<Uint8Array>[],
    failures: undefined,
    lambda: undefined,
    raw: false,
    kinesis: { streamArn: page.streamArn, shardId: page.shardId },
  };
}

/** The Lambda record at `index` when it is still to be read, else undefined. */
export function deferredAt(items: Items, index: number): LambdaKinesisRecord | undefined {
  if (items.lambda === undefined) return undefined;
  if (items.raw) return items.records[index] as LambdaKinesisRecord;
  const entry = items.records[index] as StreamRecord<Uint8Array> | LambdaKinesisRecord;
  return (entry as Partial<LambdaKinesisRecord>).kinesis === undefined ? undefined : (entry as LambdaKinesisRecord);
}

/**
 * The record at `index` for reports: a deferred Lambda record is read now (with empty data when its
 * data is not base64, with what can be told of it when it is malformed), or, with `identityOnly`
 * (for a checkpoint), built without its data.
 */
export function recordAt(items: Items, index: number, identityOnly = false): StreamRecord<Uint8Array> {
  const kinesis = items.kinesis;
  if (kinesis !== undefined) {
    const record = items.records[index] as KinesisSdkRecord;
    try {
      checkKinesisRecord(record, kinesis);
    } catch {
      return kinesisRecordIdentity(record, kinesis);
    }
    return kinesisStreamRecord(record, kinesis, identityOnly ? EMPTY : record.Data);
  }
  const deferred = deferredAt(items, index);
  if (deferred === undefined) return items.records[index] as StreamRecord<Uint8Array>;
  if (items.raw && checkAtTurn(items, deferred, index) !== undefined) return uncheckedIdentity(deferred);
  if (identityOnly) return lambdaStreamRecord(deferred, EMPTY, items.lambda);
  try {
    return readLambdaRecord(deferred, items.lambda);
  } catch {
    return lambdaStreamRecord(deferred, EMPTY, items.lambda);
  }
}

/**
 * Checks a raw Lambda record at its turn against the batch's first record: the InvalidInputError
 * that makes it fail as that record, or undefined when it is fine.
 */
export function checkAtTurn(items: Items, record: unknown, index: number): InvalidInputError | undefined {
  try {
    checkRecordOfBatch(record, index, items.lambda);
    return undefined;
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
}

/** A Lambda record read now: the record, or the rejected input of a record whose data is not base64. */
function readNow(record: LambdaKinesisRecord, cache: LambdaReadCache): BatchInput {
  try {
    return readLambdaRecord(record, cache);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    return { kind: 'rejected', record: lambdaStreamRecord(record, EMPTY, cache), error };
  }
}

/**
 * Lays out the records of a Lambda event, deferring the checking and reading of each to its turn:
 * only the record being handled holds its bytes. When some records may be KPL aggregates (and
 * `expand`), every record is checked now and those are read now, to be expanded; with `eager`
 * (concurrency by key, where an unreadable record must be a barrier known up front) every record
 * is checked and read now, exactly as {@link layOut} would have it. A record that fails the check
 * then is a pre-failure (a barrier: its partition key is not to be trusted).
 */
export function layOutLambda(lambda: LambdaRecords, expand: boolean, eager: boolean): Items {
  const cache = lambdaReadCache(lambda.shardId, lambda.streamArn);
  const inputs = lambda.records;
  // The common case: nothing to read now, the event's array is the layout.
  if (!eager && !(expand && lambda.aggregates)) {
    return {
      records: inputs as LambdaKinesisRecord[],
      failures: undefined,
      lambda: cache,
      raw: true,
      kinesis: undefined,
    };
  }
  const layout = new Layout(expand, []);
  for (let i = 0; i < inputs.length; i++) {
    const record: unknown = inputs[i];
    try {
      checkRecordOfBatch(record, i, cache);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      layout.fail(layout.records.length, { error, reason: 'decode', barrier: true });
      layout.records.push(uncheckedIdentity(record));
      continue;
    }
    if (!eager && !(expand && mayBeAggregate(record.kinesis.data))) layout.records.push(record);
    else layout.place(readNow(record, cache));
  }
  return { records: layout.records, failures: layout.failures, lambda: cache, raw: false, kinesis: undefined };
}

/** Expands KPL aggregates (when asked) and marks rejected inputs and corrupt aggregates. */
export function layOut(inputs: readonly BatchInput[], expand: boolean): Items {
  const records: StreamRecord<Uint8Array>[] = [];
  let layout: Layout | undefined;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i] as BatchInput;
    // The common case (a plain record, nothing to expand) without a call.
    if (
      layout === undefined &&
      (input as { kind?: unknown }).kind !== 'rejected' &&
      (!expand ||
        !((input as StreamRecord<Uint8Array>).data instanceof Uint8Array) ||
        !isAggregated((input as StreamRecord<Uint8Array>).data))
    ) {
      records.push(input as StreamRecord<Uint8Array>);
      continue;
    }
    layout ??= new Layout(expand, records);
    layout.place(input);
  }
  return { records, failures: layout?.failures, lambda: undefined, raw: false, kinesis: undefined };
}

/** Items being laid out, one input after the other. */
class Layout {
  failures: Map<number, PreFailure> | undefined;

  constructor(
    readonly expand: boolean,
    readonly records: (StreamRecord<Uint8Array> | LambdaKinesisRecord)[],
  ) {}

  /** Adds an input (its user records, for an aggregate expanded). */
  place(input: BatchInput): void {
    const records = this.records;
    if ((input as { kind?: unknown }).kind === 'rejected') {
      const rejected = input as Extract<BatchInput, { kind: 'rejected' }>;
      this.fail(records.length, { error: rejected.error, reason: 'decode', barrier: this.expand });
      records.push(rejected.record);
      return;
    }
    const record = input as StreamRecord<Uint8Array>;
    if (!this.expand || !(record.data instanceof Uint8Array) || !isAggregated(record.data)) {
      records.push(record);
      return;
    }
    let users: StreamRecord<Uint8Array>[];
    try {
      users = deaggregate(record);
    } catch (error) {
      const wrapped =
        error instanceof KplAggregateError ? error : new KplAggregateError(record, 'MALFORMED', reasonOf(error));
      this.fail(records.length, { error: wrapped, reason: 'aggregate', barrier: true });
      records.push(record);
      return;
    }
    for (const user of users) records.push(user);
  }

  fail(index: number, failure: PreFailure): void {
    this.failures ??= new Map();
    this.failures.set(index, failure);
  }
}
