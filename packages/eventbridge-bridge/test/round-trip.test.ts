import { createRequire } from 'node:module';
import { type StreamRecord, silentLogger } from '@streamshare/core';
import { toLambdaKinesisEvent } from '@streamshare/core/internal';
import { eventBridgeForwarder } from '@streamshare/eventbridge-bridge';
import { eventBridgeHandler, kinesisHandler } from '@streamshare/lambda-adapter';
import { toDeliveredEvent } from '@streamshare/testkit';
import type { EventBridgeEvent, KinesisStreamEvent } from 'aws-lambda';
import { expect, it } from 'vitest';
import { BUS_ARN, record, STREAM_ARN, seq, useEventBridgeServer } from './helpers.js';

const require = createRequire(import.meta.url);
const agg: {
  aggregate(
    records: { partitionKey: string; data: Buffer }[],
    onEncoded: (encoded: { partitionKey: string; data: Buffer }, done: () => void) => void,
    afterAll: () => void,
    onError: (error: Error) => void,
  ): void;
} = require('aws-kinesis-agg');

function aggregate(users: { partitionKey: string; data: Buffer }[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    agg.aggregate(
      users,
      (encoded, done) => {
        out.push(encoded.data);
        done();
      },
      () => (out.length === 1 ? resolve(out[0]!) : reject(new Error(`${out.length} aggregates`))),
      reject,
    );
  });
}

const bus = useEventBridgeServer();

interface Seen {
  streamArn: string;
  shardId: string;
  partitionKey: string;
  sequenceNumber: string;
  subSequenceNumber: number | undefined;
  arrival: string;
  data: number[];
}

const seen = (r: StreamRecord<Uint8Array>): Seen => ({
  streamArn: r.streamArn,
  shardId: r.shardId,
  partitionKey: r.partitionKey,
  sequenceNumber: r.sequenceNumber,
  subSequenceNumber: r.subSequenceNumber,
  arrival: r.approximateArrivalTimestamp.toISOString(),
  data: [...r.data],
});

it('forwarder -> loopback EventBridge -> eventBridgeHandler yields the same records to the same handler', async () => {
  const kpl = await aggregate([
    { partitionKey: 'user-a', data: Buffer.from('{"user":"a"}') },
    { partitionKey: 'user-b', data: Buffer.from([0, 1, 2, 254, 255]) },
  ]);
  const stream = [
    record(0, '{"this_is":"test record"}'),
    record(1, new Uint8Array([0xde, 0xad, 0xbe, 0xef])),
    record(2, 'not json at all'),
    record(3, kpl),
    record(4, JSON.stringify({ big: 'x'.repeat(50_000) })),
  ];

  // The same record handler on both sides (the kds-reader1 handler, unchanged).
  const sides = { direct: [] as Seen[], forwarded: [] as Seen[] };
  let side: keyof typeof sides = 'direct';
  const recordHandler = async (r: StreamRecord<Uint8Array>) => {
    sides[side].push(seen(r));
  };

  const event = toLambdaKinesisEvent(stream) as unknown as KinesisStreamEvent;
  expect(await kinesisHandler(recordHandler, { codec: 'bytes', logger: silentLogger })(event)).toEqual({
    batchItemFailures: [],
  });

  const forwarderLambda = kinesisHandler(eventBridgeForwarder({ eventBusArn: BUS_ARN, client: bus.client }), {
    codec: 'bytes',
    logger: silentLogger,
  });
  expect(await forwarderLambda(event)).toEqual({ batchItemFailures: [] });
  expect(bus.server.events).toHaveLength(6); // the KPL aggregate went as its two user records

  side = 'forwarded';
  const receiverLambda = eventBridgeHandler(recordHandler, { codec: 'bytes', logger: silentLogger });
  for (const received of bus.server.events) {
    await receiverLambda(toDeliveredEvent(received) as unknown as EventBridgeEvent<string, unknown>);
  }

  expect(sides.forwarded).toEqual(sides.direct);
  expect(sides.forwarded.map((r) => [r.sequenceNumber, r.subSequenceNumber])).toEqual([
    [seq(0), undefined],
    [seq(1), undefined],
    [seq(2), undefined],
    [seq(3), 0],
    [seq(3), 1],
    [seq(4), undefined],
  ]);
  expect(sides.forwarded[3]).toMatchObject({ partitionKey: 'user-a', streamArn: STREAM_ARN });
  expect(new TextDecoder().decode(new Uint8Array(sides.forwarded[0]!.data))).toBe('{"this_is":"test record"}');
});
