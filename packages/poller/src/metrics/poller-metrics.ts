import type { BatchResult } from '@streamshare/core';
import type * as PromClient from 'prom-client';
import type { Registry } from 'prom-client';
import { loadPromClient } from '../deps/commonjs.cjs';
import type { PollerObserver } from '../poller/options.js';

/** Options of {@link createPollerMetrics}. */
export interface PollerMetricsOptions {
  /** Registry to register into (default: a new one, never prom-client's global registry). */
  readonly registry?: Registry;
  /** Also collect prom-client's default process metrics (CPU, memory, event loop lag). Default true. */
  readonly processMetrics?: boolean;
  /** Metric name prefix. Default `streamshare_`. */
  readonly prefix?: string;
}

/** The poller's Prometheus metrics and the observer that feeds them. */
export interface PollerMetrics {
  readonly registry: Registry;
  /** Pass as `observer` to `createPoller`. Its methods never throw. */
  readonly observer: PollerObserver;
  /** The Prometheus text exposition of every metric of the registry. */
  render(): Promise<string>;
  /** Content-Type of {@link PollerMetrics.render}'s output. */
  readonly contentType: string;
}

/**
 * The `action` label values of `streamshare_retries_total`: a Kinesis call retried (`kinesis:<Action>`,
 * e.g. `kinesis:GetRecords`), a checkpoint store call of a shard reader retried (`checkpoint:get`,
 * `checkpoint:put`, `checkpoint:finish`), or a whole periodic shard sync (listing and lease sync) that
 * failed and is tried again after a backoff (`shard-sync`; the poller reports it as
 * `onRetry(undefined, 'shard-sync', error)`).
 */
export const RETRY_ACTIONS = [
  'kinesis:<Action>',
  'checkpoint:get',
  'checkpoint:put',
  'checkpoint:finish',
  'shard-sync',
] as const;

function failureReason(result: BatchResult): string | undefined {
  return result.failed?.reason;
}

/** One metric of the poller: its name (after the prefix), type, help text and label names. */
interface MetricSpec {
  readonly type: 'counter' | 'gauge';
  readonly name: string;
  readonly help: string;
  /** Its label names; a poller of several streams adds `stream` to every metric that is `byStream`. */
  readonly labels: readonly string[];
  readonly byStream: boolean;
}

function counter(name: string, labels: readonly string[], help: string, byStream = true) {
  return { type: 'counter', name, help, labels, byStream } as const;
}

function gauge(name: string, labels: readonly string[], help: string, byStream = true) {
  return { type: 'gauge', name, help, labels, byStream } as const;
}

/** Every metric of {@link createPollerMetrics}, by the name the observer uses; the README's table lists them. */
const METRICS = {
  records: counter(
    'records_total',
    ['shard'],
    'Records done: handled successfully or given to the dead-letter handler.',
  ),
  deadLettered: counter(
    'records_dead_lettered_total',
    ['shard'],
    'Records given to the dead-letter handler after their retries.',
  ),
  bytes: counter('bytes_total', ['shard'], 'Payload bytes of the batches handled.'),
  batches: counter(
    'batches_total',
    ['shard', 'outcome'],
    'Batches handled; outcome failed when a record stopped the batch.',
  ),
  failures: counter(
    'record_failures_total',
    ['shard', 'reason'],
    'Batches that stopped at a record that failed (it is retried from the checkpoint).',
  ),
  calls: counter('getrecords_calls_total', ['shard'], 'Successful GetRecords calls.'),
  fetched: counter(
    'records_fetched_total',
    ['shard'],
    'Kinesis records returned by GetRecords (before KPL deaggregation).',
  ),
  throttles: counter(
    'throttles_total',
    ['shard', 'action'],
    'Calls throttled by Kinesis (ProvisionedThroughputExceeded, LimitExceeded).',
  ),
  retries: counter(
    'retries_total',
    ['action'],
    'Retries after a transient error, by action: a Kinesis call (kinesis:GetRecords, ...), a checkpoint store call ' +
      '(checkpoint:get, checkpoint:put, checkpoint:finish), or a whole periodic shard sync (shard-sync).',
  ),
  behind: gauge('millis_behind_latest', ['shard'], 'MillisBehindLatest of the last GetRecords of each shard.'),
  active: gauge('shards_active', [], 'Shards being read now.'),
  leases: gauge('leases_held', [], 'Shard leases (or shards, without a lease table) held by this worker.'),
  bufferWaits: counter(
    'buffer_waits_total',
    [],
    'GetRecords calls that waited for room in the memory budget (maxBufferedBytes).',
    false,
  ),
  bufferWaitSeconds: counter(
    'buffer_wait_seconds_total',
    [],
    'Time GetRecords calls waited for room in the memory budget (maxBufferedBytes).',
    false,
  ),
  streamUp: gauge(
    'stream_up',
    [],
    'A poller of several streams: 1 while the stream is read, 0 once it stopped or failed for good (deleted, access revoked).',
  ),
} as const satisfies Record<string, MetricSpec>;

type MetricKey = keyof typeof METRICS;
type CounterKey = { [K in MetricKey]: (typeof METRICS)[K]['type'] extends 'counter' ? K : never }[MetricKey];
type GaugeKey = Exclude<MetricKey, CounterKey>;

/**
 * Prometheus metrics of a poller, fed by a {@link PollerObserver}:
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `streamshare_records_total` | counter: records done (handled or dead-lettered) | shard |
 * | `streamshare_records_dead_lettered_total` | counter | shard |
 * | `streamshare_bytes_total` | counter: payload bytes of the batches handled | shard |
 * | `streamshare_batches_total` | counter | shard, outcome (`ok`, `failed`) |
 * | `streamshare_record_failures_total` | counter: batches that stopped at a failed record | shard, reason |
 * | `streamshare_getrecords_calls_total` | counter | shard |
 * | `streamshare_records_fetched_total` | counter: Kinesis records returned by GetRecords | shard |
 * | `streamshare_throttles_total` | counter | shard, action |
 * | `streamshare_retries_total` | counter: retries after a transient error | action (see {@link RETRY_ACTIONS}) |
 * | `streamshare_millis_behind_latest` | gauge | shard |
 * | `streamshare_shards_active` | gauge | |
 * | `streamshare_leases_held` | gauge | |
 * | `streamshare_buffer_waits_total` | counter: reads that waited for room in `maxBufferedBytes` | |
 * | `streamshare_buffer_wait_seconds_total` | counter: time those reads waited | |
 * | `streamshare_stream_up` | gauge: 1 while a stream is read, 0 once stopped or failed (several streams only) | stream |
 *
 * plus prom-client's default process metrics (prefixed the same way). For a poller of several streams
 * (`createPoller({ streams })`), every metric but the buffer waits also carries a `stream` label (the
 * stream ARN); a single-stream poller's series carry none, as before.
 */
export function createPollerMetrics(options: PollerMetricsOptions = {}): PollerMetrics {
  // Loaded now, not with the package: a poller without metrics never loads prom-client.
  const { Counter, Gauge, Registry: NewRegistry, collectDefaultMetrics } = loadPromClient() as typeof PromClient;
  const registry = options.registry ?? new NewRegistry();
  const prefix = options.prefix ?? 'streamshare_';
  const registers = [registry];
  const made = {} as Record<string, PromClient.Counter | PromClient.Gauge>;
  // Registered in the table's order (the order of the exposition).
  for (const [key, spec] of Object.entries(METRICS)) {
    const configuration = {
      name: `${prefix}${spec.name}`,
      help: spec.help,
      ...(spec.byStream
        ? { labelNames: [...spec.labels, 'stream'] }
        : spec.labels.length === 0
          ? {}
          : { labelNames: spec.labels }),
      registers,
    };
    made[key] = spec.type === 'counter' ? new Counter(configuration) : new Gauge(configuration);
  }
  const {
    records,
    deadLettered,
    bytes,
    batches,
    failures,
    calls,
    fetched,
    throttles,
    retries,
    bufferWaits,
    bufferWaitSeconds,
  } = made as Record<CounterKey, PromClient.Counter>;
  const { behind, active, leases, streamUp } = made as Record<GaugeKey, PromClient.Gauge>;
  // Unlabelled zeros from the start, as before the `stream` label (a single-stream poller sets no stream).
  active.set(0);
  leases.set(0);
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });

  const safe =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A): void => {
      try {
        fn(...args);
      } catch {
        // An observer must not throw into the poller.
      }
    };

  /**
   * The observer of one stream (`stream` label set) or of a single-stream poller (no `stream` label:
   * its series are named as they always were).
   */
  const observerOf = (stream: string | undefined): PollerObserver => {
    const labels = stream === undefined ? {} : { stream };
    return {
      onBatch: safe((shardId: string, result: BatchResult, size: number) => {
        const shard = { shard: shardId, ...labels };
        records.inc(shard, result.succeeded + result.deadLettered);
        if (result.deadLettered > 0) deadLettered.inc(shard, result.deadLettered);
        bytes.inc(shard, size);
        const reason = failureReason(result);
        batches.inc({ ...shard, outcome: reason === undefined ? 'ok' : 'failed' });
        if (reason !== undefined) failures.inc({ ...shard, reason });
      }),
      onGetRecords: safe((shardId: string, count: number, _size: number, millisBehindLatest: number | undefined) => {
        const shard = { shard: shardId, ...labels };
        calls.inc(shard);
        fetched.inc(shard, count);
        if (millisBehindLatest !== undefined) behind.set(shard, millisBehindLatest);
      }),
      onThrottle: safe((shardId: string, action: string) => throttles.inc({ shard: shardId, action, ...labels })),
      // Per action only: a shard label would mix per-shard calls with the stream-wide shard sync (no shard).
      onRetry: safe((_shardId: string | undefined, action: string) => retries.inc({ action, ...labels })),
      onShardStarted: safe(() => active.inc(labels)),
      onShardStopped: safe((shardId: string) => {
        active.dec(labels);
        behind.remove({ shard: shardId, ...labels });
      }),
      onLeasesHeld: safe((count: number) => leases.set(labels, count)),
      onBufferWait: safe((_shardId: string, waitedMs: number) => {
        bufferWaits.inc();
        bufferWaitSeconds.inc(waitedMs / 1000);
      }),
    };
  };
  const observer: PollerObserver = {
    ...observerOf(undefined),
    forStream: (streamArn: string) => observerOf(streamArn),
    onStreamState: safe((streamArn: string, state: string) =>
      streamUp.set({ stream: streamArn }, state === 'running' ? 1 : 0),
    ),
  };

  return { registry, observer, render: () => registry.metrics(), contentType: registry.contentType };
}
