import { crc32 } from 'node:zlib';
import { EventStreamCodec } from '@smithy/core/event-streams';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const codec = new EventStreamCodec(
  (bytes) => decoder.decode(bytes),
  (text) => encoder.encode(text),
);

/** The content type of an awsJson1_1 event payload. */
export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

/** One Kinesis record as SubscribeToShard sends it (the GetRecords JSON shape: Data in base64). */
export interface WireRecord {
  readonly Data: string;
  readonly PartitionKey: string;
  readonly SequenceNumber: string;
  readonly ApproximateArrivalTimestamp?: number;
  readonly EncryptionType?: string;
  readonly ExplicitHashKey?: string;
}

/** One child shard of a `SubscribeToShardEvent` at the end of a shard. */
export interface WireChildShard {
  readonly ShardId: string;
  readonly ParentShards: readonly string[];
  readonly HashKeyRange: { readonly StartingHashKey: string; readonly EndingHashKey: string };
}

/** The payload of a `SubscribeToShardEvent`. */
export interface WireShardEvent {
  readonly Records: readonly WireRecord[];
  readonly ContinuationSequenceNumber: string | null;
  readonly MillisBehindLatest: number;
  readonly ChildShards?: readonly WireChildShard[];
}

function message(headers: Record<string, string>, body: unknown): Uint8Array {
  const tagged: Record<string, { type: 'string'; value: string }> = {};
  for (const [name, value] of Object.entries(headers)) tagged[name] = { type: 'string', value };
  return codec.encode({ headers: tagged, body: encoder.encode(JSON.stringify(body)) });
}

/** The first message of a SubscribeToShard response: the (empty) operation output. */
export function initialResponseMessage(): Uint8Array {
  return message(
    { ':message-type': 'event', ':event-type': 'initial-response', ':content-type': JSON_CONTENT_TYPE },
    {},
  );
}

/** A `SubscribeToShardEvent` message in the AWS event-stream framing (prelude, headers, payload, CRC32s). */
export function shardEventMessage(event: WireShardEvent): Uint8Array {
  return message(
    { ':message-type': 'event', ':event-type': 'SubscribeToShardEvent', ':content-type': JSON_CONTENT_TYPE },
    event,
  );
}

/** A modeled exception inside the event stream, e.g. `KMSAccessDeniedException`. */
export function exceptionMessage(type: string, text: string): Uint8Array {
  return message(
    { ':message-type': 'exception', ':exception-type': type, ':content-type': JSON_CONTENT_TYPE },
    { message: text },
  );
}

/** A copy of `bytes` whose last byte (inside the message CRC32) is flipped: the decoder must refuse it. */
export function corruptMessageCrc(bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 0xff;
  return copy;
}

/** Decodes one framed message (for tests of the server itself). */
export function decodeEventMessage(bytes: Uint8Array): { headers: Record<string, unknown>; body: unknown } {
  const decoded = codec.decode(bytes);
  const headers: Record<string, unknown> = {};
  for (const [name, header] of Object.entries(decoded.headers)) headers[name] = header.value;
  const text = decoder.decode(decoded.body);
  return { headers, body: text === '' ? undefined : JSON.parse(text) };
}

const SHARD_EVENT_HEADERS: Buffer = (() => {
  const parts: Buffer[] = [];
  for (const [name, value] of [
    [':message-type', 'event'],
    [':event-type', 'SubscribeToShardEvent'],
    [':content-type', JSON_CONTENT_TYPE],
  ] as const) {
    const nameBytes = Buffer.from(name);
    const valueBytes = Buffer.from(value);
    const header = Buffer.alloc(1 + nameBytes.length + 1 + 2 + valueBytes.length);
    let at = header.writeUInt8(nameBytes.length, 0);
    at += nameBytes.copy(header, at);
    at = header.writeUInt8(7, at); // string
    at = header.writeUInt16BE(valueBytes.length, at);
    valueBytes.copy(header, at);
    parts.push(header);
  }
  return Buffer.concat(parts);
})();

/**
 * The same bytes as {@link shardEventMessage}, framed here with `Buffer` and node's `zlib.crc32`
 * instead of `@smithy/core`'s codec and `TextEncoder` (several times faster on large events): for
 * the `generate` script, whose events benchmarks drain as fast as the client reads.
 */
export function fastShardEventMessage(event: WireShardEvent): Uint8Array {
  return frameShardEventJson(JSON.stringify(event));
}

/** A `SubscribeToShardEvent` message whose payload is `json` (the event as JSON text), framed as {@link fastShardEventMessage} does. */
export function frameShardEventJson(json: string): Uint8Array {
  const payloadLength = Buffer.byteLength(json);
  const headersEnd = 12 + SHARD_EVENT_HEADERS.length;
  const total = headersEnd + payloadLength + 4;
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32BE(total, 0);
  out.writeUInt32BE(SHARD_EVENT_HEADERS.length, 4);
  out.writeUInt32BE(crc32(out.subarray(0, 8)), 8);
  SHARD_EVENT_HEADERS.copy(out, 12);
  out.write(json, headersEnd, 'utf8');
  out.writeUInt32BE(crc32(out.subarray(0, total - 4)), total - 4);
  return out;
}
