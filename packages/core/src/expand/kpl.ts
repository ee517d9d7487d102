import { createHash } from 'node:crypto';
import type { SequenceCheckpoint } from '../checkpoint/checkpoint.js';
import { reasonOf } from '../codec/reason.js';
import { KplAggregateError, type KplAggregateErrorReason } from '../errors/record-errors.js';
import { compareSequenceNumbers } from '../record/sequence.js';
import type { StreamRecord } from '../record/stream-record.js';

/**
 * Everything streamshare knows of KPL aggregation, in one module: how an aggregate is recognised
 * (its magic bytes, or their base64 form), how it is checked and read (protobuf
 * `AggregatedRecord`, MD5 trailer), how its user records are made, and where a partly done
 * aggregate resumes. The expand stage (`units.ts`) and `deaggregate` use it; nothing else looks
 * for aggregates.
 */

/** The 4 bytes a KPL aggregated record starts with. */
export const KPL_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
const DIGEST_LENGTH = 16;
const HEADER_LENGTH = 4;

/** True when the data starts with the KPL magic bytes (`F3 89 9A C2`). */
export function isAggregated(data: Uint8Array): boolean {
  return data.length >= HEADER_LENGTH && data[0] === 0xf3 && data[1] === 0x89 && data[2] === 0x9a && data[3] === 0xc2;
}

/**
 * Could this base64 text (a Lambda record's data) hold a KPL aggregate? The magic bytes encode as
 * `84maw` followed by one of `g`..`v`; no other text decodes to them.
 */
export function mayBeAggregateText(data: string): boolean {
  // The first character alone rules out almost every record (JSON data starts `ey`).
  return data.charCodeAt(0) === 0x38 && data.startsWith('84maw');
}

/**
 * The first user record of an aggregate still to deliver: past those a partly done checkpoint
 * (`complete: false`, the aggregate's sequence number) says were done; 0 otherwise.
 */
export function firstUserRecord(sequenceNumber: string, resumeFrom: SequenceCheckpoint | undefined): number {
  if (resumeFrom === undefined || resumeFrom.complete) return 0;
  return compareSequenceNumbers(sequenceNumber, resumeFrom.sequenceNumber) === 0 ? resumeFrom.subSequenceNumber + 1 : 0;
}

/**
 * The checkpoint past a whole aggregate of `count` user records: at its last user record, complete
 * (as a record done at the end of an aggregate is: see checkpointOf), or, for an aggregate of no
 * user record, at sub-sequence 0 (the form of a plain record). For an aggregate passed without a
 * user record to deliver: none in it, or all done before (`resumeFrom`).
 */
export function pastAggregate(sequenceNumber: string, count: number): SequenceCheckpoint {
  return { sequenceNumber, subSequenceNumber: Math.max(count - 1, 0), complete: true };
}

const utf8 = new TextDecoder('utf-8');

/** Thrown inside the parser, turned into an KplAggregateError naming the record by {@link readAggregate}. */
class Corrupt {
  constructor(
    readonly reason: KplAggregateErrorReason,
    readonly detail: string,
  ) {}
}

/** Where the varint reader leaves its value (reading allocates nothing). */
interface Cursor {
  value: number;
}

/**
 * A checked KPL aggregate: its user records' keys and where their data lies. User records are made
 * from it one at a time, each with whatever data it is given (its bytes, or the codec's value).
 */
export class Aggregate {
  constructor(
    /** The aggregated record. */
    readonly outer: StreamRecord<Uint8Array>,
    /** User records in it. */
    readonly count: number,
    private readonly partitionKeys: readonly string[],
    /** The explicit hash key table, an entry that is not a hash key read as none (see {@link hashKeyOrNone}). */
    private readonly hashKeys: readonly (string | undefined)[],
    /** Per user record: partition key index, explicit hash key index (-1: none), data start, data end. */
    private readonly fields: Float64Array,
  ) {}

  /** The bytes of user record `i`: a view into the aggregate's (no copy). */
  bytes(i: number): Uint8Array {
    const data = this.outer.data;
    const fields = this.fields;
    const start = fields[i * 4 + 2] as number;
    return new Uint8Array(data.buffer, data.byteOffset + start, (fields[i * 4 + 3] as number) - start);
  }

  /** The partition key of user record `i`. */
  partitionKey(i: number): string {
    return this.partitionKeys[this.fields[i * 4] as number] as string;
  }

  /**
   * User record `i` holding `data`: the aggregate's sequence number, stream, shard, arrival time and
   * encryption type, its own partition key and explicit hash key (none when its table entry is not a
   * hash key: see {@link hashKeyOrNone}), `subSequenceNumber` `i` and `aggregateSize`.
   */
  record<D>(i: number, data: D): StreamRecord<D> {
    const outer = this.outer;
    const ehk = this.fields[i * 4 + 1] as number;
    return {
      streamArn: outer.streamArn,
      shardId: outer.shardId,
      partitionKey: this.partitionKey(i),
      sequenceNumber: outer.sequenceNumber,
      subSequenceNumber: i,
      aggregateSize: this.count,
      explicitHashKey: ehk < 0 ? undefined : this.hashKeys[ehk],
      approximateArrivalTimestamp: outer.approximateArrivalTimestamp,
      encryptionType: outer.encryptionType,
      data,
    };
  }
}

/**
 * Checks and reads a KPL aggregated record (magic `F3 89 9A C2`, protobuf `AggregatedRecord`, MD5
 * trailer): every user record's keys and data range, every table index checked, so that a corrupt
 * aggregate fails whole before any of its user records is handled.
 *
 * @throws KplAggregateError for a corrupt aggregate, with `reason` `CHECKSUM_MISMATCH` (MD5 differs),
 *   `TRUNCATED` (a field or varint runs past the end), `BAD_TABLE_INDEX` (a key index outside its
 *   table) or `MALFORMED` (bad wire type, overlong varint, missing required field).
 */
export function readAggregate(record: StreamRecord<Uint8Array>): Aggregate {
  try {
    return parse(record);
  } catch (error) {
    if (error instanceof Corrupt) throw new KplAggregateError(record, error.reason, error.detail);
    if (error instanceof KplAggregateError) throw error;
    throw new KplAggregateError(record, 'MALFORMED', reasonOf(error));
  }
}

/**
 * Expands a KPL aggregated record into its user records, in order (see {@link Aggregate.record}),
 * each with its data as a view into the aggregate's bytes (no copy).
 *
 * A record without the magic bytes is returned alone, unchanged (`[record]`).
 *
 * @throws KplAggregateError for a corrupt aggregate (see {@link readAggregate}).
 */
export function deaggregate(record: StreamRecord<Uint8Array>): StreamRecord<Uint8Array>[] {
  if (!isAggregated(record.data)) return [record];
  const aggregate = readAggregate(record);
  const count = aggregate.count;
  const out: StreamRecord<Uint8Array>[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = aggregate.record(i, aggregate.bytes(i));
  return out;
}

/**
 * How many user records of a KPL aggregate are still to deliver (past those `resumeFrom` says were
 * done); a corrupt aggregate counts as one record (it fails whole).
 */
export function userRecordsLeft(record: StreamRecord<Uint8Array>, resumeFrom: SequenceCheckpoint | undefined): number {
  let count: number;
  try {
    count = parse(record).count;
  } catch {
    return 1;
  }
  return Math.max(0, count - firstUserRecord(record.sequenceNumber, resumeFrom));
}

function parse(record: StreamRecord<Uint8Array>): Aggregate {
  const data = record.data;
  if (data.length < HEADER_LENGTH + DIGEST_LENGTH) {
    throw new Corrupt('TRUNCATED', `${data.length} bytes is too short for the magic bytes and the MD5 trailer`);
  }
  const end = data.length - DIGEST_LENGTH;
  checkDigest(data, end);

  const cursor: Cursor = { value: 0 };
  const partitionKeys: string[] = [];
  const hashKeys: (string | undefined)[] = [];
  const fields = new Fields(countRecords(data, end));

  let pos = HEADER_LENGTH;
  while (pos < end) {
    // Tags below 0x80 (field numbers below 16) and lengths of up to 2 bytes are read in place.
    let tag = data[pos] as number;
    if (tag < 0x80) pos++;
    else {
      pos = readVarint(data, pos, end, cursor, TOP);
      tag = cursor.value;
    }
    const fieldNumber = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (fieldNumber >= 1 && fieldNumber <= 3) {
      if (wireType !== 2) {
        throw new Corrupt('MALFORMED', `AggregatedRecord field ${fieldNumber} has wire type ${wireType}, expected 2`);
      }
      pos = shortVarint(data, pos, end, cursor, TOP);
      const start = pos;
      const stop = pos + cursor.value;
      if (stop > end) {
        throw new Corrupt('TRUNCATED', `AggregatedRecord field ${fieldNumber} runs past the end of the message`);
      }
      if (fieldNumber === 3) readRecord(data, start, stop, cursor, fields);
      else if (fieldNumber === 1) partitionKeys.push(utf8.decode(data.subarray(start, stop)));
      else hashKeys.push(hashKeyOrNone(utf8.decode(data.subarray(start, stop))));
      pos = stop;
    } else if (fieldNumber === 0) {
      throw new Corrupt('MALFORMED', 'AggregatedRecord has a field number 0');
    } else {
      pos = skipField(data, pos, end, wireType, cursor, TOP);
    }
  }

  const count = fields.count;
  const values = fields.values;
  const pkCount = partitionKeys.length;
  const ehkCount = hashKeys.length;
  for (let i = 0, f = 0; i < count; i++, f += 4) {
    const pk = values[f] as number;
    const ehk = values[f + 1] as number;
    if (pk >= pkCount) {
      throw new Corrupt(
        'BAD_TABLE_INDEX',
        `user record ${i} has partition key index ${pk}, but the table has ${pkCount} entr${pkCount === 1 ? 'y' : 'ies'}`,
      );
    }
    if (ehk >= ehkCount) {
      throw new Corrupt(
        'BAD_TABLE_INDEX',
        `user record ${i} has explicit hash key index ${ehk}, but the table has ${ehkCount} entr${ehkCount === 1 ? 'y' : 'ies'}`,
      );
    }
  }
  return new Aggregate(record, count, partitionKeys, hashKeys, values);
}

/** An explicit hash key as Kinesis takes one: a decimal integer without a leading zero, of up to 39 digits. */
const HASH_KEY = /^(?:0|[1-9][0-9]{0,38})$/;
/** The largest hash key, 2^128 - 1 (39 digits). */
const MAX_HASH_KEY = '340282366920938463463374607431768211455';

/**
 * An entry of an aggregate's explicit hash key table as its user records carry it: the entry when it
 * is a hash key (a decimal integer from 0 to 2^128 - 1), else undefined, as if the producer had set
 * none. A hash key only chose the shard the aggregate was written to, so the user record loses
 * nothing; a producer that wrote something else (a JavaScript aggregator writing `String(undefined)`:
 * "undefined") did not set one. (KCL Java fails on such an entry and delivers none of the
 * aggregate's user records; here they are all delivered.)
 */
function hashKeyOrNone(text: string): string | undefined {
  if (!HASH_KEY.test(text)) return undefined;
  return text.length < MAX_HASH_KEY.length || text <= MAX_HASH_KEY ? text : undefined;
}

function checkDigest(data: Uint8Array, end: number): void {
  const digest = createHash('md5').update(data.subarray(HEADER_LENGTH, end)).digest();
  for (let i = 0; i < DIGEST_LENGTH; i++) {
    if (digest[i] !== data[end + i]) {
      throw new Corrupt('CHECKSUM_MISMATCH', 'the MD5 of the protobuf message does not match the last 16 bytes');
    }
  }
}

/** What a varint or field belongs to: a user record's index, or {@link TOP} for the AggregatedRecord. */
const TOP = -1;

/** The name of `owner` in messages (made only when one is thrown). */
function nameOf(owner: number): string {
  return owner === TOP ? 'AggregatedRecord' : `user record ${owner}`;
}

/** Reads a varint (up to 10 bytes, values above 2^53 lose precision but are then bad indexes anyway). */
function readVarint(buf: Uint8Array, pos: number, end: number, out: Cursor, owner: number): number {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new Corrupt('TRUNCATED', `${nameOf(owner)}: varint runs past the end of its message`);
    const b = buf[pos++] as number;
    result += (b & 0x7f) * scale;
    if (b < 0x80) {
      out.value = result;
      return pos;
    }
    scale *= 128;
  }
  throw new Corrupt('MALFORMED', `${nameOf(owner)}: varint longer than 10 bytes`);
}

/** {@link readVarint}, with the varints of 1 and 2 bytes (nearly all of an aggregate's) read in place. */
function shortVarint(buf: Uint8Array, pos: number, end: number, out: Cursor, owner: number): number {
  if (pos + 1 < end) {
    const b0 = buf[pos] as number;
    if (b0 < 0x80) {
      out.value = b0;
      return pos + 1;
    }
    const b1 = buf[pos + 1] as number;
    if (b1 < 0x80) {
      out.value = (b0 & 0x7f) + b1 * 128;
      return pos + 2;
    }
  }
  return readVarint(buf, pos, end, out, owner);
}

/** Skips a field of an unknown number (forward compatibility), returns the next position. */
function skipField(buf: Uint8Array, pos: number, end: number, wireType: number, out: Cursor, owner: number): number {
  switch (wireType) {
    case 0:
      return readVarint(buf, pos, end, out, owner);
    case 1:
      pos += 8;
      break;
    case 2:
      pos = readVarint(buf, pos, end, out, owner);
      pos += out.value;
      break;
    case 5:
      pos += 4;
      break;
    default:
      throw new Corrupt('MALFORMED', `${nameOf(owner)}: unsupported wire type ${wireType}`);
  }
  if (pos > end) throw new Corrupt('TRUNCATED', `${nameOf(owner)}: field runs past the end of its message`);
  return pos;
}

/** The four numbers of each user record read so far, in a typed array (pushing to a plain array costs more than the parsing). */
class Fields {
  values: Float64Array;
  count = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(Math.max(capacity, 1) * 4);
  }

  add(pk: number, ehk: number, start: number, end: number): void {
    let f = this.count * 4;
    if (f === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    const values = this.values;
    values[f++] = pk;
    values[f++] = ehk;
    values[f++] = start;
    values[f] = end;
    this.count++;
  }
}

/**
 * How many `Record` messages the AggregatedRecord in [4, end) seems to hold, read without checking
 * anything (the parse that follows does): the capacity to read them into. Never throws.
 */
function countRecords(data: Uint8Array, end: number): number {
  let count = 0;
  let pos = HEADER_LENGTH;
  while (pos < end) {
    const tag = data[pos++] as number;
    if (tag >= 0x80) break; // a field number above 15: not of a well-formed aggregate
    if ((tag & 7) !== 2) break;
    let length = 0;
    let scale = 1;
    let b: number;
    do {
      b = data[pos++] as number;
      length += (b & 0x7f) * scale;
      scale *= 128;
    } while (b >= 0x80 && scale < 2 ** 28);
    if (tag === 0x1a) count++;
    pos += length;
  }
  return count;
}

/** Reads one `Record` message in [pos, end) and adds its four numbers to `fields`. */
function readRecord(data: Uint8Array, pos: number, end: number, cursor: Cursor, fields: Fields): void {
  let pk = -1;
  let ehk = -1;
  let dataStart = -1;
  let dataEnd = -1;
  while (pos < end) {
    // Single-byte tags (field numbers below 16) and single-byte varints read in place.
    let tag = data[pos] as number;
    if (tag < 0x80) pos++;
    else {
      pos = readVarint(data, pos, end, cursor, fields.count);
      tag = cursor.value;
    }
    switch (tag) {
      case 0x08: // partition_key_index, varint
        pos = shortVarint(data, pos, end, cursor, fields.count);
        pk = cursor.value;
        break;
      case 0x10: // explicit_hash_key_index, varint
        pos = shortVarint(data, pos, end, cursor, fields.count);
        ehk = cursor.value;
        break;
      case 0x1a: // data, bytes
        pos = shortVarint(data, pos, end, cursor, fields.count);
        dataStart = pos;
        pos += cursor.value;
        if (pos > end) {
          throw new Corrupt('TRUNCATED', `user record ${fields.count}: its data runs past the end of the record`);
        }
        dataEnd = pos;
        break;
      default: {
        const index = fields.count;
        const fieldNumber = Math.floor(tag / 8);
        const wireType = tag & 7;
        if (fieldNumber === 0) throw new Corrupt('MALFORMED', `user record ${index} has a field number 0`);
        if (fieldNumber <= 3) {
          throw new Corrupt(
            'MALFORMED',
            `user record ${index}: field ${fieldNumber} has the wrong wire type ${wireType}`,
          );
        }
        // tags (4) and unknown fields
        pos = skipField(data, pos, end, wireType, cursor, index);
      }
    }
  }
  const index = fields.count;
  if (pk < 0) throw new Corrupt('MALFORMED', `user record ${index} has no partition_key_index`);
  if (dataStart < 0) throw new Corrupt('MALFORMED', `user record ${index} has no data`);
  fields.add(pk, ehk, dataStart, dataEnd);
}
