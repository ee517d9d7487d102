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

  it("is 503 checkpoint-failing with a one-line reason while a shard's checkpoint calls keep failing", () => {
    const failing = (shardId: string) => ({
      shardId,
      lastPollAt: new Date(now - 1000),
      checkpointFailing: {
        operation: 'put' as const,
        since: new Date(now - 5200),
        attempts: 4,
        message: 'ENOTDIR: not a directory',
        store: 'checkpoint file /data/x.json',
      },
    });
    const one = healthOf({
      status: { running: true, shards: [failing('a'), { shardId: 'b', lastPollAt: new Date(now - 1000) }] },
      now,
      startedAt: now - 60_000,
      maxPollAgeMs: 30_000,
    });
    expect(one.statusCode).toBe(503);
    expect(one.body.status).toBe('checkpoint-failing');
    expect(one.body.reason).toBe(
      'checkpoint put of a has been failing for 5200 ms (checkpoint file /data/x.json): ENOTDIR: not a directory',
    );
    expect(one.body.shards.map((s) => s.healthy)).toEqual([false, true]);
    expect(one.body.shards[0]?.checkpointFailing).toEqual({
      operation: 'put',
      since: new Date(now - 5200).toISOString(),
      attempts: 4,
      store: 'checkpoint file /data/x.json',
      message: 'ENOTDIR: not a directory',
    });
    const many = healthOf({
      status: { running: true, shards: ['a', 'b', 'c', 'd', 'e'].map(failing) },
      now,
      startedAt: now,
      maxPollAgeMs: 30_000,
    });
    expect(many.body.reason).toMatch(/^checkpoint put of a .*; checkpoint put of c .*; and 2 more$/);
    expect(many.body.reason).not.toContain('\n');
    // Healthy again once the call succeeded (the reader clears checkpointFailing).
    const back = healthOf({
      status: { running: true, shards: [{ shardId: 'a', lastPollAt: new Date(now - 1000) }] },
      now,
      startedAt: now,
      maxPollAgeMs: 30_000,
    });
    expect(back).toEqual({
      statusCode: 200,
      body: { status: 'ok', shards: [{ shardId: 'a', lastPollAt: new Date(now - 1000).toISOString(), healthy: true }] },
    });
  });

  it('says which shards are stale', () => {
    const report = healthOf({
      status: { running: true, shards: [{ shardId: 'b', lastPollAt: new Date(now - 31_000) }] },
      now,
      startedAt: now - 60_000,
      maxPollAgeMs: 30_000,
    });
    expect(report.body.reason).toBe('not polled within 30000 ms: b');
  });

  it('bounds a poll by three idle intervals, at least 30 s', () => {
    expect(defaultMaxPollAgeMs(1000)).toBe(30_000);
    expect(defaultMaxPollAgeMs(20_000)).toBe(60_000);
  });
});
