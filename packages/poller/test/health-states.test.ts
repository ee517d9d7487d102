/**
 * /healthz shows each owned shard's state and the count per state, over real HTTP: from a status
 * given by hand, from a real poller reading kinesis-mock, and fast with 1,000 shards.
 */
import type { Poller } from '@streamshare/poller';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { healthOf } from '../src/http/health.js';
import { type HttpServer, startHttpServer } from '../src/http/server.js';
import type { PollerStatus, ShardStatus } from '../src/poller/options.js';
import { SHARD_STATE_KINDS } from '../src/reader/shard-state.js';
import { deleteProducerStream, producerStream, textPoller, waitFor } from './helpers/engine-env.js';

const servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(status: () => PollerStatus | undefined, now = Date.now): Promise<(path: string) => string> {
  const server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    status,
    startedAt: () => now(),
    maxPollAgeMs: 30_000,
    metrics: async () => '',
    metricsContentType: 'text/plain',
    now,
  });
  servers.push(server);
  return (path) => `http://127.0.0.1:${server.port}${path}`;
}

interface Body {
  status: string;
  states?: Record<string, number>;
  shards: { shardId: string; state?: string; healthy: boolean }[];
}

describe('/healthz shard states', () => {
  it('gives each shard its state and counts the shards per state (the states with a shard, in life order)', async () => {
    const clock = 1_000_000;
    const polled = new Date(clock - 1_000);
    const shards: ShardStatus[] = [
      { shardId: 's0', state: 'processing', lastPollAt: polled },
      { shardId: 's1', state: 'idle', lastPollAt: polled },
      { shardId: 's2', state: 'blocked', lastPollAt: polled },
      { shardId: 's3', state: 'idle', lastPollAt: polled },
      { shardId: 's4', state: 'initializing' },
    ];
    const url = await serve(
      () => ({ running: true, state: 'running', shards }),
      () => clock,
    );
    const res = await fetch(url('/healthz'));
    expect(res.status).toBe(200);
    const body = (await res.json()) as Body;
    expect(body.shards.map((s) => [s.shardId, s.state])).toEqual([
      ['s0', 'processing'],
      ['s1', 'idle'],
      ['s2', 'blocked'],
      ['s3', 'idle'],
      ['s4', 'initializing'],
    ]);
    expect(body.states).toEqual({ initializing: 1, processing: 1, idle: 2, blocked: 1 });
    expect(Object.keys(body.states ?? {})).toEqual(['initializing', 'processing', 'idle', 'blocked']);
  });

  it('a real poller: every shard it reads shows its state, and the counts add up to its shards', async () => {
    const streamArn = await producerStream('health-states', 2);
    let poller: Poller | undefined;
    try {
      poller = textPoller(streamArn).poller;
      const p = poller;
      const url = await serve(() => p.status());
      await p.start();
      await waitFor(() => p.status().shards.length === 2, 'two shard readers');
      await waitFor(() => p.status().shards.every((s) => s.lastPollAt !== undefined), 'a first poll of each shard');
      const body = (await (await fetch(url('/healthz'))).json()) as Body;
      expect(body.status).toBe('ok');
      expect(body.shards).toHaveLength(2);
      for (const shard of body.shards) expect(SHARD_STATE_KINDS).toContain(shard.state);
      expect(Object.values(body.states ?? {}).reduce((a, b) => a + b, 0)).toBe(2);
    } finally {
      await poller?.stop();
      await deleteProducerStream(streamArn);
    }
  });
});

describe('/healthz with 1,000 shards', () => {
  const count = 1_000;
  const live = SHARD_STATE_KINDS.slice(0, 6);
  /** A status as the poller builds it on each call: a fresh object per shard. */
  const status = (): PollerStatus => ({
    running: true,
    state: 'running',
    shards: Array.from({ length: count }, (_, i) => ({
      shardId: `shardId-${String(i).padStart(12, '0')}`,
      state: live[i % live.length],
      lastPollAt: new Date(),
      millisBehindLatest: i,
      checkpoint: `after 4964968386447395343384349627863235251758766790868467${i}`,
    })),
  });
  let url: (path: string) => string;
  beforeAll(async () => {
    url = await serve(status);
  });
  afterAll(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('answers in well under 100 ms (median of 20 probes) and counts every shard', async () => {
    for (let i = 0; i < 3; i++) await (await fetch(url('/healthz'))).arrayBuffer(); // warm up
    const took: number[] = [];
    let body: Body | undefined;
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const res = await fetch(url('/healthz'));
      body = (await res.json()) as Body;
      took.push(performance.now() - started);
    }
    took.sort((a, b) => a - b);
    if (process.env.HEALTH_TIMES) console.log('healthz ms, sorted', took.map((t) => t.toFixed(2)).join(' '));
    expect(took[10]).toBeLessThan(50);
    expect(body?.shards).toHaveLength(count);
    expect(Object.values(body?.states ?? {}).reduce((a, b) => a + b, 0)).toBe(count);
  });

  it('healthOf itself: under 2 ms of CPU per report (the rest is JSON and the socket)', () => {
    const given = status();
    for (let i = 0; i < 20; i++) healthOf({ status: given, now: Date.now(), startedAt: 0, maxPollAgeMs: 30_000 });
    const rounds = 100;
    const before = process.cpuUsage();
    for (let i = 0; i < rounds; i++) healthOf({ status: given, now: Date.now(), startedAt: 0, maxPollAgeMs: 30_000 });
    const used = process.cpuUsage(before);
    const perReportMs = (used.user + used.system) / 1000 / rounds;
    if (process.env.HEALTH_TIMES) console.log('healthOf CPU ms per report', perReportMs.toFixed(3));
    expect(perReportMs).toBeLessThan(2);
  });
});
