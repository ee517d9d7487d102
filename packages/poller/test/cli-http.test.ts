import { readFileSync } from 'node:fs';
import type { BatchResult } from '@streamshare/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpServer } from '../src/http/server.js';
import { createPollerMetrics, RETRY_ACTIONS } from '../src/metrics/poller-metrics.js';
import type { PollerStatus } from '../src/poller/options.js';

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function batch(partial: Partial<BatchResult>): BatchResult {
  return {
    checkpoint: undefined,
    failed: undefined,
    total: 0,
    succeeded: 0,
    deadLettered: 0,
    durationMs: 1,
    ...partial,
  };
}

describe('metrics observer and HTTP server', () => {
  it('counts records, bytes, batches, failures, throttles, lag and leases in Prometheus text', async () => {
    const metrics = createPollerMetrics();
    const o = metrics.observer;
    o.onShardStarted?.('shardId-000000000000');
    o.onGetRecords?.('shardId-000000000000', 3, 3072, 1500);
    o.onGetRecords?.('shardId-000000000000', 0, 0, 0);
    o.onBatch?.('shardId-000000000000', batch({ total: 3, succeeded: 2, deadLettered: 1 }), 3072);
    o.onBatch?.(
      'shardId-000000000000',
      batch({
        total: 2,
        succeeded: 1,
        failed: { record: {} as never, error: new Error('boom'), reason: 'handler' },
      }),
      100,
    );
    o.onThrottle?.('shardId-000000000000', 'GetRecords');
    o.onRetry?.('shardId-000000000000', 'GetRecords', new Error('socket hang up'));
    o.onLeasesHeld?.(2);
    const text = await metrics.render();
    const shard = 'shard="shardId-000000000000"';
    expect(text).toContain(`streamshare_records_total{${shard}} 4`);
    expect(text).toContain(`streamshare_records_dead_lettered_total{${shard}} 1`);
    expect(text).toContain(`streamshare_bytes_total{${shard}} 3172`);
    expect(text).toContain(`streamshare_batches_total{${shard},outcome="ok"} 1`);
    expect(text).toContain(`streamshare_batches_total{${shard},outcome="failed"} 1`);
    expect(text).toContain(`streamshare_record_failures_total{${shard},reason="handler"} 1`);
    expect(text).toContain(`streamshare_getrecords_calls_total{${shard}} 2`);
    expect(text).toContain(`streamshare_records_fetched_total{${shard}} 3`);
    expect(text).toContain(`streamshare_throttles_total{${shard},action="GetRecords"} 1`);
    expect(text).toContain('streamshare_retries_total{action="GetRecords"} 1');
    expect(text).toContain(`streamshare_millis_behind_latest{${shard}} 0`);
    expect(text).toContain('streamshare_leases_held 2');
    expect(text).toContain('streamshare_shards_active 1');
    expect(text).toContain('streamshare_process_resident_memory_bytes');
    o.onShardStopped?.('shardId-000000000000', 'lost');
    expect(await metrics.render()).not.toContain(`streamshare_millis_behind_latest{${shard}}`);
  });

  it('counts a failed periodic shard sync and checkpoint store retries in retries_total by action', async () => {
    const metrics = createPollerMetrics({ processMetrics: false });
    const o = metrics.observer;
    // As the poller reports them: a stream-wide sync has no shard.
    o.onRetry?.(undefined, 'shard-sync', new Error('DescribeStream: InternalFailure'));
    o.onRetry?.(undefined, 'shard-sync', new Error('ListShards: LimitExceededException'));
    o.onRetry?.('shardId-000000000001', 'checkpoint:put', new Error('lease table throttled'));
    o.onRetry?.('shardId-000000000002', 'kinesis:GetRecords', new Error('socket hang up'));
    const text = await metrics.render();
    expect(text).toContain('streamshare_retries_total{action="shard-sync"} 2');
    expect(text).toContain('streamshare_retries_total{action="checkpoint:put"} 1');
    expect(text).toContain('streamshare_retries_total{action="kinesis:GetRecords"} 1');
    // No shard label: the sync is stream-wide, and per-shard retries stay one series per action.
    expect(text).not.toMatch(/streamshare_retries_total\{[^}]*shard=/);
    const help = text.split('\n').find((line) => line.startsWith('# HELP streamshare_retries_total'));
    for (const action of ['shard-sync', 'checkpoint:put', 'kinesis:GetRecords']) expect(help).toContain(action);
  });

  it("the README's metrics table lists every metric, and every action of retries_total", async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('| metric | type | labels |'));
    const metrics = createPollerMetrics({ processMetrics: false });
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(table, `README metrics table lacks ${name}`).toContain(`| \`${name}\` |`);
    const row = table.split('\n').find((line) => line.startsWith('| `streamshare_retries_total` |'));
    for (const action of RETRY_ACTIONS)
      expect(row, `README retries_total row lacks ${action}`).toContain(`\`${action}\``);
  });

  it('keeps two pollers apart (own registries, not the global one)', async () => {
    const a = createPollerMetrics({ processMetrics: false });
    const b = createPollerMetrics({ processMetrics: false });
    a.observer.onLeasesHeld?.(3);
    expect(await a.render()).toContain('streamshare_leases_held 3');
    expect(await b.render()).toContain('streamshare_leases_held 0');
  });

  it('serves /healthz (503 before start, 200 after, 503 stale) and /metrics on loopback', async () => {
    const metrics = createPollerMetrics({ processMetrics: false });
    let startedAt: number | undefined;
    let clock = 1_000_000;
    let status: PollerStatus = { running: true, shards: [{ shardId: 's0', lastPollAt: new Date(clock) }] };
    const server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      status: () => status,
      startedAt: () => startedAt,
      maxPollAgeMs: 30_000,
      metrics: () => metrics.render(),
      metricsContentType: metrics.contentType,
      now: () => clock,
    });
    servers.push(server);
    const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;

    let res = await fetch(url('/healthz'));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'starting', reason: 'the poller is starting', shards: [] });

    startedAt = clock;
    res = await fetch(url('/healthz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', shards: [{ shardId: 's0', healthy: true }] });

    clock += 31_000;
    res = await fetch(url('/healthz'));
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'stale', shards: [{ shardId: 's0', healthy: false }] });

    status = { running: false, shards: [] };
    expect((await fetch(url('/healthz'))).status).toBe(503);

    metrics.observer.onBatch?.('s0', batch({ total: 5, succeeded: 5 }), 500);
    res = await fetch(url('/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toContain('streamshare_records_total{shard="s0"} 5');

    expect((await fetch(url('/nope'))).status).toBe(404);
    expect((await fetch(url('/healthz'), { method: 'POST' })).status).toBe(405);
  });
});
