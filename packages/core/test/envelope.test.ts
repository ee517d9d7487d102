import { InvalidInputError, type StreamRecord } from '@streamshare/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromEnvelope, isEnvelope, type RecordEnvelope, toEnvelope, toEnvelopeJson } from '../src/envelope/envelope.js';
import { MAX_INLINED_JSON_DEPTH } from '../src/envelope/json-depth.js';
import { kinesisRecord, STREAM_ARN } from './fixtures/kpl.js';

const enc = new TextEncoder();
const SEQ = '49649683864473953433843496278632352517587667908684677122';

describe('toEnvelope', () => {
  it('inlines exact JSON and builds the dedupe id', () => {
    const envelope = toEnvelope(kinesisRecord(enc.encode('{"this_is": "test record"}')));
    expect(envelope).toEqual({
      version: 1,
      type: 'streamshare.kinesis-record',
      id: `${STREAM_ARN}/shardId-000000000000/${SEQ}`,
      streamArn: STREAM_ARN,
      shardId: 'shardId-000000000000',
      partitionKey: 'outer-key',
      sequenceNumber: SEQ,
      approximateArrivalTimestamp: '2024-02-28T06:15:11.667Z',
      dataEncoding: 'json',
      data: { this_is: 'test record' },
    });
    expect(isEnvelope(envelope)).toBe(true);
    expect(isEnvelope(JSON.parse(JSON.stringify(envelope)))).toBe(true);
  });

  it('carries the sub-sequence number and explicit hash key of KPL user records', () => {
    const envelope = toEnvelope(kinesisRecord(enc.encode('1'), { subSequenceNumber: 7, explicitHashKey: '99' }));
    expect(envelope.id).toBe(`${STREAM_ARN}/shardId-000000000000/${SEQ}/7`);
    expect(envelope.subSequenceNumber).toBe(7);
    expect(envelope.explicitHashKey).toBe('99');
    expect(fromEnvelope(envelope)).toMatchObject({ subSequenceNumber: 7, explicitHashKey: '99' });
  });

  it.each([
    ['text', 'Hello, this is a test.'],
    ['a big integer', '{"id":12345678901234567890}'],
    ['1.0', '{"n":1.0}'],
    ['an exponent', '[1e3]'],
    ['-0', '-0'],
    ['a \\u escape', '"\\u0041"'],
    ['an escaped slash', '"a\\/b"'],
    ['duplicate keys', '{"a":1,"a":2}'],
    ['a byte order mark', '\uFEFF{"a":1}'],
    ['a lone surrogate escape in upper case', '"\\uD800"'],
  ])('falls back to base64 for %s', (_, text) => {
    const data = enc.encode(text);
    const envelope = toEnvelope(kinesisRecord(data));
    expect(envelope.dataEncoding).toBe('base64');
    expect(envelope.data).toBe(Buffer.from(data).toString('base64'));
    expect(fromEnvelope(envelope).data).toEqual(data);
  });

  it('falls back to base64 for bytes that are not UTF-8', () => {
    const data = Uint8Array.of(0x7b, 0xff, 0x7d);
    expect(toEnvelope(kinesisRecord(data))).toMatchObject({ dataEncoding: 'base64', data: 'e/99' });
  });

  it.each([
    ['{ "a" : [ 1 , 2 ] }\n', '{"a":[1,2]}'],
    ['"spaces inside strings stay"', '"spaces inside strings stay"'],
    ['{"q":"a \\" quote { "}', '{"q":"a \\" quote { "}'],
    ['\t[true,\r\nnull]', '[true,null]'],
    ['"é ✓ 😀"', '"é ✓ 😀"'],
  ])('inlines %j as JSON (whitespace outside strings is not data)', (text, compact) => {
    const envelope = toEnvelope(kinesisRecord(enc.encode(text)));
    expect(envelope.dataEncoding).toBe('json');
    expect(new TextDecoder().decode(fromEnvelope(envelope).data)).toBe(compact);
  });
});

/** `[[[...]]]` nested `depth` levels, built without recursion. */
const deepArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
/** `{"a":{"a":...1}}` nested `depth` levels. */
const deepObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('deeply nested JSON', () => {
  it.each([
    ['4,500 levels of arrays (~9 KB, the reported case)', deepArrays(4_500)],
    ['100,000 levels of objects', deepObjects(100_000)],
    ['one level more than MAX_INLINED_JSON_DEPTH', deepArrays(MAX_INLINED_JSON_DEPTH + 1)],
  ])('goes base64 and comes back byte for byte: %s', (_, text) => {
    const data = enc.encode(text);
    const envelope = toEnvelope(kinesisRecord(data));
    expect(envelope.dataEncoding).toBe('base64');
    const detail = toEnvelopeJson(kinesisRecord(data));
    expect(detail).toBe(JSON.stringify(envelope));
    expect(Buffer.from(fromEnvelope(JSON.parse(detail)).data).equals(Buffer.from(data))).toBe(true);
  });

  it('is inlined up to MAX_INLINED_JSON_DEPTH levels (512), well inside EventBridge 1000', () => {
    expect(MAX_INLINED_JSON_DEPTH).toBe(512);
    const text = deepObjects(MAX_INLINED_JSON_DEPTH);
    const envelope = toEnvelope(kinesisRecord(enc.encode(text)));
    expect(envelope.dataEncoding).toBe('json');
    expect(new TextDecoder().decode(fromEnvelope(envelope).data)).toBe(text);
  });

  it('an envelope from elsewhere with json data of any depth is read back without recursion', () => {
    const text = deepArrays(100_000);
    const envelope = { ...toEnvelope(kinesisRecord(enc.encode('1'))), data: JSON.parse(text) };
    expect(new TextDecoder().decode(fromEnvelope(envelope).data)).toBe(text);
  });
});

describe('toEnvelopeJson', () => {
  it('is the JSON of toEnvelope, for any record', () => {
    fc.assert(
      fc.property(recordArbitrary, (input) => {
        const record = withoutUndefined(input as StreamRecord<Uint8Array>) as unknown as StreamRecord<Uint8Array>;
        expect(toEnvelopeJson(record)).toBe(JSON.stringify(toEnvelope(record)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('fromEnvelope', () => {
  const good = (): RecordEnvelope => toEnvelope(kinesisRecord(enc.encode('{"a":1}')));

  it.each<[string, (e: Record<string, unknown>) => void, RegExp]>([
    ['type', (e) => (e.type = 'other'), /type should be "streamshare.kinesis-record", got "other"/],
    ['version', (e) => (e.version = 2), /version should be 1, got 2/],
    ['streamArn', (e) => delete e.streamArn, /streamArn should be a string, got nothing/],
    ['sequenceNumber', (e) => (e.sequenceNumber = '12a'), /sequenceNumber should be a decimal string/],
    ['subSequenceNumber', (e) => (e.subSequenceNumber = -1), /subSequenceNumber should be a non-negative integer/],
    ['explicitHashKey', (e) => (e.explicitHashKey = 5), /explicitHashKey should be a string when present, got 5/],
    ['id', (e) => (e.id = 'x'), /id should be ".*" \(stream\/shard\/sequence\[\/sub\]\), got "x"/],
    [
      'timestamp',
      (e) => (e.approximateArrivalTimestamp = 'yesterday'),
      /approximateArrivalTimestamp should be an ISO-8601/,
    ],
    ['dataEncoding', (e) => (e.dataEncoding = 'hex'), /dataEncoding should be "json" or "base64", got "hex"/],
    ['json data', (e) => delete e.data, /data is missing/],
    [
      'base64 data',
      (e) => Object.assign(e, { dataEncoding: 'base64', data: '!!' }),
      /data should be a base64 string .*invalid base64/,
    ],
  ])('names the wrong field: %s', (_, spoil, message) => {
    const envelope = good() as unknown as Record<string, unknown>;
    spoil(envelope);
    expect(isEnvelope(envelope)).toBe(false);
    let caught: unknown;
    try {
      fromEnvelope(envelope);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    expect((caught as InvalidInputError).code).toBe('INVALID_ENVELOPE');
    expect((caught as Error).message).toMatch(message);
  });

  it('refuses what is not an object', () => {
    expect(() => fromEnvelope('x')).toThrow(/expected an object, got string/);
    expect(() => fromEnvelope(null)).toThrow(/got null/);
    expect(isEnvelope([])).toBe(false);
  });

  it.each<[string, () => unknown, RegExp]>([
    [
      'a getter that throws',
      () =>
        Object.defineProperty({ ...good() }, 'streamArn', {
          get() {
            throw new Error('getter refused');
          },
        }),
      /cannot be read: getter refused/,
    ],
    [
      'a Proxy whose traps throw',
      () =>
        new Proxy(good(), {
          get() {
            throw Object.create(null);
          },
        }),
      /cannot be read: a thrown null-prototype object/,
    ],
    [
      'a revoked Proxy',
      () => {
        const { proxy, revoke } = Proxy.revocable(good(), {});
        revoke();
        return proxy;
      },
      /cannot be read/,
    ],
    ['json data with a BigInt', () => ({ ...good(), data: { n: 1n } }), /data cannot be serialized as JSON/],
    [
      'json data with a cycle',
      () => ({ ...good(), data: ((c: Record<string, unknown>) => (c.c = c))({}) }),
      /cycl|circular/i,
    ],
    ['json data that is a function', () => ({ ...good(), data: () => 1 }), /data is not a JSON value/],
    ['a BigInt type', () => ({ ...good(), type: 10n }), /type should be .*, got a bigint/],
    ['a symbol version', () => ({ ...good(), version: Symbol('v') }), /version should be 1, got a symbol/],
  ])('refuses %s with INVALID_ENVELOPE, never another error', (_, make, message) => {
    let caught: unknown;
    try {
      fromEnvelope(make());
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    expect((caught as InvalidInputError).code).toBe('INVALID_ENVELOPE');
    expect((caught as Error).message).toMatch(message);
    expect(() => isEnvelope(make())).not.toThrow();
  });
});

const recordArbitrary = fc.record({
  streamArn: fc.constantFrom(STREAM_ARN, 'arn:aws:kinesis:eu-west-1:888800008888:stream/other'),
  shardId: fc.integer({ min: 0, max: 999 }).map((n) => `shardId-${String(n).padStart(12, '0')}`),
  partitionKey: fc.string({ minLength: 1, maxLength: 256 }),
  sequenceNumber: fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map(String),
  subSequenceNumber: fc.option(fc.nat(), { nil: undefined }),
  explicitHashKey: fc.option(fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map(String), { nil: undefined }),
  approximateArrivalTimestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms)),
  data: fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.json().map((text) => enc.encode(text)),
    fc.jsonValue().map((value) => enc.encode(JSON.stringify(value, null, 1))),
    fc.string().map((text) => enc.encode(text)),
  ),
});

function withoutUndefined(record: StreamRecord<Uint8Array>) {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

describe('envelope round trip (property)', () => {
  it('gives back the record, bytes exact or, for JSON, the same value with insignificant whitespace removed', () => {
    fc.assert(
      fc.property(recordArbitrary, (input) => {
        const record = withoutUndefined(input as StreamRecord<Uint8Array>) as unknown as StreamRecord<Uint8Array>;
        const envelope = toEnvelope(record);
        // survives the JSON of an EventBridge event
        const back = fromEnvelope(JSON.parse(JSON.stringify(envelope)));
        const { data, ...identity } = back;
        const { data: original, ...expected } = record;
        expect(identity).toEqual(expected);
        if (envelope.dataEncoding === 'base64') {
          expect(Buffer.from(data).equals(Buffer.from(original))).toBe(true);
        } else {
          const text = new TextDecoder().decode(original);
          expect(JSON.parse(new TextDecoder().decode(data))).toEqual(JSON.parse(text));
          expect(JSON.stringify(JSON.parse(text))).toBe(new TextDecoder().decode(data));
        }
        // and a second trip is byte-exact
        expect(fromEnvelope(toEnvelope(back)).data).toEqual(data);
      }),
      { numRuns: 500 },
    );
  });
});
