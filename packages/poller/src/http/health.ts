import type { StreamStatus } from '../poller/multi-options.js';
import type { PollerStatus } from '../poller/options.js';
import { SHARD_STATE_KINDS, type ShardStateKind } from '../reader/shard-state.js';

/** A shard's checkpoint store call that keeps failing, as /healthz shows it. */
export interface HealthCheckpointFailing {
  readonly operation: string;
  /** When its first failed attempt returned (ISO). */
  readonly since: string;
  readonly attempts: number;
  readonly store: string;
  readonly message: string;
}

/** One shard owned, as /healthz shows it. */
export interface HealthShard {
  readonly shardId: string;
  /** Its stream, when the poller reads several streams. */
  readonly streamArn?: string;
  /** Its reader's state (`initializing`, `seeking`, `processing`, `idle`, `blocked`, `shard-end`...). */
  readonly state?: ShardStateKind;
  readonly lastPollAt?: string;
  readonly millisBehindLatest?: number;
  readonly healthy: boolean;
  /** While its checkpoint store call keeps failing: which call, since when (ISO), where, and the last error. */
  readonly checkpointFailing?: HealthCheckpointFailing;
}

/** What GET /healthz answers. */
export interface HealthReport {
  /** 200 when healthy, 503 otherwise. */
  readonly statusCode: 200 | 503;
  readonly body: {
    /**
     * `ok` (200); `starting`, `stopped`, `stale` (a shard not polled within the bound) or
     * `checkpoint-failing` (a shard's checkpoint store calls keep failing: the shard cannot go on), or
     * `stalled` (the poller's event loop has not answered the health server's thread for
     * `stalledAfterMs`: a handler that never yields) (503).
     */
    readonly status: 'ok' | 'starting' | 'stopped' | 'stale' | 'checkpoint-failing' | 'stalled';
    /** Why it is not `ok`, in one line (absent when `ok`). */
    readonly reason?: string;
    /**
     * How many shards are in each state, for the states that hold at least one (in the order of a
     * reader's life); absent when no shard reports a state.
     */
    readonly states?: Partial<Record<ShardStateKind, number>>;
    readonly shards: readonly HealthShard[];
    /**
     * A poller of several streams: each stream's state (`running`, `failed` with its `error` once it
     * failed for good, ...). A failed stream does not make the answer 503 while other streams run
     * (restarting the process would not bring a deleted stream back): alert on `streamshare_stream_up`.
     */
    readonly streams?: readonly StreamStatus[];
  };
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

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
 * (`stale`: a handler that hangs). Each shard carries its reader's state, and `states` counts them.
 *
 * One pass over the shards, one small object each, the reasons built only when unhealthy: with
 * 1,000 shards a report costs about half a millisecond of CPU (most of it formatting the poll times),
 * and the whole /healthz answer a few milliseconds.
 */
export function healthOf(input: HealthInput): HealthReport {
  const { status, now, startedAt, maxPollAgeMs } = input;
  if (status === undefined) {
    return { statusCode: 503, body: { status: 'starting', reason: 'the poller is starting', shards: [] } };
  }
  const given = status.shards;
  const shards: HealthShard[] = new Array(given.length);
  const counts = new Array<number>(SHARD_STATE_KINDS.length).fill(0);
  let counted = 0;
  let failing = 0;
  let stale = 0;
  for (let i = 0; i < given.length; i++) {
    const shard = given[i]!;
    const out: Writable<HealthShard> = { shardId: shard.shardId, healthy: true };
    if (shard.streamArn !== undefined) out.streamArn = shard.streamArn;
    if (shard.state !== undefined) {
      out.state = shard.state;
      const at = SHARD_STATE_KINDS.indexOf(shard.state);
      if (at >= 0) {
        counts[at]!++;
        counted++;
      }
    }
    const polled = shard.lastPollAt;
    if (polled) out.lastPollAt = polled.toISOString();
    if (shard.millisBehindLatest !== undefined) out.millisBehindLatest = shard.millisBehindLatest;
    const f = shard.checkpointFailing;
    if (f === undefined) {
      out.healthy = now - (polled?.getTime() ?? startedAt) <= maxPollAgeMs;
      if (!out.healthy) stale++;
    } else {
      out.healthy = false;
      failing++;
      out.checkpointFailing = {
        operation: f.operation,
        since: f.since.toISOString(),
        attempts: f.attempts,
        store: f.store,
        message: f.message,
      };
    }
    shards[i] = out;
  }
  const states = counted === 0 ? undefined : stateCounts(counts);
  const report = (statusCode: 200 | 503, state: HealthReport['body']['status'], reason?: string): HealthReport => ({
    statusCode,
    body: {
      status: state,
      ...(reason === undefined ? {} : { reason }),
      ...(states === undefined ? {} : { states }),
      shards,
      ...(status.streams === undefined ? {} : { streams: status.streams }),
    },
  });
  if (!status.running) return report(503, 'stopped', 'the poller stopped');
  if (failing > 0) {
    const reasons = given.flatMap((shard) => {
      const f = shard.checkpointFailing;
      if (f === undefined) return [];
      const ms = Math.max(0, now - f.since.getTime());
      return [`checkpoint ${f.operation} of ${shard.shardId} has been failing for ${ms} ms (${f.store}): ${f.message}`];
    });
    return report(503, 'checkpoint-failing', listed(reasons));
  }
  if (stale === 0) return report(200, 'ok');
  const unpolled = shards.filter((shard) => !shard.healthy).map((shard) => shard.shardId);
  return report(503, 'stale', `not polled within ${maxPollAgeMs} ms: ${listed(unpolled)}`);
}

/** The counts of the states that hold a shard, in the order of {@link SHARD_STATE_KINDS}. */
function stateCounts(counts: readonly number[]): Partial<Record<ShardStateKind, number>> {
  const states: Partial<Record<ShardStateKind, number>> = {};
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]!;
    if (n > 0) states[SHARD_STATE_KINDS[i]!] = n;
  }
  return states;
}

/** A /healthz answer: its status code and JSON text. */
export interface HealthAnswer {
  readonly statusCode: 200 | 503;
  readonly text: string;
}

/** Answers about at least this many shards are reused for {@link HEALTH_REUSE_MS}. */
export const HEALTH_REUSE_MIN_SHARDS = 100;

/** How long an answer about many shards is reused (ms). */
export const HEALTH_REUSE_MS = 1_000;

/**
 * The /healthz answers of a server, a large one reused for a moment: with a thousand shards an
 * answer is about 130 KB of JSON and a few milliseconds of CPU (the poller's status, the report, the
 * text), which a probe every 50 ms would pay again and again while the poller drains. An answer
 * about {@link HEALTH_REUSE_MIN_SHARDS} shards or more is given again for {@link HEALTH_REUSE_MS}
 * (a shard is stale only after 30 s: a second changes nothing a probe acts on), unless the poller
 * started since (`startedAt` changed). Smaller answers are built every time.
 * @internal
 */
export class HealthAnswers {
  #last: (HealthAnswer & { readonly at: number; readonly startedAt: number | undefined }) | undefined;

  /** The answer at `now` (epoch ms): the last one if it may be reused, else `build()`'s. */
  get(now: number, startedAt: number | undefined, build: () => HealthReport): HealthAnswer {
    const last = this.#last;
    if (last !== undefined && last.startedAt === startedAt && now >= last.at && now - last.at < HEALTH_REUSE_MS) {
      return last;
    }
    const report = build();
    const answer = { statusCode: report.statusCode, text: JSON.stringify(report.body) };
    this.#last = report.body.shards.length >= HEALTH_REUSE_MIN_SHARDS ? { ...answer, at: now, startedAt } : undefined;
    return answer;
  }
}
