import { encodeUtf8, tryDecodeUtf8 } from '../codec/utf8.js';
import { InvalidInputError } from '../errors/record-errors.js';
import { describeThrown } from '../errors/thrown.js';
import { decodeBase64Strict, encodeBase64 } from '../record/base64.js';
import type { StreamRecord } from '../record/stream-record.js';
import { parseExactJson } from './json-exact.js';
import { toJsonText } from './json-stringify.js';

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
   * strings aside) and that nests at most `MAX_INLINED_JSON_DEPTH` levels, so that rules can
   * match on it; `base64` otherwise.
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

/** The envelope of a record and the JSON text of its `data`. */
function wrap(record: StreamRecord<Uint8Array>): { envelope: RecordEnvelope; dataJson: string } {
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
    return { envelope, dataJson: exact.json };
  }
  const base64 = encodeBase64(record.data);
  envelope.dataEncoding = 'base64';
  envelope.data = base64;
  return { envelope, dataJson: `"${base64}"` };
}

/**
 * Wraps a record (raw bytes) into an envelope. The data is inlined as JSON only when no byte of
 * meaning is lost and it nests at most `MAX_INLINED_JSON_DEPTH` levels (see
 * {@link RecordEnvelope.dataEncoding}); otherwise it is base64.
 */
export function toEnvelope(record: StreamRecord<Uint8Array>): RecordEnvelope {
  return wrap(record).envelope;
}

/**
 * The JSON text of a record's envelope, as the forwarder puts it in an event's `Detail`: the same
 * text as `JSON.stringify(toEnvelope(record))`, without serializing the data a second time.
 */
export function toEnvelopeJson(record: StreamRecord<Uint8Array>): string {
  const { envelope, dataJson } = wrap(record);
  envelope.data = undefined; // left out by JSON.stringify: `data` is the last member, spliced in below
  const head = JSON.stringify(envelope);
  return `${head.slice(0, -1)},"data":${dataJson}}`;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Why `value` is not an envelope, or `undefined` when it is one. With `shapeOnly`, only that it is
 * an object (nothing is read from it).
 */
function problemOf(value: unknown, shapeOnly = false): string | undefined {
  const array = Array.isArray(value);
  if (typeof value !== 'object' || value === null || array) {
    return `expected an object, got ${value === null ? 'null' : array ? 'an array' : typeof value}`;
  }
  if (shapeOnly) return undefined;
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
  let text: string;
  if (typeof value === 'object' && value !== null) text = Array.isArray(value) ? 'an array' : 'an object';
  else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null)
    text = JSON.stringify(value);
  else text = `a ${typeof value}`;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const FIELDS = [
  'version',
  'type',
  'id',
  'streamArn',
  'shardId',
  'partitionKey',
  'sequenceNumber',
  'subSequenceNumber',
  'explicitHashKey',
  'approximateArrivalTimestamp',
  'dataEncoding',
  'data',
] as const;

/**
 * The envelope's fields, each read once into a plain object (so that a getter or a Proxy cannot
 * answer differently when checked and when used), or why that is not possible.
 */
function readFields(value: unknown): { fields: Record<string, unknown> } | { problem: string; cause?: unknown } {
  try {
    const problem = problemOf(value, true);
    if (problem !== undefined) return { problem };
    const fields: Record<string, unknown> = {};
    for (const field of FIELDS) fields[field] = (value as Record<string, unknown>)[field];
    const wrong = problemOf(fields);
    return wrong === undefined ? { fields } : { problem: wrong };
  } catch (error) {
    return { problem: `it cannot be read: ${describeThrown(error)}`, cause: error };
  }
}

/** True when `value` is a well-formed {@link RecordEnvelope}. */
export function isEnvelope(value: unknown): value is RecordEnvelope {
  return 'fields' in readFields(value);
}

function invalid(problem: string, cause?: unknown): InvalidInputError {
  return new InvalidInputError('INVALID_ENVELOPE', `not a streamshare record envelope: ${problem}`, { cause });
}

/** The bytes an envelope's `data` stands for. */
function dataBytes(e: RecordEnvelope): Uint8Array {
  if (e.dataEncoding === 'base64') return decodeBase64Strict(e.data as string) as Uint8Array;
  let text: string | undefined;
  try {
    // Any depth: an envelope from elsewhere may nest deeper than the forwarder ever inlines.
    text = toJsonText(e.data);
  } catch (error) {
    throw invalid(`data cannot be serialized as JSON (dataEncoding is "json"): ${describeThrown(error)}`, error);
  }
  if (text === undefined) throw invalid(`data is not a JSON value (dataEncoding is "json"), got ${typeof e.data}`);
  return encodeUtf8(text);
}

/**
 * Unwraps an envelope into the record it carries. `data` is the UTF-8 bytes of
 * `JSON.stringify(data)` for `json` (at any depth), the base64-decoded bytes for `base64`.
 *
 * @throws InvalidInputError (code `INVALID_ENVELOPE`) naming the field that is wrong, for any value
 *   that is not a well-formed envelope (a Proxy or a throwing getter included); never anything else.
 */
export function fromEnvelope(value: unknown): StreamRecord<Uint8Array> {
  const read = readFields(value);
  if (!('fields' in read)) throw invalid(read.problem, read.cause);
  const e = read.fields as unknown as RecordEnvelope;
  const record: {
    -readonly [K in keyof StreamRecord<Uint8Array>]: StreamRecord<Uint8Array>[K];
  } = {
    streamArn: e.streamArn,
    shardId: e.shardId,
    partitionKey: e.partitionKey,
    sequenceNumber: e.sequenceNumber,
    approximateArrivalTimestamp: new Date(e.approximateArrivalTimestamp),
    data: dataBytes(e),
  };
  if (e.subSequenceNumber !== undefined) record.subSequenceNumber = e.subSequenceNumber;
  if (e.explicitHashKey !== undefined) record.explicitHashKey = e.explicitHashKey;
  return record;
}
