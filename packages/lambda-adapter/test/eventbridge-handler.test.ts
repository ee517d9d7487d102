import { HandlerError, type StreamRecord } from '@streamshare/core';
import { stringifyJson, toEnvelope } from '@streamshare/core/internal';
import { BatchFailedError, eventBridgeHandler, InvalidEventError } from '@streamshare/lambda-adapter';
import type { EventBridgeEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { hostileThrownValues } from '../../core/test/fixtures/hostile-thrown.js';
import {
  captureLogger,
  fakeContext,
  kplAggregate,
  quiet,
  REFERENCE_EVENT,
  SHARD,
  STREAM_ARN,
  seq,
} from './fixtures.js';

function rawRecord(data: Uint8Array, overrides: Partial<StreamRecord<Uint8Array>> = {}): StreamRecord<Uint8Array> {
  return {
    streamArn: STREAM_ARN,
    shardId: SHARD,
    partitionKey: 'DUMMY1',
    sequenceNumber: seq(0),
    approximateArrivalTimestamp: new Date(1709100911667),
    data,
    ...overrides,
  };
}

function busEvent(detail: unknown, source = 'streamshare.bridge'): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'Kinesis Record',
    source,
    account: '888800008888',
    time: '2024-02-28T06:15:11Z',
    region: 'eu-west-1',
    resources: [STREAM_ARN],
    detail,
  };
}

function pipesDetail(data: string, overrides: Record<string, unknown> = {}) {
  return {
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000003:${seq(4)}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::888800008888:role/pipe-role',
    awsRegion: 'us-east-1',
    eventSourceARN: STREAM_ARN,
    kinesisSchemaVersion: '1.0',
    partitionKey: 'pk-1',
    sequenceNumber: seq(4),
    data,
    approximateArrivalTimestamp: 1709100911.667,
    ...overrides,
  };
}

describe('eventBridgeHandler: envelopes of @streamshare/eventbridge-bridge', () => {
  it('unwraps a JSON envelope into the record the stream had', async () => {
    const seen: StreamRecord<unknown>[] = [];
    const handler = eventBridgeHandler(
      (record) => {
        seen.push(record);
      },
      { logger: quiet },
    );
    const envelope = toEnvelope(rawRecord(Buffer.from('{"this_is": "test record"}'), { subSequenceNumber: 2 }));
    expect(envelope.dataEncoding).toBe('json');
    await expect(handler(busEvent(envelope), fakeContext())).resolves.toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      streamArn: STREAM_ARN,
      shardId: SHARD,
      partitionKey: 'DUMMY1',
      sequenceNumber: seq(0),
      subSequenceNumber: 2,
      data: { this_is: 'test record' },
    });
    expect(seen[0]!.approximateArrivalTimestamp.getTime()).toBe(1709100911667);
  });

  it('unwraps a base64 envelope into the same bytes', async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 251, 252, 253, 254, 255]);
    const seen: Uint8Array[] = [];
    const handler = eventBridgeHandler<Uint8Array>(
      (record) => {
        seen.push(record.data);
      },
      { codec: 'bytes', logger: quiet },
    );
    const envelope = toEnvelope(rawRecord(bytes));
    expect(envelope.dataEncoding).toBe('base64');
    await handler(busEvent(envelope), fakeContext());
    expect([...seen[0]!]).toEqual([...bytes]);
  });

  it('throws so that the event is retried when the handler fails', async () => {
    const handler = eventBridgeHandler(
      () => {
        throw new Error('downstream is down');
      },
      { logger: quiet, retry: { attempts: 1 } },
    );
    const error = await handler(busEvent(toEnvelope(rawRecord(Buffer.from('{"a":1}')))), fakeContext()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BatchFailedError);
    expect((error as BatchFailedError).code).toBe('BATCH_FAILED');
    expect((error as BatchFailedError).cause).toBeInstanceOf(HandlerError);
    expect((error as BatchFailedError).message).toContain('the event is retried');
    expect((error as BatchFailedError).message).toContain('downstream is down');
  });

  it('throws when the record does not decode with the codec', async () => {
    const handler = eventBridgeHandler(() => undefined, { codec: 'json', logger: quiet });
    const error = await handler(busEvent(toEnvelope(rawRecord(Buffer.from('plain text')))), fakeContext()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BatchFailedError);
    expect((error as BatchFailedError).reason).toBe('decode');
  });

  it('resolves when a dead-letter callback takes the failed record', async () => {
    const dead: string[] = [];
    const handler = eventBridgeHandler(
      () => {
        throw new Error('poison');
      },
      {
        logger: quiet,
        retry: { attempts: 1 },
        deadLetter: async (record) => {
          dead.push(record.sequenceNumber);
        },
      },
    );
    await expect(handler(busEvent(toEnvelope(rawRecord(Buffer.from('{}')))), fakeContext())).resolves.toBeUndefined();
    expect(dead).toEqual([seq(0)]);
  });

  it('refuses a malformed envelope, naming the field', async () => {
    const handler = eventBridgeHandler(() => undefined, { logger: quiet });
    const envelope = { ...toEnvelope(rawRecord(Buffer.from('{}'))), sequenceNumber: 'abc' };
    const error = await handler(busEvent(envelope), fakeContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toContain('malformed envelope');
    expect((error as Error).message).toContain('sequenceNumber');
  });
});

describe('eventBridgeHandler: EventBridge Pipes Kinesis records', () => {
  it('normalizes the flat Kinesis record of a pipe', async () => {
    const seen: StreamRecord<unknown>[] = [];
    const handler = eventBridgeHandler(
      (record) => {
        seen.push(record);
      },
      { logger: quiet },
    );
    const detail = pipesDetail(Buffer.from('{"this_is":"test record"}').toString('base64'));
    await handler(busEvent(detail, 'Pipe kds-pipe'), fakeContext());
    expect(seen[0]).toMatchObject({
      streamArn: STREAM_ARN,
      shardId: 'shardId-000000000003',
      partitionKey: 'pk-1',
      sequenceNumber: seq(4),
      data: { this_is: 'test record' },
    });
  });

  it('expands a KPL aggregate carried by a pipe', async () => {
    const aggregate = await kplAggregate([
      { key: 'a', data: { n: 1 } },
      { key: 'b', data: { n: 2 } },
    ]);
    const seen: unknown[] = [];
    const handler = eventBridgeHandler(
      (record) => {
        seen.push([record.subSequenceNumber, record.data]);
      },
      { logger: quiet },
    );
    await handler(busEvent(pipesDetail(aggregate.toString('base64')), 'Pipe kds-pipe'), fakeContext());
    expect(seen).toEqual([
      [0, { n: 1 }],
      [1, { n: 2 }],
    ]);
  });

  it('throws for data that is not base64', async () => {
    const handler = eventBridgeHandler(() => undefined, { logger: quiet });
    const error = await handler(busEvent(pipesDetail('not base64!'), 'Pipe kds-pipe'), fakeContext()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BatchFailedError);
    expect((error as BatchFailedError).reason).toBe('decode');
    expect((error as BatchFailedError).record.sequenceNumber).toBe(seq(4));
  });

  it('refuses a malformed pipe record', async () => {
    const handler = eventBridgeHandler(() => undefined, { logger: quiet });
    const error = await handler(busEvent(pipesDetail('e30=', { sequenceNumber: undefined })), fakeContext()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toContain('kinesis.sequenceNumber');
  });
});

describe('eventBridgeHandler: events it does not take', () => {
  const handler = eventBridgeHandler(() => undefined, { logger: quiet });

  it('names a Kinesis event given to it', async () => {
    const error = await handler(structuredClone(REFERENCE_EVENT) as never, fakeContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).received).toBe('a Kinesis event (Records[0].eventSource aws:kinesis)');
    expect((error as Error).message).toContain(
      'expected an EventBridge event whose detail is a streamshare record envelope',
    );
  });

  it('names a detail that is neither an envelope nor a pipe record', async () => {
    const error = await handler(busEvent({ orderId: 42 }, 'shop.orders'), fakeContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).received).toBe(
      'an EventBridge event (source "shop.orders", detail-type "Kinesis Record") whose detail is an object with keys orderId',
    );
  });

  it('points a Lambda-shaped Kinesis record in the detail to kinesisHandler', async () => {
    const error = await handler(busEvent(REFERENCE_EVENT.Records[0]), fakeContext()).catch((e: unknown) => e);
    expect((error as Error).message).toContain('kinesisHandler');
  });

  it('names {}, null and garbage', async () => {
    for (const [event, received] of [
      [{}, 'an empty object ({})'],
      [null, 'null'],
      ['garbage', 'a string "garbage"'],
    ] as const) {
      const error = await handler(event as never, fakeContext()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidEventError);
      expect((error as InvalidEventError).received).toBe(received);
    }
  });
});

describe('eventBridgeHandler: hostile and malformed envelopes', () => {
  /** `[[[...]]]` nested `depth` levels, built without recursion. */
  const deepArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  it('restores json data nested 100,000 levels (an envelope the forwarder would send as base64)', async () => {
    const text = deepArrays(100_000);
    const seen: Uint8Array[] = [];
    const handler = eventBridgeHandler<Uint8Array>(
      (record) => {
        seen.push(record.data);
      },
      { codec: 'bytes', logger: quiet },
    );
    const envelope = { ...toEnvelope(rawRecord(Buffer.from('1'))), data: JSON.parse(text) };
    await expect(handler(busEvent(envelope), fakeContext())).resolves.toBeUndefined();
    expect(Buffer.from(seen[0]!).toString()).toBe(text);
  });

  it('hands a deep base64 envelope to a json handler as its value', async () => {
    const text = deepArrays(4_500);
    const seen: unknown[] = [];
    const handler = eventBridgeHandler((record) => void seen.push(record.data), { codec: 'json', logger: quiet });
    const envelope = toEnvelope(rawRecord(Buffer.from(text)));
    expect(envelope.dataEncoding).toBe('base64');
    await handler(busEvent(envelope), fakeContext());
    expect(stringifyJson(seen[0])).toBe(text);
  });

  const hostileEvents: [string, () => unknown][] = [
    [
      'an envelope whose getter throws',
      () =>
        busEvent(
          Object.defineProperty({ ...toEnvelope(rawRecord(Buffer.from('{}'))) }, 'shardId', {
            enumerable: true,
            get() {
              throw Object.create(null);
            },
          }),
        ),
    ],
    [
      'an envelope that is a Proxy whose traps throw',
      () =>
        busEvent(
          new Proxy(
            { type: 'streamshare.kinesis-record' },
            {
              get(_target, key) {
                if (key === 'type') return 'streamshare.kinesis-record';
                throw new Error(`trap ${String(key)}`);
              },
            },
          ),
        ),
    ],
    [
      'an event that is a revoked Proxy',
      () => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      },
    ],
    [
      'an event whose Records nest 100,000 levels',
      () => JSON.parse(`${'{"Records":'.repeat(100_000)}1${'}'.repeat(100_000)}`),
    ],
    ['json data with a BigInt', () => busEvent({ ...toEnvelope(rawRecord(Buffer.from('{}'))), data: { n: 1n } })],
    [
      'a detail nested 100,000 levels',
      () => busEvent(JSON.parse(`${'{"type":'.repeat(100_000)}1${'}'.repeat(100_000)}`)),
    ],
    ['a detail that is a huge array', () => busEvent(new Array(1_000_000).fill(0))],
    [
      'an envelope with a __proto__ key',
      () => busEvent(JSON.parse('{"__proto__":{"type":"streamshare.kinesis-record"}}')),
    ],
  ];

  it.each(hostileEvents)('%s: an InvalidEventError with a code and a log line, nothing else', async (_, make) => {
    const log = captureLogger();
    const handler = eventBridgeHandler(() => undefined, { logger: log.logger });
    const error = await handler(make() as never, fakeContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).code).toBe('INVALID_EVENT');
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatchObject({ level: 50, code: 'INVALID_EVENT' });
    expect(typeof log.lines[0]!.msg).toBe('string');
  });

  it.each(Object.entries(hostileThrownValues))(
    'a handler that throws %s: a typed error with a code and a log line, never a raw TypeError',
    async (_, make) => {
      const log = captureLogger();
      const handler = eventBridgeHandler(
        () => {
          throw make();
        },
        { logger: log.logger, retry: { attempts: 1 } },
      );
      const error = await handler(busEvent(toEnvelope(rawRecord(Buffer.from('{}')))), fakeContext()).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BatchFailedError);
      expect((error as BatchFailedError).code).toBe('BATCH_FAILED');
      expect((error as BatchFailedError).record.sequenceNumber).toBe(seq(0));
      expect(log.lines.some((line) => (line.level as number) >= 40)).toBe(true);
    },
  );
});
