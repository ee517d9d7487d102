import type { StreamRecord } from '../record/stream-record.js';

/**
 * What {@link RecordSource.bytesAt} answers for a record that cannot be read (malformed, of another
 * shard, data that is not base64, a rejected input): {@link RecordSource.failureAt} says why.
 */
export const UNREADABLE: Uint8Array = Object.freeze(new Uint8Array(0)) as Uint8Array;

/** Why a record of a source cannot be read, and what can be told of it. */
export interface SourceFailure {
  /** The record as far as it can be told: its identity, with empty data (or its bytes, when it has some). */
  readonly record: StreamRecord<Uint8Array>;
  /**
   * Why: an InvalidInputError (a malformed record, one of another shard), a DecodeError (data that
   * is not base64), or the error of a rejected input.
   */
  readonly error: unknown;
  /**
   * False when the record's partition key cannot be trusted (a malformed record): with concurrency
   * by key, it then waits for every record before it, and nothing after it starts until it settled.
   */
  readonly keyKnown: boolean;
}

/**
 * The records of one shard in sequence order, as a transport delivered them, read one at a time at
 * each record's turn: every transport implements it (a Lambda event's `Records`, a GetRecords page's
 * or a SubscribeToShard event's `Records`, an array of records), and processBatch reads nothing
 * else. A record is normalized when it is read, once: `bytesAt` checks it and gives its bytes (for a
 * Lambda record, base64-decoded), `recordAt` builds its {@link StreamRecord} with whatever data the
 * codec made of those bytes.
 *
 * Made by `lambdaRecords`, `kinesisRecords` and `recordSource` (which also takes an array).
 */
export interface RecordSource {
  /** Records in the source (a KPL aggregate counts as one). */
  readonly length: number;
  /**
   * False when no record can be a KPL aggregate (the source looked, cheaply, when it was made), true
   * when it may hold some.
   */
  readonly mayHoldAggregates: boolean;
  /**
   * Reads record `index`: checks it and gives its bytes (no copy when the transport has them as
   * bytes), or {@link UNREADABLE}. With `scratch`, the bytes may live in a buffer the next call
   * reuses: for a caller done with them before any other code runs.
   */
  bytesAt(index: number, scratch: boolean): Uint8Array;
  /** The {@link StreamRecord} of record `index` (one `bytesAt` read) holding `data`. */
  recordAt<D>(index: number, data: D): StreamRecord<D>;
  /** The partition key of record `index` (one `bytesAt` read), without building its record. */
  partitionKeyAt(index: number): string;
  /** Why record `index` is {@link UNREADABLE}. */
  failureAt(index: number): SourceFailure;
  /**
   * What can be told of record `index` without reading its data, whatever the record holds (for
   * reports when a batch could not be walked): its identity with empty data. Never throws.
   */
  identityAt(index: number): StreamRecord<Uint8Array>;
}
