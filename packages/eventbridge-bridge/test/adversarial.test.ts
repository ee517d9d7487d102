/**
 * Hostile and unlucky inputs to the forwarder, end to end: forwarder -> loopback EventBridge (the
 * real SDK client) -> eventBridgeHandler. Any record either arrives as the same data or fails as a
 * typed error naming it; nothing throws a RangeError, a TypeError or hangs.
 */
import { type StreamRecord, silentLogger } from '@streamshare/core';
import {
  describeThrown,
  jsonNestsDeeperThan,
  MAX_INLINED_JSON_DEPTH,
  stringifyJson,
  toLambdaKinesisEvent,
} from '@streamshare/core/internal';
import { EntryTooLargeError, eventBridgeForwarder, RecordNotForwardableError } from '@streamshare/eventbridge-bridge';
import { eventBridgeHandler, kinesisHandler } from '@streamshare/lambda-adapter';
import { type ReceivedEvent, startEventBridgeServer, toDeliveredEvent } from '@streamshare/testkit';
import type { EventBridgeEvent, KinesisStreamEvent } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileThrownValues } from '../../core/test/fixtures/hostile-thrown.js';
import { BUS_ARN, clientFor, context, FAST_RETRY, record, seq, useEventBridgeServer } from './helpers.js';

const bus = useEventBridgeServer({ resetEach: true });
const dec = new TextDecoder();

const forwarder = <T>(options: Partial<Parameters<typeof eventBridgeForwarder<T>>[0]> = {}) =>
  eventBridgeForwarder<T>({ eventBusArn: BUS_ARN, client: bus.client, retry: FAST_RETRY, ...options });

/** `depth` levels of arrays and objects around `inner`, alternating, built without recursion. */
function nest(inner: string, depth: number): string {
  const open: string[] = [];
  const close: string[] = [];
  for (let level = 0; level < depth; level++) {
    open.push(level % 2 === 0 ? '[' : '{"k":');
    close.push(level % 2 === 0 ? ']' : '}');
  }
  return `${open.join('')}${inner}${close.reverse().join('')}`;
}

/** Delivers every event the server received to an eventBridgeHandler; returns the records it got, in order. */
async function receive(events: readonly ReceivedEvent[]): Promise<StreamRecord<Uint8Array>[]> {
  const got: StreamRecord<Uint8Array>[] = [];
  const handler = eventBridgeHandler<Uint8Array>(
    (r) => {
      got.push(r);
    },
    { codec: 'bytes', logger: silentLogger },
  );
  for (const event of events) {
    // What EventBridge checks: Detail is a JSON object, nested at most 1000 levels (PutEvents API reference).
    expect(event.detail.startsWith('{')).toBe(true);
    expect(jsonNestsDeeperThan(event.detail, 999)).toBe(false);
    await handler(toDeliveredEvent(event) as unknown as EventBridgeEvent<string, unknown>);
  }
  return got;
}

/** The data as the receiver must see it: the JSON text of the value, compact. */
const compact = (text: string) => stringifyJson(JSON.parse(text));

describe('deeply nested JSON is forwarded', () => {
  it.each([
    ['4,500 levels of arrays (~9 KB, the reported case)', `${'['.repeat(4_500)}${']'.repeat(4_500)}`],
    ['4,500 levels of objects', nest('"leaf"', 4_500)],
    ['just over MAX_INLINED_JSON_DEPTH', nest('1', MAX_INLINED_JSON_DEPTH + 1)],
  ])('as bytes (codec bytes upstream), and comes back byte for byte: %s', async (_, text) => {
    const records = [record(0, '{"before":true}'), record(1, text), record(2, '{"after":true}')];
    expect(await forwarder().handle(records, context())).toBeUndefined();
    expect(bus.server.events).toHaveLength(3);
    expect(JSON.parse(bus.server.events[1]!.detail).dataEncoding).toBe('base64');
    const got = await receive(bus.server.events);
    expect(got.map((r) => r.sequenceNumber)).toEqual([seq(0), seq(1), seq(2)]);
    expect(dec.decode(got[1]!.data)).toBe(text);
  });

  it('as a decoded value (codec json or auto upstream) nested 4,500 levels', async () => {
    const text = nest('[1,"two",null]', 4_500);
    const decoded: StreamRecord<unknown> = { ...record(7, ''), data: JSON.parse(text) };
    expect(await forwarder().handle([decoded], context())).toBeUndefined();
    const got = await receive(bus.server.events);
    expect(dec.decode(got[0]!.data)).toBe(text);
  });

  it('behind kinesisHandler with its default codec (auto): 90,000 levels (240 KB in base64)', async () => {
    const text = `${'['.repeat(90_000)}${']'.repeat(90_000)}`;
    const lambda = kinesisHandler(forwarder(), { logger: silentLogger });
    const event = toLambdaKinesisEvent([record(0, '{"a":1}'), record(1, text)]) as unknown as KinesisStreamEvent;
    expect(await lambda(event)).toEqual({ batchItemFailures: [] });
    const got = await receive(bus.server.events);
    expect(dec.decode(got[1]!.data)).toBe(text);
  });

  it('too deep to fit in an event: a typed EntryTooLargeError naming the record, never a RangeError', async () => {
    const text = nest('0', 100_000); // ~400 KB: over 256 KiB once in base64
    const result = await forwarder().handle([record(0, '1'), record(1, text)], context());
    expect(result?.done).toBe(1);
    expect(result?.error).toBeInstanceOf(EntryTooLargeError);
    expect((result!.error as EntryTooLargeError).record.sequenceNumber).toBe(seq(1));
    expect(bus.server.events).toHaveLength(1);
  });
});

/** JSON text of every kind the property mixes: deep, wide, unicode, lone surrogates, `__proto__` keys. */
const jsonText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((s) => JSON.stringify([s, { s }])) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 1 }))
      .map(([a, b]) => `{"__proto__":${JSON.stringify(a)},"constructor":{"__proto__":${JSON.stringify(b)}}}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.jsonValue({ maxDepth: 1 }), fc.integer({ min: 1, max: 6_000 }))
      .map(([leaf, depth]) => nest(JSON.stringify(leaf), depth)),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => `[${'0,'.repeat(n - 1)}0]`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(nest('"deepest"', 100_000), `${'['.repeat(60_000)}${']'.repeat(60_000)}`),
  },
);

/** How the record carries it: the bytes as produced (compact or pretty), or the decoded value. */
type Form = 'bytes' | 'pretty bytes' | 'decoded';

function recordOf(n: number, text: string, form: Form): StreamRecord<unknown> {
  if (form === 'decoded') return { ...record(n, ''), data: JSON.parse(text) };
  if (form === 'bytes' || jsonNestsDeeperThan(text, 1_000)) return record(n, text);
  return record(n, `\n${JSON.stringify(JSON.parse(text), null, 2)}\t `);
}

/** Runs a property; a failure is reported short (counterexamples here can be megabytes of brackets). */
async function checkShort<T>(property: fc.IAsyncProperty<T>, numRuns: number): Promise<void> {
  const details = await fc.check(property, { numRuns });
  if (!details.failed) return;
  const example = JSON.stringify(details.counterexample) ?? '';
  throw new Error(
    `property failed (seed ${details.seed}, path ${details.counterexamplePath}): ${describeThrown(details.errorInstance)}; ` +
      `counterexample (${example.length} characters): ${example.slice(0, 400)}`,
  );
}

describe('any JSON value (property)', () => {
  it('arrives as the same data through forwarder, EventBridge and eventBridgeHandler, or fails typed naming its record', async () => {
    await checkShort(
      fc.asyncProperty(
        fc.array(fc.tuple(jsonText, fc.constantFrom<Form>('bytes', 'pretty bytes', 'decoded')), {
          minLength: 1,
          maxLength: 4,
        }),
        async (items) => {
          bus.server.reset();
          const records = items.map(([text, form], n) => recordOf(n, text, form));
          // The data as the receiver must get it: the JSON, compact; a decoded string goes as its text.
          const expected = records.map((r, i) =>
            typeof r.data === 'string' ? dec.decode(new TextEncoder().encode(r.data)) : compact(items[i]![0]),
          );
          const result = await forwarder<unknown>().handle(records, context());
          const done = result === undefined ? records.length : result.done;
          if (result !== undefined) {
            // Only the size limit may stop a record whose data is valid JSON.
            expect(result.error).toBeInstanceOf(EntryTooLargeError);
            expect((result.error as EntryTooLargeError).record.sequenceNumber).toBe(seq(result.done));
          }
          const got = await receive(bus.server.events);
          expect(got.map((r) => r.sequenceNumber)).toEqual(records.slice(0, done).map((r) => r.sequenceNumber));
          for (const [i, r] of got.entries()) {
            const text = dec.decode(r.data);
            const sent = records[i]!.data;
            // Bytes come back exact (base64), or as the same JSON without insignificant whitespace.
            if (sent instanceof Uint8Array && text === dec.decode(sent)) continue;
            expect(text).toBe(expected[i]);
          }
        },
      ),
      60,
    );
  }, 120_000);
});

describe('hostile thrown values from the per-record functions', () => {
  const hostile = Object.entries(hostileThrownValues);

  it.each(hostile)('filter throws %s: a RecordNotForwardableError naming the record', async (name, make) => {
    const thrown = make();
    const result = await forwarder({
      filter: (r) => {
        if (r.sequenceNumber === seq(1)) throw thrown;
        return true;
      },
    }).handle([record(0, '{}'), record(1, '{}'), record(2, '{}')], context());
    expect(result?.done).toBe(1);
    expect(result?.error).toBeInstanceOf(RecordNotForwardableError);
    const error = result?.error as RecordNotForwardableError;
    expect(error.record.sequenceNumber).toBe(seq(1));
    expect(error.message).toContain(`filter threw: ${describeThrown(thrown).slice(0, 50)}`);
    expect(error.cause).toBe(thrown);
    expect(bus.server.events).toHaveLength(1);
    expect(name).toBeTruthy();
  });

  it.each(hostile)('transform throws %s: the record is dead-lettered with a typed error', async (_, make) => {
    const dead: unknown[] = [];
    const result = await forwarder({
      transform: (r) => {
        if (r.sequenceNumber === seq(0)) throw make();
        return r.data;
      },
    }).handle([record(0, '{}'), record(1, '{}')], context({ deadLetter: async (_r, e) => void dead.push(e) }));
    expect(result).toBeUndefined();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toBeInstanceOf(RecordNotForwardableError);
    expect((dead[0] as Error).message).toContain('transform threw: ');
    expect(bus.server.events).toHaveLength(1);
  });

  it.each(hostile)('source and detailType functions throw %s: typed errors', async (_, make) => {
    for (const field of ['source', 'detailType'] as const) {
      bus.server.reset();
      const result = await forwarder({
        [field]: () => {
          throw make();
        },
      }).handle([record(0, '{}')], context());
      expect(result?.error).toBeInstanceOf(RecordNotForwardableError);
      expect((result!.error as Error).message).toContain(`the ${field} function threw: `);
    }
  });

  it.each(hostile)('a dead-letter handler that throws %s ends the batch with an Error', async (_, make) => {
    const result = await forwarder({
      filter: () => {
        throw new Error('poison');
      },
    }).handle(
      [record(0, '{}')],
      context({
        deadLetter: async () => {
          throw make();
        },
      }),
    );
    expect(result?.done).toBe(0);
    expect(result?.error).toBeInstanceOf(Error);
    expect(typeof (result!.error as Error).message).toBe('string');
  });
});

describe('what transform returns', () => {
  it.each<[string, unknown, RegExp]>([
    ['a Promise', Promise.resolve({ a: 1 }), /Promise .*transform must return the data itself/],
    ['a cyclic object', ((c: Record<string, unknown>) => (c.self = c))({}), /does not serialize to JSON: .*circular/i],
    ['a BigInt', 10n, /does not serialize to JSON: .*BigInt/],
    ['undefined', undefined, /does not serialize to JSON/],
    [
      'an object whose toJSON throws a null-prototype object',
      {
        toJSON() {
          throw Object.create(null);
        },
      },
      /does not serialize to JSON: a thrown null-prototype object/,
    ],
    [
      'a Proxy whose traps throw',
      new Proxy(
        {},
        {
          get() {
            throw new Error('trap');
          },
        },
      ),
      /does not serialize to JSON: trap/,
    ],
    [
      'a revoked Proxy',
      (() => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      })(),
      /does not serialize to JSON: .*revoked/,
    ],
    [
      'a Proxy whose getPrototypeOf trap throws',
      new Proxy(
        {},
        {
          getPrototypeOf() {
            throw Object.create(null);
          },
        },
      ),
      /does not serialize to JSON: a thrown null-prototype object/,
    ],
  ])('%s: a RecordNotForwardableError naming the record', async (_, returned, message) => {
    const result = await forwarder({ transform: () => returned }).handle([record(3, '{}')], context());
    expect(result?.error).toBeInstanceOf(RecordNotForwardableError);
    expect((result!.error as RecordNotForwardableError).record.sequenceNumber).toBe(seq(3));
    expect((result!.error as Error).message).toMatch(message);
  });

  it('a value nested 100,000 levels is forwarded, to a bus that takes 1 MiB', async () => {
    const big = await startEventBridgeServer({ maxRequestBytes: 1_048_576 });
    const client = clientFor(big);
    try {
      const text = `${'{"a":'.repeat(100_000)}true${'}'.repeat(100_000)}`;
      const value = JSON.parse(text);
      const result = await forwarder({ transform: () => value, maxRequestBytes: 1_048_576, client }).handle(
        [record(0, 'x')],
        context(),
      );
      expect(result).toBeUndefined();
      const got = await receive(big.events);
      expect(dec.decode(got[0]!.data)).toBe(text);
    } finally {
      client.destroy();
      await big.stop();
    }
  });
});

describe('records the forwarder is given', () => {
  it('an arrival time that is not a date: a RecordNotForwardableError naming the record, not a raw RangeError', async () => {
    const bad = { ...record(1, '{}'), approximateArrivalTimestamp: new Date(Number.NaN) };
    const result = await forwarder().handle([record(0, '{}'), bad], context());
    expect(result?.done).toBe(1);
    expect(result?.error).toBeInstanceOf(RecordNotForwardableError);
    expect((result!.error as Error).message).toMatch(/could not be built: RangeError: Invalid time value/);
  });
});

describe('options that cannot be printed', () => {
  it('a null-prototype maxRequestBytes is a ForwarderOptionError, not a TypeError', () => {
    expect(() => forwarder({ maxRequestBytes: Object.create(null) })).toThrow(/maxRequestBytes: must be an integer/);
  });
});
