import { type KinesisClient, RegisterStreamConsumerCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { processBatch, type StreamRecord } from '@streamshare/core';
import {
  CONSUMER_ACCOUNT,
  kinesisHttp2Client,
  putRecords,
  type ScriptedRecord,
  type SubscribeServer,
  startSubscribeServer,
  waitForStreamActive,
} from '@streamshare/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReadPosition } from '../src/reader/position.js';
import {
  type ResubscribeReason,
  type ShardSubscriptionOptions,
  type SubscriptionPage,
  subscribeShard,
} from '../src/subscription/index.js';
import { kinesisEndpoint, producerClient, producerStream } from './helpers/engine-env.js';

let server: SubscribeServer;
let streamArn: string;
let consumerArn: string;
const shardId = 'shardId-000000000000';
const child = {
  ShardId: 'shardId-000000000001',
  ParentShards: [shardId],
  HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
};
const shardEnd = { kind: 'event', continuation: null, childShards: [child] } as const;
const record = (data: string, sequenceNumber: string): ScriptedRecord => ({ data, partitionKey: 'k', sequenceNumber });

function h2Client(): KinesisClient {
  return kinesisHttp2Client({ endpoint: server.endpoint, account: CONSUMER_ACCOUNT, maxAttempts: 1 });
}

interface Run {
  pages: SubscriptionPage[];
  data: string[];
  resubscribes: ResubscribeReason[];
  error?: unknown;
}

/** Reads the shard through core's processBatch (the page as a kinesisRecords source), as the poller would. */
async function read(
  position: ReadPosition,
  options: Partial<ShardSubscriptionOptions> & {
    stopAfter?: number;
    onPage?: (page: SubscriptionPage) => Promise<void>;
  } = {},
): Promise<Run> {
  const run: Run = { pages: [], data: [], resubscribes: [] };
  const stop = new AbortController();
  const handler = async (r: StreamRecord<unknown>) => {
    run.data.push(String(r.data));
  };
  try {
    for await (const page of subscribeShard({
      client: h2Client(),
      consumerArn,
      streamArn,
      shardId,
      region: 'us-east-1',
      position,
      signal: stop.signal,
      minSubscribeIntervalMs: 0,
      transientBackoff: { minMs: 20, maxMs: 50 },
      resourceInUseBackoff: { minMs: 400, maxMs: 400, jitter: false },
      observer: { onResubscribe: (_shard, reason) => run.resubscribes.push(reason) },
      ...options,
    })) {
      run.pages.push(page);
      if (page.records) {
        const result = await processBatch(page.records, handler, { codec: 'text', resumeFrom: page.resumeFrom });
        expect(result.failed).toBeUndefined();
      }
      await options.onPage?.(page);
      if (options.stopAfter !== undefined && run.data.length >= options.stopAfter) break;
    }
  } catch (error) {
    run.error = error;
  }
  return run;
}

beforeAll(async () => {
  server = await startSubscribeServer({ kinesisEndpoint: kinesisEndpoint(), pollMs: 20 });
  streamArn = await producerStream('efo-reader', 1);
  const registered = await producerClient().send(
    new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'reader' }),
  );
  consumerArn = registered.Consumer?.ConsumerARN ?? '';
});
afterEach(async () => {
  server.discardQueued();
  // No subscription outlives the reading: every request was aborted, streams and sessions closed.
  await server.waitFor((stats) => stats.subscriptionsOpen === 0 && stats.subscriptionSessionsOpen === 0);
});
afterAll(async () => {
  await server?.close();
});

describe('subscribeShard', () => {
  it('reads kinesis-mock records through processBatch across shortened 5-minute ends, re-subscribing after each continuation', async () => {
    const put = (from: number) =>
      putRecords(
        producerClient(),
        streamArn,
        Array.from({ length: 6 }, (_, i) => ({ data: `r${from + i}`, partitionKey: `k${i % 3}` })),
      );
    const written = await put(0);
    server.enqueue(
      { kind: 'live', endAfterMs: 150, heartbeatMs: 50 },
      { kind: 'live', endAfterMs: 150, heartbeatMs: 50 },
      { kind: 'live', endAfterMs: 150, heartbeatMs: 50 },
      { kind: 'live', endAfterMs: 150, heartbeatMs: 50 },
    );
    const first = server.calls.length;
    let later: Promise<void> | undefined;
    const run = await read(
      { kind: 'start', startingPosition: 'TRIM_HORIZON' },
      {
        stopAfter: 12,
        onPage: async () => {
          // The rest is written once the first subscription has ended.
          later ??= new Promise((resolve) => setTimeout(resolve, 300)).then(async () => {
            written.push(...(await put(6)));
          });
        },
      },
    );
    await later;
    expect(run.error).toBeUndefined();
    expect(run.data).toEqual(Array.from({ length: 12 }, (_, i) => `r${i}`));
    expect(run.resubscribes.length).toBeGreaterThan(0);
    expect(run.resubscribes.every((reason) => reason === 'ended')).toBe(true);
    expect(server.calls[first]?.startingPosition).toEqual({ Type: 'TRIM_HORIZON' });
    // Later subscriptions continue after the last continuation (a record's sequence number): nothing read twice.
    const later2 = server.calls.slice(first + 1);
    expect(later2.length).toBeGreaterThan(0);
    for (const call of later2) {
      expect(call.startingPosition.Type).toBe('AFTER_SEQUENCE_NUMBER');
      expect(written.map((w) => w.sequenceNumber)).toContain(call.startingPosition.SequenceNumber);
    }
  });

  it('live shard end after a real SplitShard: the records, then the last page with kinesis-mock ChildShards', async () => {
    const splitStream = await producerStream('efo-split', 1);
    const producer = producerClient();
    const registered = await producer.send(
      new RegisterStreamConsumerCommand({ StreamARN: splitStream, ConsumerName: 'split-reader' }),
    );
    await putRecords(
      producer,
      splitStream,
      Array.from({ length: 3 }, (_, i) => ({ data: `p${i}`, partitionKey: 'k' })),
    );
    await producer.send(
      new SplitShardCommand({ StreamARN: splitStream, ShardToSplit: shardId, NewStartingHashKey: '2'.repeat(38) }),
    );
    await waitForStreamActive(producer, splitStream);
    server.enqueue({ kind: 'live', heartbeatMs: 50 });
    const run = await read(
      { kind: 'start', startingPosition: 'TRIM_HORIZON' },
      { consumerArn: registered.Consumer?.ConsumerARN ?? '', streamArn: splitStream },
    );
    expect(run.error).toBeUndefined();
    expect(run.data).toEqual(['p0', 'p1', 'p2']);
    const last = run.pages.at(-1);
    expect(last?.continuation).toBeUndefined();
    expect(last?.childShards?.map((c) => c.ParentShards)).toEqual([[shardId], [shardId]]);
  });

  it("an empty shard: the heartbeats' continuation (the shard's first sequence number) loses no record written later", async () => {
    const emptyStream = await producerStream('efo-empty', 1);
    const producer = producerClient();
    const registered = await producer.send(
      new RegisterStreamConsumerCommand({ StreamARN: emptyStream, ConsumerName: 'empty-reader' }),
    );
    server.enqueue({ kind: 'live', endAfterMs: 200, heartbeatMs: 50 }, { kind: 'live', heartbeatMs: 50 });
    const first = server.calls.length;
    let putting: Promise<unknown> | undefined;
    const run = await read(
      { kind: 'start', startingPosition: 'TRIM_HORIZON' },
      {
        consumerArn: registered.Consumer?.ConsumerARN ?? '',
        streamArn: emptyStream,
        stopAfter: 2,
        onPage: async () => {
          // Written once the first subscription (heartbeats only) has ended.
          putting ??= new Promise((resolve) => setTimeout(resolve, 400)).then(() =>
            putRecords(producer, emptyStream, [
              { data: 'e0', partitionKey: 'k' },
              { data: 'e1', partitionKey: 'k' },
            ]),
          );
        },
      },
    );
    await putting;
    expect(run.data).toEqual(['e0', 'e1']);
    expect(server.calls[first + 1]?.startingPosition.Type).toBe('AFTER_SEQUENCE_NUMBER');
  });

  it.each(['end', 'reset', 'drop'] as const)(
    'after a stream %s: subscribes again after the continuation, also one from an event without records',
    async (end) => {
      server.enqueue(
        { kind: 'steps', steps: [{ kind: 'event', continuation: '10', records: [record('a', '10')] }], end },
        { kind: 'steps', steps: [{ kind: 'event', continuation: '15' }], end },
        { kind: 'steps', steps: [{ kind: 'event', continuation: '20', records: [record('b', '20')] }, shardEnd] },
      );
      const first = server.calls.length;
      const run = await read({ kind: 'start', startingPosition: 'LATEST' });
      expect(run.error).toBeUndefined();
      expect(run.data).toEqual(['a', 'b']);
      expect(run.resubscribes).toEqual(['ended', 'ended']);
      expect(server.calls.slice(first).map((c) => c.startingPosition)).toEqual([
        { Type: 'LATEST' },
        { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '10' },
        { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '15' },
      ]);
      // The shard's end: the last page names the child shards, then the generator returns.
      expect(run.pages.at(-1)).toMatchObject({ continuation: undefined, childShards: [child] });
    },
  );

  it('subscribes from a checkpoint (AFTER a complete one) and resumes inside a partly done aggregate (AT)', async () => {
    server.enqueue({ kind: 'steps', steps: [shardEnd] }, { kind: 'steps', steps: [shardEnd] });
    const first = server.calls.length;
    await read({ kind: 'checkpoint', checkpoint: { sequenceNumber: '5', subSequenceNumber: 0, complete: true } });
    await read({ kind: 'checkpoint', checkpoint: { sequenceNumber: '6', subSequenceNumber: 2, complete: false } });
    expect(server.calls.slice(first).map((c) => c.startingPosition)).toEqual([
      { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '5' },
      { Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: '6' },
    ]);
  });

  it('ResourceInUseException: waits its backoff before subscribing again', async () => {
    server.enqueue({ kind: 'reject', type: 'ResourceInUseException' }, { kind: 'steps', steps: [shardEnd] });
    const startedAt = Date.now();
    const run = await read({ kind: 'start', startingPosition: 'LATEST' });
    expect(run.error).toBeUndefined();
    expect(run.resubscribes).toEqual(['resource-in-use']);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(390);
  });

  it('a silent stream: aborted after silenceMs and subscribed again from the continuation', async () => {
    server.enqueue(
      { kind: 'steps', steps: [{ kind: 'event', continuation: '30', records: [record('c', '30')] }], end: 'hang' },
      { kind: 'steps', steps: [shardEnd] },
    );
    const first = server.calls.length;
    const run = await read({ kind: 'start', startingPosition: 'LATEST' }, { silenceMs: 300 });
    expect(run.error).toBeUndefined();
    expect(run.resubscribes).toEqual(['silent']);
    expect(server.calls[first + 1]?.startingPosition).toEqual({ Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '30' });
  });

  it('a subscription that never sends its first event: aborted after silenceMs and made again', async () => {
    server.enqueue(
      { kind: 'steps', steps: [], end: 'hang', initialResponse: false },
      { kind: 'steps', steps: [shardEnd] },
    );
    const run = await read({ kind: 'start', startingPosition: 'LATEST' }, { silenceMs: 300 });
    expect(run.error).toBeUndefined();
    expect(run.resubscribes).toEqual(['silent']);
  });

  it('a slow handler is not taken for a silent stream', async () => {
    server.enqueue({
      kind: 'steps',
      steps: [{ kind: 'event', continuation: '1', records: [record('d', '1')] }, { kind: 'pause', ms: 50 }, shardEnd],
    });
    const run = await read(
      { kind: 'start', startingPosition: 'LATEST' },
      { silenceMs: 200, onPage: () => new Promise((resolve) => setTimeout(resolve, 500)) },
    );
    expect(run.resubscribes).toEqual([]);
    expect(run.data).toEqual(['d']);
  });

  it('a corrupt CRC re-subscribes after a backoff from the last continuation', async () => {
    server.enqueue(
      {
        kind: 'steps',
        steps: [
          { kind: 'event', continuation: '40', records: [record('e', '40')] },
          { kind: 'corrupt-event', continuation: '41' },
        ],
      },
      { kind: 'steps', steps: [shardEnd] },
    );
    const first = server.calls.length;
    const run = await read({ kind: 'start', startingPosition: 'LATEST' });
    expect(run.error).toBeUndefined();
    expect(run.resubscribes).toEqual(['transient']);
    expect(server.calls[first + 1]?.startingPosition).toEqual({ Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '40' });
  });

  it('a message split across HTTP/2 frames is one page', async () => {
    const records = Array.from({ length: 30 }, (_, i) => record(`s${i}`.repeat(40), String(100 + i)));
    server.enqueue({
      kind: 'steps',
      steps: [{ kind: 'event', continuation: '129', records, splitInto: 11 }, shardEnd],
    });
    const run = await read({ kind: 'start', startingPosition: 'LATEST' });
    expect(run.data).toEqual(records.map((r) => r.data));
  });

  it('a KMS exception in the stream throws the typed KmsError, and leaves no stream open', async () => {
    server.enqueue({
      kind: 'steps',
      steps: [{ kind: 'exception', type: 'KMSAccessDeniedException', message: 'no decrypt' }],
      end: 'hang',
    });
    const run = await read({ kind: 'start', startingPosition: 'LATEST' });
    expect(run.error).toMatchObject({ code: 'KMS_ERROR', awsError: 'KMSAccessDeniedException', retryable: false });
  });

  it('the caller breaking out of its loop aborts the subscription (no leaked HTTP/2 stream)', async () => {
    server.enqueue({
      kind: 'steps',
      steps: [{ kind: 'event', continuation: '50', records: [record('f', '50')] }],
      end: 'hang',
    });
    const run = await read({ kind: 'start', startingPosition: 'LATEST' }, { stopAfter: 1 });
    expect(run.data).toEqual(['f']);
    // afterEach checks that the stream and its session closed.
  });

  it('the stop signal ends a waiting and an open subscription', async () => {
    server.enqueue({ kind: 'steps', steps: [{ kind: 'event', continuation: '60' }], end: 'hang' });
    const stop = new AbortController();
    const reading = read({ kind: 'start', startingPosition: 'LATEST' }, { signal: stop.signal });
    await server.waitFor((stats) => stats.subscriptionsOpen === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    stop.abort();
    const { pages, error } = await reading;
    expect(error).toBeUndefined();
    expect(pages).toHaveLength(1);
  });

  it('backpressure: a slow handler stops the reading (HTTP/2 flow control), events are not queued', async () => {
    const big = 'x'.repeat(60_000);
    const events = Array.from({ length: 40 }, (_, i) => ({
      kind: 'event' as const,
      continuation: String(1000 + i),
      records: [record(big, String(1000 + i))],
    }));
    server.enqueue({ kind: 'steps', steps: [...events, shardEnd] });
    const before = server.stats().eventsWritten;
    let writtenWhileHeld = 0;
    const run = await read(
      { kind: 'start', startingPosition: 'LATEST' },
      {
        stopAfter: 1,
        onPage: async () => {
          await new Promise((resolve) => setTimeout(resolve, 500));
          writtenWhileHeld = server.stats().eventsWritten - before;
        },
      },
    );
    expect(run.data).toHaveLength(1);
    // 40 events of 80 KB are 3.2 MB; with one page held, only what the flow-control windows hold got out.
    expect(writtenWhileHeld).toBeLessThan(10);
  });
});
