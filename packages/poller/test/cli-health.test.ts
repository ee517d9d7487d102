import { describe, expect, it } from 'vitest';
import { defaultMaxPollAgeMs, healthOf } from '../src/http/health.js';

const now = 1_000_000;

describe('/healthz', () => {
  it('is 503 before the poller started', () => {
    expect(healthOf({ status: undefined, now, startedAt: now, maxPollAgeMs: 30_000 })).toEqual({
      statusCode: 503,
      body: { status: 'starting', reason: 'the poller is starting', shards: [] },
    });
  });

  it('is 200 while every shard was polled within the bound', () => {
    const report = healthOf({
      status: {
        running: true,
        shards: [
          { shardId: 'shardId-000000000000', lastPollAt: new Date(now - 1000), millisBehindLatest: 0 },
          { shardId: 'shardId-000000000001' },
        ],
      },
      now,
      startedAt: now - 5000,
      maxPollAgeMs: 30_000,
    });
    expect(report.statusCode).toBe(200);
    expect(report.body.status).toBe('ok');
    expect(report.body.shards.map((s) => s.healthy)).toEqual([true, true]);
    expect(report.body.shards[0]).toMatchObject({
      lastPollAt: new Date(now - 1000).toISOString(),
      millisBehindLatest: 0,
    });
  });

  it('is 503 when one shard is stale (a handler that hangs), naming it', () => {
    const report = healthOf({
      status: {
        running: true,
        shards: [
          { shardId: 'a', lastPollAt: new Date(now - 1000) },
          { shardId: 'b', lastPollAt: new Date(now - 31_000) },
        ],
      },
      now,
      startedAt: now - 60_000,
      maxPollAgeMs: 30_000,
    });
    expect(report.statusCode).toBe(503);
    expect(report.body.status).toBe('stale');
    expect(report.body.shards.filter((s) => !s.healthy).map((s) => s.shardId)).toEqual(['b']);
  });

  it('is 503 once stopped, and 200 for a worker that owns no shard', () => {
    expect(healthOf({ status: { running: false, shards: [] }, now, startedAt: now, maxPollAgeMs: 1 }).statusCode).toBe(
      503,
    );
    expect(healthOf({ status: { running: true, shards: [] }, now, startedAt: now, maxPollAgeMs: 1 }).statusCode).toBe(
      200,
    );
  });

  it('bounds a poll by three idle intervals, at least 30 s', () => {
    expect(defaultMaxPollAgeMs(1000)).toBe(30_000);
    expect(defaultMaxPollAgeMs(20_000)).toBe(60_000);
  });
});
