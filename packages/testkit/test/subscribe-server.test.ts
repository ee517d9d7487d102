import {
  type KinesisClient,
  KMSAccessDeniedException,
  ListShardsCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
  type SubscribeToShardCommandInput,
  type SubscribeToShardEvent,
  type SubscribeToShardEventStream,
} from '@aws-sdk/client-kinesis';
import {
  CONSUMER_ACCOUNT,
  createStream,
  generatedSequenceNumber,
  kinesisClient,
  kinesisHttp2Client,
  PRODUCER_ACCOUNT,
  putRecords,
  type SubscribeServer,
  startSubscribeServer,
  type WrittenEvent,
} from '@streamshare/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';

let server: SubscribeServer;
let consumerArn: string;
let sequences: string[];
const shardId = 'shardId-000000000000';

function h2Client(): KinesisClient {
  return kinesisHttp2Client({ endpoint: server.endpoint, account: CONSUMER_ACCOUNT, maxAttempts: 1 });
}

interface Outcome {
  events: SubscribeToShardEvent[];
  error?: unknown;
}

async function subscribe(
  position: SubscribeToShardCommandInput['StartingPosition'] = { Type: 'TRIM_HORIZON' },
  abortSignal?: AbortSignal,
): Promise<AsyncIterable<SubscribeToShardEventStream>> {
  const output = await h2Client().send(
    new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: position }),
    { abortSignal },
  );
  if (output.EventStream === undefined) throw new Error('no EventStream');
  return output.EventStream;
}

async function drain(stream: AsyncIterable<SubscribeToShardEventStream>): Promise<Outcome> {
  const events: SubscribeToShardEvent[] = [];
  try {
    for await (const item of stream) if (item.SubscribeToShardEvent) events.push(item.SubscribeToShardEvent);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

const text = (data: Uint8Array | undefined) => new TextDecoder().decode(data);

beforeAll(async () => {
  const endpoint = inject('kinesisEndpoint');
  server = await startSubscribeServer({ kinesisEndpoint: endpoint, pollMs: 20 });
  const producer = kinesisClient({ endpoint, account: PRODUCER_ACCOUNT });
  const streamArn = await createStream(producer, `efo-${Math.random().toString(36).slice(2, 8)}`, 1);
  const registered = await producer.send(
    new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'c1' }),
  );
  consumerArn = registered.Consumer?.ConsumerARN ?? '';
  const written = await putRecords(
    producer,
    streamArn,
    Array.from({ length: 5 }, (_, i) => ({ data: `r${i}`, partitionKey: 'k' })),
  );
  sequences = written.map((w) => w.sequenceNumber);
});
afterEach(async () => {
  await server.waitFor((stats) => stats.subscriptionsOpen === 0, 5000);
});
afterAll(async () => {
  await server?.close();
});

describe('startSubscribeServer with the real SDK (NodeHttp2Handler)', () => {
  it('forwards control-plane calls to kinesis-mock over HTTP/2', async () => {
    const before = server.stats().forwarded;
    const shards = await h2Client().send(new ListShardsCommand({ StreamARN: consumerArn.split('/consumer/')[0] }));
    expect(shards.Shards?.map((s) => s.ShardId)).toEqual([shardId]);
    expect(server.stats().forwarded).toBe(before + 1);
  });

  it('serves kinesis-mock records with heartbeats, then ends normally after endAfterMs (the 5 minutes, shortened)', async () => {
    server.enqueue({ kind: 'live', endAfterMs: 600, heartbeatMs: 100 });
    const { events, error } = await drain(await subscribe());
    expect(error === undefined ? undefined : (error as Error).message).toBeUndefined();
    const records = events.flatMap((e) => e.Records ?? []);
    expect(records.map((r) => text(r.Data))).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(records.map((r) => r.SequenceNumber)).toEqual(sequences);
    expect(records[0]?.ApproximateArrivalTimestamp).toBeInstanceOf(Date);
    const heartbeats = events.filter((e) => (e.Records ?? []).length === 0);
    expect(heartbeats.length).toBeGreaterThan(0);
    // Every event, heartbeats too, carries the continuation: the last record's sequence number.
    for (const heartbeat of heartbeats) expect(heartbeat.ContinuationSequenceNumber).toBe(sequences[4]);
    expect(server.calls.at(-1)?.startingPosition).toEqual({ Type: 'TRIM_HORIZON' });
    expect(server.calls.at(-1)?.accessKeyId).toBe(CONSUMER_ACCOUNT);
  });

  it('serves from AFTER_SEQUENCE_NUMBER of a continuation', async () => {
    server.enqueue({ kind: 'live', endAfterMs: 300, heartbeatMs: 100 });
    const { events } = await drain(await subscribe({ Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: sequences[2] }));
    expect(events.flatMap((e) => e.Records ?? []).map((r) => text(r.Data))).toEqual(['r3', 'r4']);
  });

  it('ResourceInUseException on subscribe: send() rejects with the modeled error', async () => {
    server.enqueue({ kind: 'reject', type: 'ResourceInUseException', message: 'too soon' });
    await expect(subscribe()).rejects.toMatchObject({ name: 'ResourceInUseException', message: 'too soon' });
  });

  it('a KMS exception in the stream: for await throws the modeled exception', async () => {
    server.enqueue({
      kind: 'steps',
      steps: [
        { kind: 'event', continuation: '1', records: [{ data: 'a', partitionKey: 'k', sequenceNumber: '1' }] },
        { kind: 'exception', type: 'KMSAccessDeniedException', message: 'denied' },
      ],
    });
    const { events, error } = await drain(await subscribe());
    expect(events).toHaveLength(1);
    expect(error).toBeInstanceOf(KMSAccessDeniedException);
    expect(error).toMatchObject({ name: 'KMSAccessDeniedException', message: 'denied' });
  });

  it('shard end: ChildShards and a null continuation, then the stream ends', async () => {
    const child = {
      ShardId: 'shardId-000000000001',
      ParentShards: [shardId],
      HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
    };
    server.enqueue({ kind: 'steps', steps: [{ kind: 'event', continuation: null, childShards: [child] }] });
    const { events, error } = await drain(await subscribe());
    expect(error).toBeUndefined();
    expect(events).toHaveLength(1);
    expect(events[0]?.ContinuationSequenceNumber ?? null).toBeNull();
    expect(events[0]?.ChildShards).toEqual([child]);
  });

  it('a message split across HTTP/2 frames is decoded whole', async () => {
    const records = Array.from({ length: 20 }, (_, i) => ({
      data: `s${i}`.repeat(50),
      partitionKey: 'k',
      sequenceNumber: `${i}`,
    }));
    server.enqueue({ kind: 'steps', steps: [{ kind: 'event', continuation: '19', records, splitInto: 9 }] });
    const { events, error } = await drain(await subscribe());
    expect(error).toBeUndefined();
    expect(events[0]?.Records?.map((r) => text(r.Data))).toEqual(records.map((r) => r.data));
  });

  it('a corrupt CRC: for await throws', async () => {
    server.enqueue({ kind: 'steps', steps: [{ kind: 'corrupt-event', continuation: '1' }] });
    const { events, error } = await drain(await subscribe());
    expect(events).toHaveLength(0);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/checksum|crc/i);
  });

  it.each(['end', 'drop', 'reset'] as const)(
    'a stream %s ends for await normally, with no error, and closes the session (no abort needed)',
    async (end) => {
      server.enqueue({ kind: 'steps', steps: [{ kind: 'event', continuation: '1' }], end });
      const { events, error } = await drain(await subscribe());
      expect(error).toBeUndefined();
      expect(events).toHaveLength(1);
      await server.waitFor((stats) => stats.subscriptionSessionsOpen === 0);
    },
  );

  it('breaking out of for await leaves the HTTP/2 stream open; aborting the request closes stream and session', async () => {
    server.enqueue({ kind: 'steps', steps: [{ kind: 'event', continuation: '1' }], end: 'hang' });
    const controller = new AbortController();
    const stream = await subscribe({ Type: 'LATEST' }, controller.signal);
    for await (const _ of stream) break;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.stats()).toMatchObject({ subscriptionsOpen: 1, subscriptionSessionsOpen: 1 });
    controller.abort();
    await server.waitFor((stats) => stats.subscriptionsOpen === 0 && stats.subscriptionSessionsOpen === 0);
  });

  it('send() resolves only once a first event came; aborted before one, it resolves with an empty event stream', async () => {
    server.enqueue({ kind: 'steps', steps: [], end: 'hang', initialResponse: false });
    const controller = new AbortController();
    const sent = subscribe({ Type: 'LATEST' }, controller.signal);
    const raced = await Promise.race([
      sent.then(() => 'resolved'),
      new Promise((r) => setTimeout(() => r('waiting'), 400)),
    ]);
    expect(raced).toBe('waiting');
    controller.abort();
    // Aborted before any event, send() resolves all the same, with an event stream that yields nothing.
    const outcome = await drain(await sent);
    expect(outcome).toEqual({ events: [] });
    await server.waitFor((stats) => stats.subscriptionsOpen === 0 && stats.subscriptionSessionsOpen === 0);
  });

  it('a silent stream stays open (no SDK idle timeout with requestTimeout 0); an abort then ends for await with no error', async () => {
    server.enqueue({ kind: 'steps', steps: [], end: 'hang' });
    const controller = new AbortController();
    const stream = await subscribe({ Type: 'LATEST' }, controller.signal);
    const outcome = drain(stream);
    const raced = await Promise.race([
      outcome.then(() => 'ended'),
      new Promise((r) => setTimeout(() => r('open'), 500)),
    ]);
    expect(raced).toBe('open');
    controller.abort();
    const { error } = await outcome;
    expect(error).toBeUndefined();
    await server.waitFor((stats) => stats.subscriptionsOpen === 0 && stats.subscriptionSessionsOpen === 0);
  });

  it('generate: a backlog made in memory, from TRIM_HORIZON or a continuation, then heartbeats; each event reported to onEventWritten', async () => {
    const written: WrittenEvent[] = [];
    const generating = await startSubscribeServer({
      kinesisEndpoint: inject('kinesisEndpoint'),
      onEventWritten: (event) => written.push(event),
    });
    const client = kinesisHttp2Client({ endpoint: generating.endpoint, account: CONSUMER_ACCOUNT, maxAttempts: 1 });
    try {
      const script = { kind: 'generate', events: 3, recordsPerEvent: 4, heartbeatMs: 60, endAfterMs: 400 } as const;
      const read = async (position: SubscribeToShardCommandInput['StartingPosition']) => {
        generating.enqueue(script);
        const output = await client.send(
          new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: position }),
        );
        if (output.EventStream === undefined) throw new Error('no EventStream');
        return drain(output.EventStream);
      };
      const all = await read({ Type: 'TRIM_HORIZON' });
      expect(all.error).toBeUndefined();
      const withRecords = all.events.filter((e) => (e.Records ?? []).length > 0);
      expect(withRecords.map((e) => e.Records?.length)).toEqual([4, 4, 4]);
      const records = withRecords.flatMap((e) => e.Records ?? []);
      expect(records.map((r) => r.SequenceNumber)).toEqual(
        Array.from({ length: 12 }, (_, i) => generatedSequenceNumber(i)),
      );
      expect(JSON.parse(text(records[0]?.Data))).toEqual({ pad: expect.any(String) });
      expect(records[0]?.Data?.length).toBe(1024);
      expect(records.map((r) => r.PartitionKey).slice(0, 2)).toEqual(['key-0', 'key-1']);
      expect(withRecords.map((e) => e.ContinuationSequenceNumber)).toEqual(
        [3, 7, 11].map((i) => generatedSequenceNumber(i)),
      );
      // Then heartbeats carrying the last continuation, until endAfterMs.
      const heartbeats = all.events.slice(3);
      expect(heartbeats.length).toBeGreaterThan(0);
      for (const h of heartbeats) {
        expect(h.Records).toEqual([]);
        expect(h.ContinuationSequenceNumber).toBe(generatedSequenceNumber(11));
      }
      expect(written.slice(0, 3).map((w) => [w.records, w.firstSequenceNumber, w.lastSequenceNumber])).toEqual([
        [4, generatedSequenceNumber(0), generatedSequenceNumber(3)],
        [4, generatedSequenceNumber(4), generatedSequenceNumber(7)],
        [4, generatedSequenceNumber(8), generatedSequenceNumber(11)],
      ]);
      expect(written.length).toBe(all.events.length);

      // A re-subscription resumes in the same backlog: after record 5, events of 4 from record 6.
      const after = await read({ Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: generatedSequenceNumber(5) });
      const resumed = after.events.flatMap((e) => e.Records ?? []).map((r) => r.SequenceNumber);
      expect(resumed).toEqual([6, 7, 8, 9, 10, 11].map((i) => generatedSequenceNumber(i)));
      const at = await read({ Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: generatedSequenceNumber(10) });
      expect(at.events.flatMap((e) => e.Records ?? []).map((r) => r.SequenceNumber)).toEqual(
        [10, 11].map((i) => generatedSequenceNumber(i)),
      );
      // LATEST: nothing of the backlog, heartbeats only.
      const latest = await read({ Type: 'LATEST' });
      expect(latest.events.length).toBeGreaterThan(0);
      expect(latest.events.every((e) => (e.Records ?? []).length === 0)).toBe(true);
      expect(generating.calls.map((c) => c.script)).toEqual(['generate', 'generate', 'generate', 'generate']);
    } finally {
      client.destroy();
      await generating.close();
    }
  });
});
