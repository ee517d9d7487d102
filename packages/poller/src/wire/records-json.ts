/**
 * Payloads up to this many bytes are parsed in one `JSON.parse`. A larger one is parsed a record at
 * a time (see {@link parseShardEvent}): V8 allocates a string of more than 128 KiB in its
 * large-object space, which costs about as much as parsing 20 times the bytes (measured: 0.7 ms for
 * one 150 KB event, 6 µs for a 60 KB one), and the AWS SDK's own decoder makes one such string of
 * every event's payload.
 * @internal
 */
export const WHOLE_PARSE_MAX_BYTES = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * A JSON object that holds Kinesis `Records` (a GetRecords response body, a SubscribeToShard event
 * payload), in the shape the AWS SDK gives it: each record's `Data` decoded from base64 into bytes,
 * its `ApproximateArrivalTimestamp` (epoch seconds) a Date; everything else as sent. A field of an unexpected type is left as it came, for
 * the record path to refuse with the record's identity (a `Data` that is not valid base64 stays a
 * string: core's normalize names the record). Throws a SyntaxError for a payload that is not JSON,
 * as `JSON.parse` does.
 * @internal
 */
export function parseRecordsJson<T extends object = Record<string, unknown>>(payload: Buffer): T {
  const wire: unknown =
    payload.byteLength <= WHOLE_PARSE_MAX_BYTES ? JSON.parse(payload.toString()) : parseInPieces(payload);
  if (typeof wire !== 'object' || wire === null || Array.isArray(wire)) {
    throw new SyntaxError(`Kinesis records payload is not a JSON object: ${payload.toString('utf8', 0, 64)}`);
  }
  const event = wire as { Records?: unknown };
  dropNulls(event);
  if (Array.isArray(event.Records)) {
    for (const record of event.Records) {
      if (typeof record === 'object' && record !== null) {
        dropNulls(record);
        readRecordFields(record);
      }
    }
  }
  return event as T;
}

/** Leaves out the members whose value is null, as the SDK does (`"ChildShards": null` is no ChildShards). */
function dropNulls(object: object): void {
  for (const key in object)
    if ((object as Record<string, unknown>)[key] === null) delete (object as Record<string, unknown>)[key];
}

/** Decodes a record's `Data` (base64) and `ApproximateArrivalTimestamp` (epoch seconds) in place. */
function readRecordFields(record: { Data?: unknown; ApproximateArrivalTimestamp?: unknown }): void {
  if (typeof record.Data === 'string') {
    const bytes = decodeBase64(record.Data);
    if (bytes !== undefined) record.Data = bytes;
  }
  const at = record.ApproximateArrivalTimestamp;
  const seconds = typeof at === 'number' ? at : typeof at === 'string' && at.trim() !== '' ? Number(at) : Number.NaN;
  if (Number.isFinite(seconds)) record.ApproximateArrivalTimestamp = new Date(Math.round(seconds * 1000));
}

/**
 * The bytes of a base64 text, or undefined when it is not strict base64 (length a multiple of 4,
 * only the 64 letters, at most two `=` at the end): Buffer.from skips what it cannot read, so the
 * decoded length is checked against the text's.
 */
function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength !== (text.length / 4) * 3 - padding) return undefined;
  // Buffer.from also reads the URL-safe letters (- and _), which base64 (RFC 4648 section 4) has not.
  if (text.includes('-') || text.includes('_')) return undefined;
  // A plain Uint8Array view, as the SDK gives Data.
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A large payload parsed a record at a time: the elements of its top-level `Records` array are
 * found by a scan that jumps from quote to quote (`indexOf`), each parsed from its own small string,
 * and the rest of the object is parsed with an empty array in their place. Any shape the scan does
 * not expect (no single `Records` array of objects, a stray byte between its elements) is parsed
 * whole, so the result is always what `JSON.parse` of the whole payload gives (or its SyntaxError).
 */
function parseInPieces(payload: Buffer): unknown {
  const found = recordsElements(payload);
  if (found === undefined) return JSON.parse(payload.toString());
  const rest: unknown = JSON.parse(payload.toString('utf8', 0, found.open + 1) + payload.toString('utf8', found.close));
  const records = new Array<unknown>(found.elements.length / 2);
  for (let i = 0; i < records.length; i++) {
    records[i] = JSON.parse(payload.toString('utf8', found.elements[2 * i], found.elements[2 * i + 1]));
  }
  (rest as { Records: unknown }).Records = records;
  return rest;
}

/**
 * Where the top-level `Records` array of a JSON object is (`open`: its `[`, `close`: its `]`) and
 * where each of its elements starts and ends (`elements`: start, end, start, end...), when it is an
 * array of objects; undefined for any other shape. Pure.
 * @internal
 */
export function recordsElements(payload: Buffer): { open: number; close: number; elements: number[] } | undefined {
  const n = payload.byteLength;
  let depth = 0;
  let open = -1;
  let close = -1;
  const elements: number[] = [];
  /** Whether the last string at depth 1 was the key `Records` (followed by its colon). */
  let recordsKey = false;
  /** Inside the Records array (depth 2): 0 expects an element or `]`, 1 a `,` or `]`, 2 an element. */
  let expect = 0;
  for (let i = 0; i < n; i++) {
    const c = payload[i] as number;
    if (c === QUOTE) {
      const end = stringEnd(payload, i);
      if (end < 0) return undefined;
      if (depth === 2 && open >= 0 && close < 0) return undefined;
      if (depth === 1) recordsKey = end - i === 8 && payload.toString('latin1', i + 1, end) === 'Records';
      i = end;
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    const inRecords = open >= 0 && close < 0;
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (depth === 1 && c === 0x5b && recordsKey) {
        if (open >= 0) return undefined;
        open = i;
        expect = 0;
      } else if (depth === 2 && inRecords) {
        if (c !== 0x7b || expect === 1) return undefined;
        elements.push(i);
      }
      depth++;
      continue;
    }
    if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
      if (depth === 2 && inRecords) {
        elements.push(i + 1);
        expect = 1;
      } else if (depth === 1 && inRecords) {
        if (c !== 0x5d || expect === 2) return undefined;
        close = i;
      }
      if (depth < 0) return undefined;
      continue;
    }
    if (depth === 2 && inRecords) {
      if (c !== 0x2c /* , */ || expect !== 1) return undefined;
      expect = 2;
      continue;
    }
    if (depth === 1 && c !== 0x3a /* : */) recordsKey = false;
  }
  if (open < 0 || close < 0 || depth !== 0) return undefined;
  return { open, close, elements };
}

/** The index of the quote that ends the string opened at `start`, or -1. */
function stringEnd(payload: Buffer, start: number): number {
  let at = start + 1;
  for (;;) {
    const end = payload.indexOf(QUOTE, at);
    if (end < 0) return -1;
    let backslashes = 0;
    for (let k = end - 1; payload[k] === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return end;
    at = end + 1;
  }
}
