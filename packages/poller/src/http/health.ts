import type { PollerStatus } from '../poller/options.js';

/** What GET /healthz answers. */
export interface HealthReport {
  /** 200 when healthy, 503 otherwise. */
  readonly statusCode: 200 | 503;
  readonly body: {
    readonly status: 'ok' | 'starting' | 'stopped' | 'stale';
    readonly shards: readonly {
      readonly shardId: string;
      readonly lastPollAt?: string;
      readonly millisBehindLatest?: number;
      readonly healthy: boolean;
    }[];
  };
}

/** Inputs of {@link healthOf}. */
export interface HealthInput {
  /** The poller's status, or `undefined` before it started. */
  readonly status: PollerStatus | undefined;
  /** Now, epoch ms. */
  readonly now: number;
  /** When the poller started (epoch ms): a shard not polled yet counts as polled then. */
  readonly startedAt: number;
  /** Largest age of a shard's last poll that is still healthy. */
  readonly maxPollAgeMs: number;
}

/** The default bound of a shard's last poll: three times the idle interval, at least 30 s. */
export function defaultMaxPollAgeMs(idleMs: number): number {
  return 3 * Math.max(idleMs, 10_000);
}

/**
 * Health of a poller (pure): healthy while it runs and every shard it owns was polled within
 * `maxPollAgeMs` (a worker that owns no shard, e.g. all leases are held elsewhere, is healthy).
 * Unhealthy before start, after stop, and when a shard is stuck (a handler that hangs).
 */
export function healthOf(input: HealthInput): HealthReport {
  const { status, now, startedAt, maxPollAgeMs } = input;
  if (status === undefined) return { statusCode: 503, body: { status: 'starting', shards: [] } };
  const shards = status.shards.map((shard) => {
    const last = shard.lastPollAt?.getTime() ?? startedAt;
    return {
      shardId: shard.shardId,
      ...(shard.lastPollAt ? { lastPollAt: shard.lastPollAt.toISOString() } : {}),
      ...(shard.millisBehindLatest === undefined ? {} : { millisBehindLatest: shard.millisBehindLatest }),
      healthy: now - last <= maxPollAgeMs,
    };
  });
  if (!status.running) return { statusCode: 503, body: { status: 'stopped', shards } };
  const ok = shards.every((shard) => shard.healthy);
  return { statusCode: ok ? 200 : 503, body: { status: ok ? 'ok' : 'stale', shards } };
}
