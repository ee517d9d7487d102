import { createHash } from 'node:crypto';
import { type AggregateErrorReason, KplAggregateError } from '../errors/record-errors.js';
import type { StreamRecord } from '../record/stream-record.js';

/** The 4 bytes a KPL aggregated record starts with. */
export const KPL_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
const DIGEST_LENGTH = 16;
const HEADER_LENGTH = 4;

/** True when the data starts with the KPL magic bytes (`F3 89 9A C2`). */
export function isAggregated(data: Uint8Array): boolean {
  return data.length >= HEADER_LENGTH && data[0] === 0xf3 && data[1] === 0x89 && data[2] === 0x9a && data[3] === 0xc2;
}

const utf8 = new TextDecoder('utf-8');

/** Thrown inside the parser, turned into an AggregateError naming the record by `deaggregate`. */
class Corrupt {
  constructor(
    readonly reason: AggregateErrorReason,
    readonly detail: string,
  ) {}
}

/**
 * Decoding state. The varint reader stores its result in `value` and returns the next position,
 * so that reading allocates nothing.
 */
interface Cursor {
  value: number;
}

/** Reads a varint (up to 10 bytes, values above 2^53 lose precision but are then bad indexes anyway). */
function readVarint(buf: Uint8Array, pos: number, end: number, out: Cursor, what: string): number {
  let b = 0;
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new Corrupt('TRUNCATED', `${what}: varint runs past the end of its message`);
    b = buf[pos++]!;
    result += (b & 0x7f) * scale;
    if (b < 0x80) {
      out.value = result;
      return pos;
    }
    scale *= 128;
  }
  throw new Corrupt('MALFORMED', `${what}: varint longer than 10 bytes`);
}

/** Skips a field of an unknown number (forward compatibility), returns the next position. */
function skipField(buf: Uint8Array, pos: number, end: number, wireType: number, out: Cursor, what: string): number {
  switch (wireType) {
    case 0:
      return readVarint(buf, pos, end, out, what);
    case 1:
      pos += 8;
      break;
    case 2:
      pos = readVarint(buf, pos, end, out, what);
      pos += out.value;
      break;
    case 5:
      pos += 4;
      break;
    default:
      throw new Corrupt('MALFORMED', `${what}: unsupported wire type ${wireType}`);
  }
  if (pos > end) throw new Corrupt('TRUNCATED', `${what}: field runs past the end of its message`);
  return pos;
}

function checkDigest(data: Uint8Array, end: number): void {
  const digest = createHash('md5').update(data.subarray(HEADER_LENGTH, end)).digest();
  for (let i = 0; i < DIGEST_LENGTH; i++) {
    if (digest[i] !== data[end + i]) {
      throw new Corrupt('CHECKSUM_MISMATCH', 'the MD5 of the protobuf message does not match the last 16 bytes');
    }
  }
}

/**
 * Expands a KPL aggregated record (magic `F3 89 9A C2`, protobuf `AggregatedRecord`, MD5 trailer)
 * into its user records, in order: each keeps the aggregate's sequence number, stream, shard,
 * arrival time and encryption type, and gets `subSequenceNumber` (its index), `aggregateSize`,
 * its own partition key and explicit hash key (from the aggregate's tables), and its data as a view
 * into the aggregate's bytes (no copy).
 *
 * A record without the magic bytes is returned alone, unchanged (`[record]`).
 *
 * @throws AggregateError for a corrupt aggregate, with `reason` `CHECKSUM_MISMATCH` (MD5 differs),
 *   `TRUNCATED` (a field or varint runs past the end), `BAD_TABLE_INDEX` (a key index outside its
 *   table) or `MALFORMED` (bad wire type, overlong varint, missing required field).
 */
export function deaggregate(record: StreamRecord<Uint8Array>): StreamRecord<Uint8Array>[] {
  const data = record.data;
  if (!isAggregated(data)) return [record];
  try {
    return expand(record, data);
  } catch (error) {
    if (error instanceof Corrupt) throw new KplAggregateError(record, error.reason, error.detail);
    throw error;
  }
}

function expand(record: StreamRecord<Uint8Array>, data: Uint8Array): StreamRecord<Uint8Array>[] {
  if (data.length < HEADER_LENGTH + DIGEST_LENGTH) {
    throw new Corrupt('TRUNCATED', `${data.length} bytes is too short for the magic bytes and the MD5 trailer`);
  }
  const end = data.length - DIGEST_LENGTH;
  checkDigest(data, end);

  const cursor: Cursor = { value: 0 };
  const partitionKeys: string[] = [];
  const hashKeys: string[] = [];
  // Per user record: partition key index, explicit hash key index (-1 when absent), data start, data end.
  const fields: number[] = [];

  let pos = HEADER_LENGTH;
  while (pos < end) {
    pos = readVarint(data, pos, end, cursor, 'AggregatedRecord');
    const tag = cursor.value;
    const fieldNumber = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (fieldNumber >= 1 && fieldNumber <= 3) {
      if (wireType !== 2) {
        throw new Corrupt('MALFORMED', `AggregatedRecord field ${fieldNumber} has wire type ${wireType}, expected 2`);
      }
      pos = readVarint(data, pos, end, cursor, 'AggregatedRecord');
      const start = pos;
      const stop = pos + cursor.value;
      if (stop > end) {
        throw new Corrupt('TRUNCATED', `AggregatedRecord field ${fieldNumber} runs past the end of the message`);
      }
      if (fieldNumber === 3) readRecord(data, start, stop, cursor, fields);
      else (fieldNumber === 1 ? partitionKeys : hashKeys).push(utf8.decode(data.subarray(start, stop)));
      pos = stop;
    } else if (fieldNumber === 0) {
      throw new Corrupt('MALFORMED', 'AggregatedRecord has a field number 0');
    } else {
      pos = skipField(data, pos, end, wireType, cursor, 'AggregatedRecord');
    }
  }

  const count = fields.length / 4;
  const out: StreamRecord<Uint8Array>[] = new Array(count);
  const { streamArn, shardId, sequenceNumber, approximateArrivalTimestamp, encryptionType } = record;
  const buffer = data.buffer;
  const base = data.byteOffset;
  const pkCount = partitionKeys.length;
  const ehkCount = hashKeys.length;
  for (let i = 0, f = 0; i < count; i++, f += 4) {
    const pk = fields[f]!;
    const ehk = fields[f + 1]!;
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
    const start = fields[f + 2]!;
    out[i] = {
      streamArn,
      shardId,
      partitionKey: partitionKeys[pk]!,
      sequenceNumber,
      subSequenceNumber: i,
      aggregateSize: count,
      explicitHashKey: ehk < 0 ? undefined : hashKeys[ehk],
      approximateArrivalTimestamp,
      encryptionType,
      data: new Uint8Array(buffer, base + start, fields[f + 3]! - start),
    };
  }
  return out;
}

/** Reads one `Record` message in [pos, end) and appends its four numbers to `fields`. */
function readRecord(data: Uint8Array, pos: number, end: number, cursor: Cursor, fields: number[]): void {
  let pk = -1;
  let ehk = -1;
  let dataStart = -1;
  let dataEnd = -1;
  const index = fields.length / 4;
  while (pos < end) {
    // Fast path: single-byte tags (field numbers below 16).
    let tag = data[pos]!;
    if (tag < 0x80) pos++;
    else {
      pos = readVarint(data, pos, end, cursor, `user record ${index}`);
      tag = cursor.value;
    }
    switch (tag) {
      case 0x08: // partition_key_index, varint
        pos = readVarint(data, pos, end, cursor, `user record ${index}`);
        pk = cursor.value;
        break;
      case 0x10: // explicit_hash_key_index, varint
        pos = readVarint(data, pos, end, cursor, `user record ${index}`);
        ehk = cursor.value;
        break;
      case 0x1a: // data, bytes
        pos = readVarint(data, pos, end, cursor, `user record ${index}`);
        dataStart = pos;
        pos += cursor.value;
        if (pos > end) throw new Corrupt('TRUNCATED', `user record ${index}: its data runs past the end of the record`);
        dataEnd = pos;
        break;
      default: {
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
        pos = skipField(data, pos, end, wireType, cursor, `user record ${index}`);
      }
    }
  }
  if (pk < 0) throw new Corrupt('MALFORMED', `user record ${index} has no partition_key_index`);
  if (dataStart < 0) throw new Corrupt('MALFORMED', `user record ${index} has no data`);
  fields.push(pk, ehk, dataStart, dataEnd);
}
