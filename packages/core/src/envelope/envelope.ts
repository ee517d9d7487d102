import { encodeUtf8, tryDecodeUtf8 } from '../codec/utf8.js';
import { InvalidInputError } from '../errors/record-errors.js';
import { decodeBase64Strict, encodeBase64 } from '../record/base64.js';
import type { StreamRecord } from '../record/stream-record.js';
import { parseExactJson } from './json-exact.js';

/** The `type` of every envelope. */
export const ENVELOPE_TYPE = 'streamshare.kinesis-record';

/**
 * A Kinesis record as the EventBridge forwarder puts it in an event's `detail`, and as the Lambda
 * adapter unwraps it on the other side.
 */
export interface RecordEnvelope {
  version: 1;
  type: 'streamshare.kinesis-record';
  /**
   * Dedupe id: `${streamArn}/${shardId}/${sequenceNumber}`, plus `/${subSequenceNumber}` for a KPL
   * user record.
   */
  id: string;
  streamArn: string;
  shardId: string;
  partitionKey: string;
  sequenceNumber: string;
  subSequenceNumber?: number;
  explicitHashKey?: string;
  /** ISO-8601. */
  approximateArrivalTimestamp: string;
  /**
   * `json` when the bytes are UTF-8 JSON that `JSON.stringify` reproduces (whitespace outside
   * strings aside), so that rules can match on it; `base64` otherwise.
   */
  dataEncoding: 'json' | 'base64';
  /** The JSON value when `dataEncoding` is `json`, else the bytes in base64. */
  data: unknown;
}

/** The dedupe id of a record: `${streamArn}/${shardId}/${sequenceNumber}[/${subSequenceNumber}]`. */
export function envelopeId(record: {
  readonly streamArn: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber?: number | undefined;
}): string {
  const base = `${record.streamArn}/${record.shardId}/${record.sequenceNumber}`;
  return record.subSequenceNumber === undefined ? base : `${base}/${record.subSequenceNumber}`;
}

/**
 * Wraps a record (raw bytes) into an envelope. The data is inlined as JSON only when no byte of
 * meaning is lost (see {@link RecordEnvelope.dataEncoding}); otherwise it is base64.
 */
export function toEnvelope(record: StreamRecord<Uint8Array>): RecordEnvelope {
  const text = tryDecodeUtf8(record.data);
  // The decoder drops a byte order mark: data with one would not come back exactly, so it goes base64.
  const bom = record.data[0] === 0xef && record.data[1] === 0xbb && record.data[2] === 0xbf;
  const exact = text === undefined || bom ? undefined : parseExactJson(text);
  const envelope: RecordEnvelope = {
    version: 1,
    type: ENVELOPE_TYPE,
    id: envelopeId(record),
    streamArn: record.streamArn,
    shardId: record.shardId,
    partitionKey: record.partitionKey,
    sequenceNumber: record.sequenceNumber,
  } as RecordEnvelope;
  if (record.subSequenceNumber !== undefined) envelope.subSequenceNumber = record.subSequenceNumber;
  if (record.explicitHashKey !== undefined) envelope.explicitHashKey = record.explicitHashKey;
  envelope.approximateArrivalTimestamp = record.approximateArrivalTimestamp.toISOString();
  if (exact) {
    envelope.dataEncoding = 'json';
    envelope.data = exact.value;
  } else {
    envelope.dataEncoding = 'base64';
    envelope.data = encodeBase64(record.data);
  }
  return envelope;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Why `value` is not an envelope, or `undefined` when it is one. */
function problemOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `expected an object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`;
  }
  const e = value as Record<string, unknown>;
  if (e.type !== ENVELOPE_TYPE) return `type should be "${ENVELOPE_TYPE}", got ${show(e.type)}`;
  if (e.version !== 1) return `version should be 1, got ${show(e.version)}`;
  for (const field of ['id', 'streamArn', 'shardId', 'partitionKey', 'sequenceNumber'] as const) {
    if (typeof e[field] !== 'string') return `${field} should be a string, got ${show(e[field])}`;
  }
  if (!/^\d+$/.test(e.sequenceNumber as string)) {
    return `sequenceNumber should be a decimal string, got ${show(e.sequenceNumber)}`;
  }
  const sub = e.subSequenceNumber;
  if (sub !== undefined && !(typeof sub === 'number' && Number.isSafeInteger(sub) && sub >= 0)) {
    return `subSequenceNumber should be a non-negative integer when present, got ${show(sub)}`;
  }
  if (e.explicitHashKey !== undefined && typeof e.explicitHashKey !== 'string') {
    return `explicitHashKey should be a string when present, got ${show(e.explicitHashKey)}`;
  }
  const expectedId = envelopeId(e as unknown as RecordEnvelope);
  if (e.id !== expectedId)
    return `id should be ${JSON.stringify(expectedId)} (stream/shard/sequence[/sub]), got ${show(e.id)}`;
  const at = e.approximateArrivalTimestamp;
  if (typeof at !== 'string' || !ISO_8601.test(at) || Number.isNaN(Date.parse(at))) {
    return `approximateArrivalTimestamp should be an ISO-8601 date-time string, got ${show(at)}`;
  }
  if (e.dataEncoding === 'json') {
    if (e.data === undefined) return 'data is missing (dataEncoding is "json")';
  } else if (e.dataEncoding === 'base64') {
    if (typeof e.data !== 'string' || decodeBase64Strict(e.data) === undefined) {
      return `data should be a base64 string (dataEncoding is "base64"), got ${typeof e.data === 'string' ? 'invalid base64' : show(e.data)}`;
    }
  } else {
    return `dataEncoding should be "json" or "base64", got ${show(e.dataEncoding)}`;
  }
  return undefined;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text =
    typeof value === 'object' && value !== null
      ? Array.isArray(value)
        ? 'an array'
        : 'an object'
      : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** True when `value` is a well-formed {@link RecordEnvelope}. */
export function isEnvelope(value: unknown): value is RecordEnvelope {
  return problemOf(value) === undefined;
}

/**
 * Unwraps an envelope into the record it carries. `data` is the UTF-8 bytes of
 * `JSON.stringify(data)` for `json`, the base64-decoded bytes for `base64`.
 *
 * @throws InvalidInputError (code `INVALID_ENVELOPE`) naming the field that is wrong.
 */
export function fromEnvelope(value: unknown): StreamRecord<Uint8Array> {
  const problem = problemOf(value);
  if (problem !== undefined) {
    throw new InvalidInputError('INVALID_ENVELOPE', `not a streamshare record envelope: ${problem}`);
  }
  const e = value as RecordEnvelope;
  const data =
    e.dataEncoding === 'json'
      ? encodeUtf8(JSON.stringify(e.data))
      : (decodeBase64Strict(e.data as string) as Uint8Array);
  const record: {
    -readonly [K in keyof StreamRecord<Uint8Array>]: StreamRecord<Uint8Array>[K];
  } = {
    streamArn: e.streamArn,
    shardId: e.shardId,
    partitionKey: e.partitionKey,
    sequenceNumber: e.sequenceNumber,
    approximateArrivalTimestamp: new Date(e.approximateArrivalTimestamp),
    data,
  };
  if (e.subSequenceNumber !== undefined) record.subSequenceNumber = e.subSequenceNumber;
  if (e.explicitHashKey !== undefined) record.explicitHashKey = e.explicitHashKey;
  return record;
}
