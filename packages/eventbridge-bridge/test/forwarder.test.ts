import { DeadlineError, type StreamRecord } from '@streamshare/core';
import { fromEnvelope } from '@streamshare/core/internal';
import {
  EntryTooLargeError,
  eventBridgeForwarder,
  ForwardingAbortedError,
  PutEventsCallError,
  PutEventsEntryError,
} from '@streamshare/eventbridge-bridge';
import { startEventBridgeServer } from '@streamshare/testkit';
import { describe, expect, it } from 'vitest';
import {
  BUS_ARN,
  clientFor,
  context,
  FAST_RETRY,
  jsonRecords,
  nOf,
  record,
  recordOfEntrySize,
  STREAM_ARN,
  seq,
  useEventBridgeServer,
} from './helpers.js';

const bus = useEventBridgeServer({ resetEach: true });

const forwarder = (options: Partial<Parameters<typeof eventBridgeForwarder>[0]> = {}) =>
  eventBridgeForwarder({ eventBusArn: BUS_ARN, client: bus.client, retry: FAST_RETRY, ...options });

const matchN =
  (...ns: number[]) =>
  (entry: { detail: string }) =>
    ns.includes(JSON.parse(entry.detail).data.n);

describe('order and entries', () => {
  it('sends every record once, in order, as envelope events on the bus', async () => {
    const records = jsonRecords(25);
    expect(await forwarder().handle(records, context())).toBeUndefined();
    expect(bus.server.events.map(nOf)).toEqual(records.map((_, n) => n));
    expect(bus.server.calls.map((c) => c.entryCount)).toEqual([10, 10, 5]);
    const first = bus.server.events[0]!;
    expect(first).toMatchObject({
      source: 'streamshare.kinesis',
      detailType: 'Kinesis Record',
      resources: [STREAM_ARN],
      eventBusName: BUS_ARN,
      region: 'ap-northeast-1',
      account: '777700007777',
    });
    expect(first.time.toISOString()).toBe(records[0]!.approximateArrivalTimestamp.toISOString());
    expect(JSON.parse(first.detail)).toEqual({
      version: 1,
      type: 'streamshare.kinesis-record',
      id: `${STREAM_ARN}/shardId-000000000000/${seq(0)}`,
      streamArn: STREAM_ARN,
      shardId: 'shardId-000000000000',
      partitionKey: 'key-0',
      sequenceNumber: seq(0),
      approximateArrivalTimestamp: records[0]!.approximateArrivalTimestamp.toISOString(),
      dataEncoding: 'json',
      data: { n: 0 },
    });
  });

  it('puts bytes that are not JSON in base64 and they come back exactly', async () => {
    const bytes = new Uint8Array([0xf3, 0x89, 0x9a, 0xc2, 0, 1, 255]);
    await forwarder().handle([record(0, bytes)], context());
    const envelope = JSON.parse(bus.server.events[0]!.detail);
    expect(envelope.dataEncoding).toBe('base64');
    expect(fromEnvelope(envelope).data).toEqual(bytes);
  });

  it('takes decoded data: an object as JSON, a string as its text', async () => {
    const decoded: StreamRecord<unknown>[] = [
      { ...record(0, ''), data: { a: [1, 'é'] } },
      { ...record(1, ''), data: 'plain text, not JSON' },
    ];
    await forwarder().handle(decoded, context());
    const [a, b] = bus.server.events.map((e) => fromEnvelope(JSON.parse(e.detail)));
    expect(new TextDecoder().decode(a!.data)).toBe('{"a":[1,"é"]}');
    expect(new TextDecoder().decode(b!.data)).toBe('plain text, not JSON');
  });

  it('computes source and detail type per record, skips filtered records (done), transforms data', async () => {
    const records = jsonRecords(6);
    const result = await forwarder({
      source: (r) => `app.${r.partitionKey}`,
      detailType: 'Order',
      filter: (r) => Number(r.sequenceNumber.slice(-1)) % 2 === 0,
      transform: (r) => ({ n: JSON.parse(new TextDecoder().decode(r.data as Uint8Array)).n, extra: true }),
    }).handle(records, context());
    expect(result).toBeUndefined();
    expect(bus.server.events.map((e) => JSON.parse(e.detail).sequenceNumber)).toEqual([seq(0), seq(2), seq(4)]);
    expect(bus.server.events[1]).toMatchObject({ source: 'app.key-2', detailType: 'Order' });
    expect(JSON.parse(bus.server.events[1]!.detail).data).toEqual({ n: 2, extra: true });
  });
});

describe('packing', () => {
  it('puts at most 10 entries in a call: 10 go in one call, 11 in two', async () => {
    await forwarder().handle(jsonRecords(10), context());
    expect(bus.server.calls.map((c) => c.entryCount)).toEqual([10]);
    bus.server.reset();
    await forwarder().handle(jsonRecords(11), context());
    expect(bus.server.calls.map((c) => c.entryCount)).toEqual([10, 1]);
  });

  it('honours a lower maxEntriesPerRequest', async () => {
    await forwarder({ maxEntriesPerRequest: 3 }).handle(jsonRecords(10), context());
    expect(bus.server.calls.map((c) => c.entryCount)).toEqual([3, 3, 3, 1]);
  });

  it('fills a call to exactly 256 KiB (server-side size) and moves one byte more to the next call', async () => {
    await forwarder().handle([recordOfEntrySize(0, 131_072), recordOfEntrySize(1, 131_072)], context());
    expect(bus.server.calls).toMatchObject([{ entryCount: 2, size: 262_144, status: 200 }]);
    bus.server.reset();
    await forwarder().handle([recordOfEntrySize(0, 131_072), recordOfEntrySize(1, 131_073)], context());
    expect(bus.server.calls).toMatchObject([
      { entryCount: 1, size: 131_072, status: 200 },
      { entryCount: 1, size: 131_073, status: 200 },
    ]);
    expect(bus.server.events.map(nOf)).toEqual([0, 1]);
  });

  it('packs greedily in order under both limits', async () => {
    // 100 000 + 100 000 + 62 144 = 262 144: one call; then 9 small ones and one more in a new call (10 max).
    const records = [
      recordOfEntrySize(0, 100_000),
      recordOfEntrySize(1, 100_000),
      recordOfEntrySize(2, 62_144),
      ...Array.from({ length: 11 }, (_, k) => recordOfEntrySize(3 + k, 1_000)),
    ];
    await forwarder().handle(records, context());
    expect(bus.server.calls.map((c) => [c.entryCount, c.size])).toEqual([
      [3, 262_144],
      [10, 10_000],
      [1, 1_000],
    ]);
    expect(bus.server.events.map(nOf)).toEqual(records.map((_, n) => n));
  });

  it('packs to a lower maxRequestBytes', async () => {
    const records = Array.from({ length: 6 }, (_, n) => recordOfEntrySize(n, 2_000));
    await forwarder({ maxRequestBytes: 4_000 }).handle(records, context());
    expect(bus.server.calls.map((c) => c.size)).toEqual([4_000, 4_000, 4_000]);
  });
});

describe('failed entries', () => {
  it('re-sends only the entries that failed with ThrottlingException or InternalFailure', async () => {
    bus.server.setFailures([
      { errorCode: 'ThrottlingException', match: matchN(2), times: 2 },
      { errorCode: 'InternalFailure', match: matchN(5), times: 1 },
    ]);
    expect(await forwarder().handle(jsonRecords(10), context())).toBeUndefined();
    expect(bus.server.calls.map((c) => [c.entryCount, c.failedEntryCount])).toEqual([
      [10, 2],
      [2, 1],
      [1, 0],
    ]);
    expect(bus.server.events.map(nOf)).toEqual([0, 1, 3, 4, 6, 7, 8, 9, 5, 2]);
  });

  it('ends the batch at the first entry still failed after the retries, though later ones went through', async () => {
    bus.server.setFailures([
      { errorCode: 'ThrottlingException', match: matchN(3) },
      { errorCode: 'InternalFailure', match: matchN(6) },
    ]);
    const result = await forwarder().handle(jsonRecords(15), context());
    expect(result?.done).toBe(3);
    const error = result?.error as PutEventsEntryError;
    expect(error).toBeInstanceOf(PutEventsEntryError);
    expect(error).toMatchObject({
      code: 'PUT_EVENTS_ENTRY_FAILED',
      errorCode: 'ThrottlingException',
      retryable: true,
      attempts: 3,
    });
    expect(error.record.sequenceNumber).toBe(seq(3));
    expect(error.message).toContain(seq(3));
    // 3 sends of the two failing entries; the second chunk is never sent.
    expect(bus.server.calls.map((c) => c.entryCount)).toEqual([10, 2, 2]);
    expect(bus.server.events.map(nOf)).toEqual([0, 1, 2, 4, 5, 7, 8, 9]);
  });

  it('blocks at a permanent error code without re-sending it', async () => {
    bus.server.setFailures([{ errorCode: 'AccessDeniedException', match: matchN(4) }]);
    const result = await forwarder().handle(jsonRecords(15), context());
    expect(result?.done).toBe(4);
    expect(result?.error).toMatchObject({ errorCode: 'AccessDeniedException', retryable: false, attempts: 1 });
    expect(bus.server.calls.map((c) => c.entryCount)).toEqual([10]);
  });

  it('dead-letters a permanently refused entry and goes on', async () => {
    bus.server.setFailures([{ errorCode: 'NotAuthorizedForSourceException', match: matchN(4, 12) }]);
    const dead: [string, unknown][] = [];
    const result = await forwarder().handle(
      jsonRecords(15),
      context({ deadLetter: async (r, e) => void dead.push([r.sequenceNumber, e]) }),
    );
    expect(result).toBeUndefined();
    expect(dead.map(([s]) => s)).toEqual([seq(4), seq(12)]);
    expect(dead[0]![1]).toMatchObject({ errorCode: 'NotAuthorizedForSourceException' });
    expect(bus.server.events.map(nOf)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 13, 14]);
  });

  it('stops at a record whose dead-letter handler throws', async () => {
    bus.server.setFailures([{ errorCode: 'InvalidArgument', match: matchN(1) }]);
    const failure = new Error('dead-letter queue unavailable');
    const result = await forwarder().handle(
      jsonRecords(3),
      context({
        deadLetter: async () => {
          throw failure;
        },
      }),
    );
    expect(result).toEqual({ done: 1, error: failure });
  });
});

describe('records that cannot be forwarded', () => {
  it('makes a record poison when a setting function throws or its data does not serialize', async () => {
    const records: StreamRecord<unknown>[] = [
      ...jsonRecords(2),
      { ...record(2, ''), data: { big: 1n } },
      ...jsonRecords(5).slice(3),
    ];
    const blocked = await forwarder().handle(records, context());
    expect(blocked?.done).toBe(2);
    expect(blocked?.error).toMatchObject({ code: 'RECORD_NOT_FORWARDABLE', message: expect.stringContaining('JSON') });
    expect(bus.server.events.map(nOf)).toEqual([0, 1]);

    bus.server.reset();
    const dead: string[] = [];
    const result = await forwarder({
      source: (r) => {
        if (r.sequenceNumber === seq(4)) throw new Error('no source for this one');
        return 'app.orders';
      },
    }).handle(records, context({ deadLetter: async (r) => void dead.push(r.sequenceNumber) }));
    expect(result).toBeUndefined();
    expect(dead).toEqual([seq(2), seq(4)]);
    expect(bus.server.events.map(nOf)).toEqual([0, 1, 3]);
  });

  it('makes a record poison when the filter throws', async () => {
    const result = await forwarder({
      filter: (r) => {
        if (r.sequenceNumber === seq(1)) throw new Error('bad filter');
        return true;
      },
    }).handle(jsonRecords(3), context());
    expect(result?.done).toBe(1);
    expect((result!.error as Error).message).toContain('filter threw: bad filter');
  });
});

describe('oversized entries', () => {
  it('blocks at an entry larger than the limit, after sending the ones before it', async () => {
    const records = [recordOfEntrySize(0, 1_000), recordOfEntrySize(1, 262_145), recordOfEntrySize(2, 1_000)];
    const result = await forwarder().handle(records, context());
    expect(result?.done).toBe(1);
    const error = result?.error as EntryTooLargeError;
    expect(error).toBeInstanceOf(EntryTooLargeError);
    expect(error).toMatchObject({ code: 'ENTRY_TOO_LARGE', size: 262_145, limit: 262_144, retryable: false });
    expect(error.message).toMatch(/262145 bytes, over the 262144-byte request limit/);
    expect(bus.server.events.map(nOf)).toEqual([0]);
  });

  it('dead-letters an entry larger than the limit, keeping order around it', async () => {
    const records = [recordOfEntrySize(0, 1_000), recordOfEntrySize(1, 5_000), recordOfEntrySize(2, 1_000)];
    const dead: unknown[] = [];
    const result = await forwarder({ maxRequestBytes: 4_000 }).handle(
      records,
      context({
        deadLetter: async (_r, e) => {
          dead.push(e);
          expect(bus.server.events.map(nOf)).toEqual([0]); // record 0 was sent before 1 was dead-lettered
        },
      }),
    );
    expect(result).toBeUndefined();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ code: 'ENTRY_TOO_LARGE', size: 5_000, limit: 4_000 });
    expect(bus.server.events.map(nOf)).toEqual([0, 2]);
  });
});

describe('failed calls', () => {
  it('re-sends a whole call after a 5xx or throttling answer', async () => {
    bus.server.failCalls({ status: 500, type: 'InternalException', times: 1 });
    bus.server.failCalls({ status: 400, type: 'ThrottlingException', message: 'Rate exceeded', times: 1 });
    expect(await forwarder().handle(jsonRecords(4), context())).toBeUndefined();
    expect(bus.server.calls.map((c) => c.status)).toEqual([500, 400, 200]);
    expect(bus.server.events.map(nOf)).toEqual([0, 1, 2, 3]);
  });

  it('stops at the first record of a call refused for good, naming the bus policy', async () => {
    bus.server.failCalls({ status: 400, type: 'AccessDeniedException', message: 'not authorized', times: 1 });
    const result = await forwarder().handle(jsonRecords(4), context());
    expect(result?.done).toBe(0);
    const error = result?.error as PutEventsCallError;
    expect(error).toBeInstanceOf(PutEventsCallError);
    expect(error).toMatchObject({ code: 'PUT_EVENTS_CALL_FAILED', retryable: false, attempts: 1 });
    expect(error.message).toContain(`events:PutEvents on ${BUS_ARN}`);
    expect(bus.server.calls).toHaveLength(1);
  });

  it('gives up on a call that keeps failing transiently, as retryable', async () => {
    bus.server.failCalls({ status: 503, type: 'ServiceUnavailable', times: 10 });
    const result = await forwarder().handle(jsonRecords(2), context());
    expect(result?.done).toBe(0);
    expect(result?.error).toMatchObject({ code: 'PUT_EVENTS_CALL_FAILED', retryable: true, attempts: 3 });
  });

  it('treats a refused connection as transient', async () => {
    const closed = await startEventBridgeServer();
    const dead = clientFor(closed);
    await closed.stop();
    const result = await eventBridgeForwarder({ eventBusArn: BUS_ARN, client: dead, retry: FAST_RETRY }).handle(
      jsonRecords(1),
      context(),
    );
    dead.destroy();
    expect(result?.error).toMatchObject({ code: 'PUT_EVENTS_CALL_FAILED', retryable: true, attempts: 3 });
  });
});

describe('shards, deadline, abort', () => {
  it('runs shards apart and reports the first record not done in the batch order', async () => {
    const a = jsonRecords(6, 'shardId-A');
    const b = jsonRecords(6, 'shardId-B').map((r, n) => ({
      ...r,
      data: new TextEncoder().encode(JSON.stringify({ n: 100 + n })),
    }));
    const interleaved = a.flatMap((r, k) => [r, b[k]!]);
    bus.server.setFailures([{ errorCode: 'MalformedDetail', match: matchN(102) }]);
    const result = await forwarder().handle(interleaved, context());
    expect(result?.done).toBe(5); // b[2] is at position 5
    expect(bus.server.calls).toHaveLength(2);
    expect(bus.server.events.filter((e) => JSON.parse(e.detail).shardId === 'shardId-A').map(nOf)).toEqual([
      0, 1, 2, 3, 4, 5,
    ]);
  });

  it('starts no call after the deadline', async () => {
    const result = await forwarder().handle(jsonRecords(3), context({ deadline: Date.now() - 1 }));
    expect(result?.done).toBe(0);
    expect(result?.error).toBeInstanceOf(DeadlineError);
    expect(bus.server.calls).toHaveLength(0);
  });

  it('stops when the batch is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('shutdown'));
    const result = await forwarder().handle(jsonRecords(3), context({ signal: controller.signal }));
    expect(result?.error).toBeInstanceOf(ForwardingAbortedError);
    expect(result?.done).toBe(0);
  });
});
