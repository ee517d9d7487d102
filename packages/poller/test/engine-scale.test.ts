// A poller reading several shards of the scale benchmark's local Kinesis (real AWS SDK client, real
// HTTP on 127.0.0.1): the memory budget across shards holds and starves no shard; requests wait for
// a turn in the poller, not in the HTTP agent, so a small socket pool gives no connection timeouts;
// an idle shard is read once per idleTimeBetweenReadsMs whatever the latency; the pages of many
// shards are handled a slice of the event loop at a time.
import { spawn } from 'node:child_process';
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { MemoryCheckpointStore, type StreamRecord } from '@streamshare/core';
import { createPoller, type PollerOptions } from '@streamshare/poller';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_STREAM_ARN, type KinesisServer, startKinesisServer } from '../bench/lib/kinesis-server.mjs';
import { PAGE_MEMORY_FACTOR } from '../src/scheduling/memory-budget.js';
import { countLoopTurns, spin } from './helpers/loop-turns.js';

let server: KinesisServer;
beforeAll(async () => {
  server = await startKinesisServer();
});
afterAll(async () => {
  await server?.close();
});

function client(sockets: number, connectionTimeout = 5_000, endpoint = server.endpoint): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: new Agent({ keepAlive: true, maxSockets: sockets }),
      connectionTimeout,
      requestTimeout: 30_000,
    }),
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const NO_READ_LIMITS = { callsPerSecond: 1_000, bytesPerSecond: 1e12 };

/** Starts `poller`, waits until `done()` reaches `total` (30 s at most), stops it and destroys its client. */
async function drain(
  poller: ReturnType<typeof createPoller>,
  kinesis: KinesisClient,
  total: number,
  done: () => number,
): Promise<void> {
  const until = Date.now() + 30_000;
  try {
    await poller.start();
    while (done() < total) {
      if (Date.now() > until) throw new Error(`drained ${done()} of ${total} records within 30 s`);
      await sleep(20);
    }
  } finally {
    await poller.stop();
    kinesis.destroy();
  }
}

/**
 * A poller of the local server's stream through `kinesis`: in-memory checkpoints, the bytes codec,
 * no read limits, 50 ms at the tip; `options` add to or override these.
 */
function localPoller(
  kinesis: KinesisClient,
  options: Omit<PollerOptions<Uint8Array, 'bytes'>, 'streamArn' | 'kinesisClient' | 'codec'>,
): ReturnType<typeof createPoller> {
  return createPoller<Uint8Array, 'bytes'>({
    streamArn: BENCH_STREAM_ARN,
    kinesisClient: kinesis,
    checkpointStore: new MemoryCheckpointStore(),
    codec: 'bytes',
    readLimits: NO_READ_LIMITS,
    idleTimeBetweenReadsMs: 50,
    ...options,
  });
}

describe('a poller with many shards (local Kinesis server)', () => {
  it('keeps the pages in hand across shards within maxBufferedBytes, and every shard gets its turn', async () => {
    const shards = 6;
    const records = 240;
    server.setup({ shards, records, pageRecords: 40, recordBytes: 1024 });
    const budget = 300_000; // two pages of 40 KiB of payload, each counted 3× (PAGE_MEMORY_FACTOR)
    let inHand = 0;
    let peakInHand = 0;
    let waits = 0;
    let handled = 0;
    const firstAt = new Map<string, number>();
    const kinesis = client(16);
    const poller = localPoller(kinesis, {
      maxBufferedBytes: budget,
      handler: async (record: StreamRecord<unknown>) => {
        if (!firstAt.has(record.shardId)) firstAt.set(record.shardId, handled);
        handled++;
        if (handled % 10 === 0) await sleep(1);
      },
      observer: {
        onGetRecords: (_shard, _count, bytes) => {
          inHand += bytes;
          peakInHand = Math.max(peakInHand, inHand);
        },
        onBatch: (_shard, _result, bytes) => {
          inHand -= bytes;
        },
        onBufferWait: () => {
          waits++;
        },
      },
    });
    await drain(poller, kinesis, shards * records, () => handled);
    expect(handled).toBe(shards * records);
    // Without the budget all six first pages (240 KiB) are in hand at once.
    expect(peakInHand).toBeGreaterThan(0);
    expect(peakInHand * PAGE_MEMORY_FACTOR).toBeLessThanOrEqual(budget);
    expect(waits).toBeGreaterThan(0);
    // No starvation: every shard got its first record before half of the backlog was handled.
    expect(firstAt.size).toBe(shards);
    for (const at of firstAt.values()) expect(at).toBeLessThan((shards * records) / 2);
  });

  it('with fewer sockets than shards and a slow endpoint, requests wait for a turn, not in the agent: no connection timeouts', async () => {
    const shards = 12;
    const records = 20;
    server.setup({ shards, records, pageRecords: 10, latencyMs: 150 });
    const failures: string[] = [];
    let handled = 0;
    // Two sockets, a 100 ms connection timeout: a request queued in the agent behind two 150 ms calls times out.
    const kinesis = client(2, 100);
    const poller = createPoller({
      streamArn: BENCH_STREAM_ARN,
      kinesisClient: kinesis,
      maxRequestsInFlight: 2,
      checkpointStore: new MemoryCheckpointStore(),
      codec: 'bytes',
      readLimits: NO_READ_LIMITS,
      idleTimeBetweenReadsMs: 200,
      handler: () => {
        handled++;
      },
      observer: {
        onRetry: (_shard, action, error) => failures.push(`${action}: ${error instanceof Error ? error.message : ''}`),
      },
    });
    try {
      await drain(poller, kinesis, shards * records, () => handled);
    } finally {
      server.setup({});
    }
    expect(handled).toBe(shards * records);
    expect(failures).toEqual([]);
  });

  it('with latency to the endpoint, an idle shard is still read once per idleTimeBetweenReadsMs (the pause counts from the read)', async () => {
    const shards = 4;
    server.setup({ shards, records: 0, latencyMs: 400 });
    const kinesis = client(8);
    const poller = localPoller(kinesis, { idleTimeBetweenReadsMs: 500, handler: () => {} });
    let reads = 0;
    try {
      await poller.start();
      // Once every shard read once (the first reads), count the reads of 3 s.
      while (server.stats().GetRecords < shards) await sleep(20);
      const before = server.stats().GetRecords;
      await sleep(3_000);
      reads = server.stats().GetRecords - before;
    } finally {
      await poller.stop();
      kinesis.destroy();
      server.setup({});
    }
    // Every 500 ms: 6 reads per shard in 3 s; the pause after the response instead of from the read's
    // start made it every 900 ms (3.3 reads). 4.5 leaves room for a loaded machine (timers run late:
    // a CI run at load 8 saw 5).
    expect(reads / shards).toBeGreaterThanOrEqual(4.5);
    expect(reads / shards).toBeLessThanOrEqual(7);
  });

  it('handles the pages of many shards a slice of the event loop at a time, not all in the turn that read them', async () => {
    const shards = 32;
    const records = 100;
    // The server in a process of its own (as in the benchmark): its answers arrive together while
    // this process is busy, not spread over this process's turns.
    const own = await serverProcess();
    await own.setup({ shards, records, pageRecords: 50, recordBytes: 1024 });
    const turns = countLoopTurns();
    const pagesInTurn = new Map<number, number>();
    let handled = 0;
    const kinesis = client(64, 5_000, own.endpoint);
    const poller = localPoller(kinesis, {
      handler: () => {
        handled++;
        spin(0.1); // about 5 ms of work per page of 50 records
      },
      observer: {
        onBatch: () => {
          pagesInTurn.set(turns.turn, (pagesInTurn.get(turns.turn) ?? 0) + 1);
        },
      },
    });
    try {
      await drain(poller, kinesis, shards * records, () => handled);
    } finally {
      turns.stop();
      own.close();
    }
    expect(handled).toBe(shards * records);
    // Slices of 10 ms: a turn handles about two slices' worth (one opened in its poll phase, one in
    // its check phase), each overrun by at most a page. Without slices, the pages of every response
    // read in one poll phase were handled in that turn.
    expect(Math.max(...pagesInTurn.values())).toBeLessThanOrEqual(8);
  });
});

/** The local Kinesis server as a child process (`node kinesis-server.mjs`). */
async function serverProcess() {
  const child = spawn(process.execPath, [fileURLToPath(new URL('../bench/lib/kinesis-server.mjs', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk) => resolve(JSON.parse(String(chunk)).port));
    child.once('exit', () => reject(new Error('the Kinesis server exited')));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    setup: async (stream: object) => {
      const res = await fetch(`${endpoint}/__setup`, { method: 'POST', body: JSON.stringify(stream) });
      await res.arrayBuffer();
    },
    close: () => child.kill(),
  };
}
