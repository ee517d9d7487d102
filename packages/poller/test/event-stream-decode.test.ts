// The poller's own decoding of SubscribeToShard event streams (subscription/event-stream/): framing
// and checksums, the record-by-record parse of large payloads, and the SDK's error shapes. Pure: no
// server (the equivalence with the SDK over a real HTTP/2 stream is in event-stream-sdk-parity.test.ts).
import { EventStreamCodec } from '@smithy/core/event-streams';
import { corruptMessageCrc, exceptionMessage, initialResponseMessage, shardEventMessage } from '@streamshare/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EventStreamFramingError,
  eventStreamMessages,
  MAX_MESSAGE_BYTES,
} from '../src/subscription/event-stream/messages.js';
import { shardEvents } from '../src/subscription/event-stream/shard-events.js';
import { parseRecordsJson, recordsElements, WHOLE_PARSE_MAX_BYTES } from '../src/wire/records-json.js';

const encoder = new TextEncoder();
const codec = new EventStreamCodec(
  (bytes) => new TextDecoder().decode(bytes),
  (text) => encoder.encode(text),
);

async function* chunked(bytes: Uint8Array, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut <= at || cut >= bytes.byteLength) continue;
    yield bytes.subarray(at, cut);
    at = cut;
  }
  yield bytes.subarray(at);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Deep equality, Data compared as bytes and dates as times (a failure prints no megabyte diff). */
function same(a: unknown, b: unknown): boolean {
  const text = (v: unknown) =>
    JSON.stringify(v, (_key, value: unknown) =>
      value instanceof Uint8Array
        ? `bytes:${value.constructor.name}:${Buffer.from(value).toString('hex')}`
        : value instanceof Date || (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value))
          ? `date:${String(value)}`
          : value,
    );
  return text(a) === text(b);
}

const concat = (parts: readonly Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));

/** The JSON the SDK would make of a payload, records converted as the SDK converts them. */
function referenceEvent(json: string) {
  const event = JSON.parse(json);
  const dropNulls = (o: Record<string, unknown>) => {
    for (const k of Object.keys(o)) if (o[k] === null) delete o[k];
  };
  if (typeof event === 'object' && event !== null) dropNulls(event);
  for (const r of Array.isArray(event.Records) ? event.Records : []) {
    if (typeof r !== 'object' || r === null) continue;
    dropNulls(r);
    if (typeof r.Data === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(r.Data) && r.Data.length % 4 === 0) {
      r.Data = new Uint8Array(Buffer.from(r.Data, 'base64'));
    }
    if (typeof r.ApproximateArrivalTimestamp === 'number') {
      r.ApproximateArrivalTimestamp = new Date(Math.round(r.ApproximateArrivalTimestamp * 1000));
    }
  }
  return event;
}

const wireRecord = fc.record({
  SequenceNumber: fc.bigInt({ min: 0n, max: 2n ** 128n }).map(String),
  // Any text: quotes, backslashes, control characters and non-BMP characters are escaped or UTF-8 encoded.
  PartitionKey: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  Data: fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b).toString('base64')),
  ApproximateArrivalTimestamp: fc.double({ min: 1e9, max: 2e9, noNaN: true }),
  EncryptionType: fc.constantFrom(undefined, 'NONE', 'KMS'),
});
const wireEvent = fc.record({
  Records: fc.array(wireRecord, { maxLength: 60 }),
  ContinuationSequenceNumber: fc.option(fc.bigInt({ min: 0n, max: 2n ** 128n }).map(String), { nil: null }),
  MillisBehindLatest: fc.nat(),
});

describe('eventStreamMessages (framing)', () => {
  it('frames messages cut at any byte, checking both CRC32s, headers of every type read', async () => {
    const headers = {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'string', value: 'SubscribeToShardEvent' },
      t: { type: 'boolean', value: true },
      f: { type: 'boolean', value: false },
      b: { type: 'byte', value: -3 },
      s: { type: 'short', value: -300 },
      i: { type: 'integer', value: 70000 },
      bin: { type: 'binary', value: new Uint8Array([1, 2, 3]) },
      ts: { type: 'timestamp', value: new Date(1_700_000_000_123) },
    } as const;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 5000 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(40_000), { maxLength: 20 }),
        async (payloads, cuts) => {
          const stream = concat(payloads.map((body) => codec.encode({ headers: { ...headers }, body })));
          const messages = await collect(eventStreamMessages(chunked(stream, cuts)));
          expect(messages.map((m) => Buffer.from(m.payload))).toEqual(payloads.map((p) => Buffer.from(p)));
          const first = messages[0]?.headers;
          expect(first?.get(':event-type')).toBe('SubscribeToShardEvent');
          expect([first?.get('t'), first?.get('f'), first?.get('b'), first?.get('s'), first?.get('i')]).toEqual([
            true,
            false,
            -3,
            -300,
            70000,
          ]);
          expect(first?.get('bin')).toEqual(Buffer.from([1, 2, 3]));
          expect(first?.get('ts')).toEqual(new Date(1_700_000_000_123));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a wrong message CRC32, a wrong prelude CRC32, an impossible length and a stream cut inside a message', async () => {
    const good = shardEventMessage({ Records: [], ContinuationSequenceNumber: '1', MillisBehindLatest: 0 });
    const badPrelude = Buffer.from(good);
    badPrelude[9] = (badPrelude[9] ?? 0) ^ 1;
    const tooLong = Buffer.from(good);
    tooLong.writeUInt32BE(MAX_MESSAGE_BYTES + 1, 0);
    const cases: [Uint8Array, RegExp][] = [
      [concat([good, corruptMessageCrc(good)]), /message 2: message checksum mismatch/],
      [badPrelude, /message 1: prelude checksum mismatch/],
      [concat([good, good.subarray(0, good.byteLength - 1)]), /ended inside message 2/],
    ];
    for (const [bytes, message] of cases) {
      const seen: unknown[] = [];
      const failure = await (async () => {
        for await (const m of eventStreamMessages(chunked(bytes, [5, 40]))) seen.push(m);
      })().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(EventStreamFramingError);
      expect(String((failure as Error).message)).toMatch(message);
    }
    // A prelude whose CRC is right but whose length is out of bounds.
    const { crc32 } = await import('node:zlib');
    tooLong.writeUInt32BE(crc32(tooLong.subarray(0, 8)), 8);
    await expect(collect(eventStreamMessages(chunked(tooLong, [])))).rejects.toThrow(/out of bounds/);
  });
});

describe('parseRecordsJson (wire/records-json.ts)', () => {
  it('gives what JSON.parse and the SDK conversions give, whole or a record at a time', () => {
    fc.assert(
      fc.property(wireEvent, fc.boolean(), (event, pretty) => {
        const json = pretty ? JSON.stringify(event, null, 1) : JSON.stringify(event);
        expect(same(parseRecordsJson(Buffer.from(json)), referenceEvent(json))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('parses a payload past WHOLE_PARSE_MAX_BYTES by pieces (the scan finds every record)', () => {
    const records = Array.from({ length: 80 }, (_, i) => ({
      SequenceNumber: String(10n ** 50n + BigInt(i)),
      ApproximateArrivalTimestamp: 1_700_000_000.123 + i,
      Data: Buffer.alloc(1500, i).toString('base64'),
      PartitionKey: `k"\\${i}\u00e9\ud83d\ude00`,
    }));
    const json = JSON.stringify({ ContinuationSequenceNumber: '9', Records: records, MillisBehindLatest: 7 });
    const payload = Buffer.from(json);
    expect(payload.byteLength).toBeGreaterThan(WHOLE_PARSE_MAX_BYTES);
    expect(recordsElements(payload)?.elements.length).toBe(160);
    expect(same(parseRecordsJson(payload), referenceEvent(json))).toBe(true);
  });

  it('falls back to one JSON.parse for shapes the scan does not take, with the same result or SyntaxError', () => {
    const big = 'x'.repeat(WHOLE_PARSE_MAX_BYTES);
    const odd = [
      `{"Records":[{"Data":"","PartitionKey":"a"}],"Records":[],"Pad":"${big}"}`, // two Records keys: the last wins
      `{"Records":[1,2],"Pad":"${big}"}`,
      `{"Records":{"a":1},"Pad":"${big}"}`,
      `{"Pad":"${big}","Records":[{"Data":"AA=="} {"Data":"AA=="}]}`, // a missing comma
      `{"Pad":"${big}","Records":[{"Data":"AA=="},]}`, // a trailing comma
      `{"Pad":"${big}","Records":[{"Data":"AA=="}]`, // cut short
      `["Records",[{"Data":"AA=="}],"${big}"]`,
    ];
    for (const json of odd) {
      let expected: unknown;
      try {
        const parsed = JSON.parse(json);
        expected = Array.isArray(parsed) ? SyntaxError : referenceEvent(json);
      } catch {
        expected = SyntaxError;
      }
      if (expected === SyntaxError) expect(() => parseRecordsJson(Buffer.from(json))).toThrow(SyntaxError);
      else expect(same(parseRecordsJson(Buffer.from(json)), expected)).toBe(true);
    }
  });

  it('leaves a Data that is not strict base64 as the text it came as (the record path refuses that record by name)', () => {
    for (const data of ['AAA', 'A-_A', 'AA A', 'AA=A', '@@@@']) {
      const event = parseRecordsJson<{ Records?: { Data?: unknown }[] }>(
        Buffer.from(JSON.stringify({ Records: [{ Data: data, SequenceNumber: '1', PartitionKey: 'k' }] })),
      );
      expect(event.Records?.[0]?.Data).toBe(data);
    }
  });
});

describe('shardEvents', () => {
  it('skips the initial response, yields events, throws exceptions as the SDK names them', async () => {
    const event = { Records: [], ContinuationSequenceNumber: '5', MillisBehindLatest: 3 };
    const bytes = concat([
      initialResponseMessage(),
      shardEventMessage(event),
      exceptionMessage('KMSThrottlingException', 'slow down'),
    ]);
    const items: unknown[] = [];
    const error = await (async () => {
      for await (const item of shardEvents(chunked(bytes, [3, 17, 200]))) items.push(item);
    })().catch((e: unknown) => e);
    expect(items).toEqual([{ SubscribeToShardEvent: event }]);
    expect(error).toMatchObject({ name: 'KMSThrottlingException', message: 'slow down', $fault: 'client' });
    const internal = await collect(shardEvents(chunked(exceptionMessage('InternalFailureException', 'x'), []))).catch(
      (e: unknown) => e,
    );
    expect(internal).toMatchObject({ name: 'InternalFailureException', $fault: 'server' });
    // An exception the API does not model: named, no fault (the SDK's unmodeled error).
    const unknown = await collect(shardEvents(chunked(exceptionMessage('NewException', 'y'), []))).catch(
      (e: unknown) => e,
    );
    expect(unknown).toMatchObject({ name: 'NewException' });
    expect((unknown as { $fault?: unknown }).$fault).toBeUndefined();
  });

  it('an `error` message throws an error named after its :error-code', async () => {
    const bytes = codec.encode({
      headers: {
        ':message-type': { type: 'string', value: 'error' },
        ':error-code': { type: 'string', value: 'InternalError' },
        ':error-message': { type: 'string', value: 'it broke' },
      },
      body: new Uint8Array(),
    });
    await expect(collect(shardEvents(chunked(bytes, [])))).rejects.toMatchObject({
      name: 'InternalError',
      message: 'it broke',
    });
  });
});
