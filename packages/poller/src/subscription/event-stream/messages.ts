import { crc32 } from 'node:zlib';

/**
 * One message of an AWS event stream (`application/vnd.amazon.eventstream`), as SubscribeToShard
 * sends them: its headers (`:message-type`, `:event-type`, `:exception-type`...) and its payload.
 * @internal
 */
export interface EventStreamMessage {
  /** Header values by name: strings as strings, byte arrays as Buffers, integers as numbers, timestamps as Dates. */
  readonly headers: ReadonlyMap<string, HeaderValue>;
  readonly payload: Buffer;
}

/** A header value of an event-stream message. */
export type HeaderValue = string | number | bigint | boolean | Buffer | Date;

/** Bytes of the prelude (total length, headers length, prelude CRC32) and of the trailing message CRC32. */
const PRELUDE_BYTES = 12;
const CRC_BYTES = 4;
/** The largest message the framing allows (16 MiB, as AWS's event-stream codecs do). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Thrown for bytes that are not a well-formed event-stream message (a CRC32 mismatch, a length out
 * of bounds, a header of an unknown type, a stream cut inside a message). A plain `Error` with no
 * HTTP status, as the SDK's own codec throws: the subscription is made again after a backoff.
 * @internal
 */
export class EventStreamFramingError extends Error {
  override readonly name = 'EventStreamFramingError';
}

/**
 * The messages of an event-stream body, in order, each once its last byte has arrived: the framing
 * of the AWS event-stream encoding (prelude with a CRC32, headers, payload, message CRC32), both
 * checksums checked. It reads the body only as its messages are asked for (so HTTP/2 flow control
 * pushes back on a slow reader). Throws {@link EventStreamFramingError} on malformed bytes.
 * @internal
 */
export async function* eventStreamMessages(body: AsyncIterable<Uint8Array>): AsyncGenerator<EventStreamMessage> {
  /** Bytes received and not yet framed, as received (joined once the whole message is in). */
  let chunks: Buffer[] = [];
  let held = 0;
  /** The total length of the message being received; 0 until its prelude is in. */
  let needed = 0;
  let count = 0;
  for await (const chunk of body) {
    if (chunk.byteLength === 0) continue;
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    held += chunk.byteLength;
    for (;;) {
      if (needed === 0) {
        if (held < PRELUDE_BYTES) break;
        if ((chunks[0] as Buffer).byteLength < PRELUDE_BYTES) chunks = [Buffer.concat(chunks, held)];
        needed = messageLength(chunks[0] as Buffer, count + 1);
      }
      if (held < needed) break;
      const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, held);
      count++;
      const message = decodeMessage(all.subarray(0, needed), count);
      const rest = all.subarray(needed);
      chunks = rest.byteLength > 0 ? [rest] : [];
      held = rest.byteLength;
      needed = 0;
      yield message;
    }
  }
  if (held > 0) {
    throw new EventStreamFramingError(
      `event stream ended inside message ${count + 1} (${held} bytes of it received): the connection was cut`,
    );
  }
}

/** The total length of the message starting at `bytes` (its prelude checked). */
function messageLength(bytes: Buffer, n: number): number {
  const total = bytes.readUInt32BE(0);
  const headers = bytes.readUInt32BE(4);
  if (crc32(bytes.subarray(0, 8)) !== bytes.readUInt32BE(8)) {
    throw new EventStreamFramingError(`event stream message ${n}: prelude checksum mismatch`);
  }
  if (total < PRELUDE_BYTES + CRC_BYTES || total > MAX_MESSAGE_BYTES || headers > total - PRELUDE_BYTES - CRC_BYTES) {
    throw new EventStreamFramingError(
      `event stream message ${n}: total length ${total} and headers length ${headers} are out of bounds`,
    );
  }
  return total;
}

/** One whole message: its CRC32 checked, its headers read. */
function decodeMessage(bytes: Buffer, n: number): EventStreamMessage {
  const total = bytes.byteLength;
  if (crc32(bytes.subarray(0, total - CRC_BYTES)) !== bytes.readUInt32BE(total - CRC_BYTES)) {
    throw new EventStreamFramingError(`event stream message ${n}: message checksum mismatch`);
  }
  const headersEnd = PRELUDE_BYTES + bytes.readUInt32BE(4);
  return {
    headers: readHeaders(bytes, PRELUDE_BYTES, headersEnd, n),
    payload: bytes.subarray(headersEnd, total - CRC_BYTES),
  };
}

/**
 * The header value types of a fixed size: their size and how their bytes are read (2 byte, 3 short,
 * 4 integer, 5 long, 8 timestamp in epoch milliseconds, 9 UUID).
 */
const FIXED_SIZE: ReadonlyMap<number, readonly [number, (bytes: Buffer, at: number) => HeaderValue]> = new Map([
  [2, [1, (b, at) => b.readInt8(at)]],
  [3, [2, (b, at) => b.readInt16BE(at)]],
  [4, [4, (b, at) => b.readInt32BE(at)]],
  [5, [8, (b, at) => b.readBigInt64BE(at)]],
  [8, [8, (b, at) => new Date(Number(b.readBigInt64BE(at)))]],
  [9, [16, (b, at) => Buffer.from(b.subarray(at, at + 16))]],
]);

/** The headers in `bytes[start, end)`: name length (1 byte), name, type (1 byte), value. */
function readHeaders(bytes: Buffer, start: number, end: number, n: number): Map<string, HeaderValue> {
  const headers = new Map<string, HeaderValue>();
  let at = start;
  const need = (count: number) => {
    if (at + count > end)
      throw new EventStreamFramingError(`event stream message ${n}: a header runs past the headers`);
  };
  while (at < end) {
    need(1);
    const nameLength = bytes.readUInt8(at++);
    need(nameLength + 1);
    const name = bytes.toString('utf8', at, at + nameLength);
    at += nameLength;
    const type = bytes.readUInt8(at++);
    const fixed = FIXED_SIZE.get(type);
    let value: HeaderValue;
    if (type === 0 || type === 1) value = type === 0;
    else if (fixed !== undefined) {
      need(fixed[0]);
      value = fixed[1](bytes, at);
      at += fixed[0];
    } else if (type === 6 || type === 7) {
      // Byte array or string: a 2-byte length, then the bytes.
      need(2);
      const length = bytes.readUInt16BE(at);
      at += 2;
      need(length);
      value = type === 7 ? bytes.toString('utf8', at, at + length) : Buffer.from(bytes.subarray(at, at + length));
      at += length;
    } else {
      throw new EventStreamFramingError(
        `event stream message ${n}: header ${JSON.stringify(name)} has unknown type ${type}`,
      );
    }
    headers.set(name, value);
  }
  return headers;
}
