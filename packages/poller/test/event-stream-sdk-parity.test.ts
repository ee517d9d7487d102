// The poller decodes SubscribeToShard event streams itself (subscription/event-stream/). Over a real
// HTTP/2 stream from the loopback subscribe server, its events must be exactly the AWS SDK's: the
// same records (bytes, keys, sequence numbers, arrival times), continuations, lag and child shards,
// for small events (parsed whole) and large ones (parsed a record at a time), cut into many frames.
import { SubscribeToShardCommand } from '@aws-sdk/client-kinesis';
import type { ScriptedRecord, SubscribeStep } from '@streamshare/testkit';
import { describe, expect, it } from 'vitest';
import { subscribeShard } from '../src/subscription/index.js';
import { useEfoFixture } from './helpers/efo-fixture.js';

const efo = useEfoFixture();
const shardId = 'shardId-000000000000';
const child = {
  ShardId: 'shardId-000000000001',
  ParentShards: [shardId],
  HashKeyRange: { StartingHashKey: '0', EndingHashKey: '170141183460469231731687303715884105727' },
};

/** Records whose keys and bytes stress the decoding: quotes, backslashes, non-BMP text, every byte value. */
function trickyRecords(count: number, bytes: number, from: number): ScriptedRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const data = Buffer.alloc(bytes + (n % 7));
    for (let j = 0; j < data.length; j++) data[j] = (j * 31 + n) & 0xff;
    return {
      data: new Uint8Array(data),
      partitionKey: `k"${n}\\\u00e9\ud83d\ude00\n`,
      sequenceNumber: String(10n ** 55n + BigInt(n)),
      arrival: new Date(1_700_000_000_000 + n * 1001 + 0.5),
    };
  });
}

const steps: SubscribeStep[] = [
  { kind: 'event', continuation: '1', millisBehindLatest: 5, records: trickyRecords(3, 100, 0) },
  { kind: 'event', continuation: '2', millisBehindLatest: 0 },
  // About 220 KB of payload: parsed a record at a time, and cut into many DATA frames.
  { kind: 'event', continuation: '3', millisBehindLatest: 1, records: trickyRecords(100, 1600, 3), splitInto: 13 },
  {
    kind: 'event',
    continuation: null,
    millisBehindLatest: 0,
    records: trickyRecords(2, 10, 103),
    childShards: [child],
  },
];

/** What a comparison looks at of an event. */
function summary(event: {
  Records?: { Data?: Uint8Array; PartitionKey?: string; SequenceNumber?: string; ApproximateArrivalTimestamp?: Date }[];
  ContinuationSequenceNumber?: string | null | undefined;
  MillisBehindLatest?: number | undefined;
  ChildShards?: unknown;
}) {
  return {
    records: (event.Records ?? []).map((r) => ({
      data: Buffer.from(r.Data ?? []).toString('hex'),
      dataIsUint8Array: r.Data instanceof Uint8Array,
      key: r.PartitionKey,
      sequence: r.SequenceNumber,
      arrival: r.ApproximateArrivalTimestamp instanceof Date ? r.ApproximateArrivalTimestamp.getTime() : 'not a Date',
    })),
    continuation: event.ContinuationSequenceNumber ?? null,
    behind: event.MillisBehindLatest,
    children: event.ChildShards ?? [],
  };
}

describe('the poller decodes SubscribeToShard events as the AWS SDK does', () => {
  it('same records, continuations, lag and child shards, small and large events', async () => {
    const { streamArn, consumerArn } = await efo.streamWithConsumer('efo-parity');
    // The SDK's own decoding.
    efo.server.enqueue({ kind: 'steps', steps });
    const client = efo.h2Client();
    const request = new AbortController();
    const sdk: ReturnType<typeof summary>[] = [];
    try {
      const output = await client.send(
        new SubscribeToShardCommand({
          ConsumerARN: consumerArn,
          ShardId: shardId,
          StartingPosition: { Type: 'LATEST' },
        }),
        { abortSignal: request.signal },
      );
      for await (const item of output.EventStream ?? []) {
        if (item.SubscribeToShardEvent) sdk.push(summary(item.SubscribeToShardEvent));
      }
    } finally {
      request.abort();
    }
    expect(sdk).toHaveLength(4);
    expect(sdk[2]?.records).toHaveLength(100);

    // The poller's: the records come as core's record source (the SDK shape), read back here.
    efo.server.enqueue({ kind: 'steps', steps });
    const stop = new AbortController();
    const ours: ReturnType<typeof summary>[] = [];
    const ourClient = efo.h2Client();
    for await (const page of subscribeShard({
      client: ourClient,
      consumerArn,
      streamArn,
      shardId,
      region: 'us-east-1',
      position: { kind: 'start', startingPosition: 'LATEST' },
      signal: stop.signal,
      minSubscribeIntervalMs: 0,
    })) {
      const records = page.records === undefined ? [] : [...page.records.records];
      ours.push(
        summary({
          Records: records as never,
          ContinuationSequenceNumber: page.continuation ?? null,
          MillisBehindLatest: page.millisBehindLatest,
          ...(page.childShards === undefined ? {} : { ChildShards: page.childShards }),
        }),
      );
    }
    expect(ours).toEqual(sdk);
  });
});
