import type { PollerStatus } from '../poller/options.js';

/** What GET /healthz answers. */
export interface HealthReport {
  /** 200 when healthy, 503 otherwise. */
  readonly statusCode: 200 | 503;
  readonly body: {
    /**
     * `ok` (200); `starting`, `stopped`, `stale` (a shard not polled within the bound) or
     * `checkpoint-failing` (a shard's checkpoint store calls keep failing: the shard cannot go on) (503).
     */
    readonly status: 'ok' | 'starting' | 'stopped' | 'stale' | 'checkpoint-failing';
    /** Why it is not `ok`, in one line (absent when `ok`). */
    readonly reason?: string;
    readonly shards: readonly {
      readonly shardId: string;
      readonly lastPollAt?: string;
      readonly millisBehindLatest?: number;
      readonly healthy: boolean;
      /** While its checkpoint store call keeps failing: which call, since when (ISO), where, and the last error. */
      readonly checkpointFailing?: {
        readonly operation: string;
        readonly since: string;
        readonly attempts: number;
        readonly store: string;
        readonly message: string;
      };
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

/** Shards named in a reason at most; the rest are counted. */
const REASON_SHARDS = 3;

function listed(items: readonly string[]): string {
  const shown = items.slice(0, REASON_SHARDS).join('; ');
  return items.length > REASON_SHARDS ? `${shown}; and ${items.length - REASON_SHARDS} more` : shown;
}

/**
 * Health of a poller (pure): healthy while it runs, every shard it owns was polled within
 * `maxPollAgeMs` and no shard's checkpoint store calls keep failing (a worker that owns no shard,
 * e.g. all leases are held elsewhere, is healthy). Unhealthy, with a one-line `reason`, before start,
 * after stop, while checkpoints cannot be written (`checkpoint-failing`: a full, read-only or missing
 * disk, an unavailable lease table; healthy again once a write succeeds), and when a shard is stuck
 * (`stale`: a handler that hangs).
 */
export function healthOf(input: HealthInput): HealthReport {
  const { status, now, startedAt, maxPollAgeMs } = input;
  if (status === undefined) {
    return { statusCode: 503, body: { status: 'starting', reason: 'the poller is starting', shards: [] } };
  }
  const shards = status.shards.map((shard) => {
    const last = shard.lastPollAt?.getTime() ?? startedAt;
    const failing = shard.checkpointFailing;
    return {
      shardId: shard.shardId,
      ...(shard.lastPollAt ? { lastPollAt: shard.lastPollAt.toISOString() } : {}),
      ...(shard.millisBehindLatest === undefined ? {} : { millisBehindLatest: shard.millisBehindLatest }),
      healthy: failing === undefined && now - last <= maxPollAgeMs,
      ...(failing
        ? {
            checkpointFailing: {
              operation: failing.operation,
              since: failing.since.toISOString(),
              attempts: failing.attempts,
              store: failing.store,
              message: failing.message,
            },
          }
        : {}),
    };
  });
  if (!status.running) return { statusCode: 503, body: { status: 'stopped', reason: 'the poller stopped', shards } };
  const failing = status.shards.flatMap((shard) => {
    const f = shard.checkpointFailing;
    if (f === undefined) return [];
    const ms = Math.max(0, now - f.since.getTime());
    return [`checkpoint ${f.operation} of ${shard.shardId} has been failing for ${ms} ms (${f.store}): ${f.message}`];
  });
  if (failing.length > 0) {
    return { statusCode: 503, body: { status: 'checkpoint-failing', reason: listed(failing), shards } };
  }
  const stale = shards.filter((shard) => !shard.healthy);
  if (stale.length === 0) return { statusCode: 200, body: { status: 'ok', shards } };
  const reason = `not polled within ${maxPollAgeMs} ms: ${listed(stale.map((shard) => shard.shardId))}`;
  return { statusCode: 503, body: { status: 'stale', reason, shards } };
}
