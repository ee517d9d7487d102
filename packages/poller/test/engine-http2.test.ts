// The poller's HTTP/2 Kinesis client (`createKinesisClient({ http2: true })`, its client for the
// listing calls with enhanced fan-out) against the scale benchmark's local Kinesis on its cleartext
// HTTP/2 (h2c) listener, which refuses HTTP/1.1: real AWS SDK client, real HTTP/2 on 127.0.0.1,
// pointed at the server by the SDK's own environment (AWS_ENDPOINT_URL_KINESIS).
import { ListShardsCommand } from '@aws-sdk/client-kinesis';
import { MemoryCheckpointStore } from '@streamshare/core';
import { createPoller } from '@streamshare/poller';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_STREAM_ARN, type KinesisServer, startKinesisServer } from '../bench/lib/kinesis-server.mjs';
import { createKinesisClient, HTTP2_STREAMS_PER_CONNECTION } from '../src/clients/kinesis-client.js';

const ENV_KEYS = ['AWS_ENDPOINT_URL_KINESIS', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
let server: KinesisServer;

beforeAll(async () => {
  server = await startKinesisServer({ h2: true });
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => {
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

/** The SDK environment of a consumer pointed at the server's HTTP/2 listener. */
function http2Environment(): void {
  process.env.AWS_ENDPOINT_URL_KINESIS = server.h2Endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.AWS_REGION = 'us-east-1';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the poller's HTTP/2 client", () => {
  it('reads every record of every shard from an HTTP/2-only endpoint, every call over HTTP/2', async () => {
    const shards = 4;
    const records = 60;
    server.setup({ shards, records, pageRecords: 25, recordBytes: 256 });
    http2Environment();
    const seen = new Map<string, number>();
    let handled = 0;
    const kinesis = createKinesisClient({ region: 'us-east-1', http2: true });
    const poller = createPoller({
      streamArn: BENCH_STREAM_ARN,
      kinesisClient: kinesis,
      checkpointStore: new MemoryCheckpointStore(),
      codec: 'bytes',
      readLimits: { callsPerSecond: 1_000, bytesPerSecond: 1e12 },
      idleTimeBetweenReadsMs: 50,
      startTimeoutMs: 5_000,
      handler: (record) => {
        seen.set(record.shardId, (seen.get(record.shardId) ?? 0) + 1);
        handled++;
      },
    });
    try {
      await poller.start();
      const until = Date.now() + 20_000;
      while (handled < shards * records && Date.now() < until) await sleep(20);
    } finally {
      await poller.stop();
      kinesis.destroy();
    }
    expect(handled).toBe(shards * records);
    expect([...seen.values()]).toEqual(Array.from({ length: shards }, () => records));
    const stats = server.stats();
    expect(stats.GetRecords).toBeGreaterThanOrEqual(shards * 3);
    expect(stats.h2Requests).toBe(stats.requests);
  });

  it(`opens another connection rather than send more than ${HTTP2_STREAMS_PER_CONNECTION} requests at once on one`, async () => {
    // 2.5 connections' worth of calls at once, each answered after 300 ms: three connections.
    // A server of its own: no connection of another test is counted.
    const own = await startKinesisServer({ h2: true, shards: 2, latencyMs: 300 });
    process.env.AWS_ENDPOINT_URL_KINESIS = own.h2Endpoint;
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    const client = createKinesisClient({ region: 'us-east-1', http2: true });
    try {
      const calls = HTTP2_STREAMS_PER_CONNECTION * 2.5;
      const pages = await Promise.all(
        Array.from({ length: calls }, () => client.send(new ListShardsCommand({ StreamARN: BENCH_STREAM_ARN }))),
      );
      expect(pages.every((page) => page.Shards?.length === 2)).toBe(true);
      expect(own.stats().h2Requests).toBe(calls);
      expect(own.stats().h2PeakSessions).toBe(3);
    } finally {
      client.destroy();
      await own.close();
    }
  });
});
