import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { STSClient } from '@aws-sdk/client-sts';
import type {
  BatchResult,
  CheckpointStore,
  Codec,
  CodecNameFor,
  DeadLetterHandler,
  Handler,
  KINESIS_LAMBDA_HANDLER,
  RecordDataFor,
  RetryOptions,
} from '@streamshare/core';
import type { Logger } from 'pino';
import type { ShardCoordinator } from '../coordination/shard-coordinator.js';
import type { ShardStateKind } from '../reader/shard-state.js';
import type { PollerState } from './lifecycle.js';
import type { StreamStatus } from './multi-options.js';

/**
 * Where a shard without a checkpoint starts (a shard with a checkpoint always resumes after it).
 *
 * - `'TRIM_HORIZON'` (default): the oldest record kept; every shard of the stream's lineage is read,
 *   parents before their children.
 * - `{ timestamp }` (AT_TIMESTAMP): from that time, on every shard of the lineage (parents first); a
 *   child created after the time is read whole.
 * - `'LATEST'`: only what is written from now on. At the first start, the open shards (the leaves of
 *   the lineage) are read from LATEST and their closed ancestors are not read. A shard created later
 *   by a reshard of a shard being read (a child of a shard that has a checkpoint) starts at
 *   TRIM_HORIZON, so that nothing written to it between the reshard and the poller reaching it is
 *   skipped (the Java KCL's rule). Until a LATEST shard's first checkpoint, the time its first
 *   iterator was taken is kept (a start marker checkpoint); an expired iterator or a restart reads
 *   AT_TIMESTAMP that time (less 5 s for clock differences) rather than at a new LATEST.
 */
export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | { readonly timestamp: Date };

/** A role to assume for the Kinesis calls (the producer account's role, or the consumer's). */
export interface AssumeRoleOptions {
  /** The role to assume, e.g. `arn:aws:iam::999900009999:role/kds-reader`. */
  readonly roleArn: string;
  /** The external id the role's trust policy requires, if any. */
  readonly externalId?: string;
  /** Default `streamshare-poller`. */
  readonly sessionName?: string;
  /** Default 3600. */
  readonly durationSeconds?: number;
}

/**
 * A Lambda handler made by `kinesisHandler` of @streamshare/lambda-adapter: a function that carries
 * core's `KINESIS_LAMBDA_HANDLER` marker (the poller tells it from a record handler by the marker alone).
 */
// Parameters are `any` so that a handler typed with @types/aws-lambda (KinesisStreamEvent, Context) is assignable.
// biome-ignore lint/suspicious/noExplicitAny: see above.
export type LambdaKinesisHandler = ((event: any, context: any) => Promise<unknown>) & MarkedLambdaHandler;

/**
 * Any function that carries core's `KINESIS_LAMBDA_HANDLER` marker, as `kinesisHandler` makes them:
 * what {@link PollerOptions.handler} takes besides core's handlers. It has no call signature of its
 * own on purpose: TypeScript takes the parameter types of an inline
 * `handler: async (record, context) => ...` only from a union with one call signature, core's
 * `RecordHandler`. Without the marker, a function is run as a record handler.
 */
export type MarkedLambdaHandler = CallableFunction & { readonly [KINESIS_LAMBDA_HANDLER]: true };

/** Lease-table settings for several workers sharing one stream. */
export interface LeaseTableOptions {
  /** The table name (one table can serve several streams). */
  readonly tableName: string;
  /** Default: a random id per process (hostname + pid + random). */
  readonly workerId?: string;
  /** A lease not renewed for this long is taken over (default 15_000 ms). */
  readonly failoverTimeMs?: number;
  /** Default: a client in the poller's own account/region (NOT the assumed stream role). */
  readonly client?: DynamoDBClient;
  /** Create the table (on-demand) when missing (default true). */
  readonly createIfMissing?: boolean;
}

/** Observer of the poller, for metrics (prom-client in the CLI). Every method optional, must not throw. */
export interface PollerObserver {
  /** A batch was processed (and its checkpoint written); `bytes` is the size of its Kinesis records. */
  onBatch?(shardId: string, result: BatchResult, bytes: number): void;
  /** A GetRecords call returned, or (enhanced fan-out) a SubscribeToShard event arrived. */
  onGetRecords?(shardId: string, records: number, bytes: number, millisBehindLatest: number | undefined): void;
  /** A call was throttled (`action` e.g. `kinesis:GetRecords`; `shardId` empty for listing calls). */
  onThrottle?(shardId: string, action: string): void;
  /**
   * Something failed with a transient error and is tried again; `action` is a Kinesis call
   * (`kinesis:GetRecords`, ...), a checkpoint store call of a shard reader (`checkpoint:get`,
   * `checkpoint:put`, `checkpoint:finish`), or `shard-sync` (with `shardId` undefined) when a whole
   * periodic shard sync failed and is tried again after a backoff.
   */
  onRetry?(shardId: string | undefined, action: string, error: unknown): void;
  /** A shard reader started. */
  onShardStarted?(shardId: string): void;
  /** A shard reader ended: read to its end, lease lost, or stopped. */
  onShardStopped?(shardId: string, reason: 'finished' | 'lost' | 'stopped'): void;
  /** Leases held after a sync (the shards this worker processes). */
  onLeasesHeld?(count: number): void;
  /**
   * A shard waited `waitedMs` for room in the memory budget (`maxBufferedBytes`) before its next
   * GetRecords: the pages of other shards filled it.
   */
  onBufferWait?(shardId: string, waitedMs: number): void;
  /**
   * A poller of several streams (`createPoller({ streams })`) feeds each stream's events to the
   * observer this returns for it (e.g. one that adds a `stream` label); without it, to this observer.
   */
  forStream?(streamArn: string): PollerObserver;
  /** A poller of several streams: a stream's state changed (`running`, `stopped`, `failed` with its error). */
  onStreamState?(streamArn: string, state: PollerState, error?: unknown): void;
}

/**
 * Options of `createPoller`. `T` is the record data type the handler gets and `N` the codec name
 * given (see core's `RecordDataFor`); both are inferred by `createPoller`, and `PollerOptions`
 * without type arguments takes any handler of `unknown` data.
 */
export interface PollerOptions<T = unknown, N extends CodecNameFor<T> = CodecNameFor<T>> {
  /** `arn:aws:kinesis:<region>:<account>:stream/<name>`; every Kinesis call passes it as StreamARN. */
  readonly streamArn: string;
  /** Not with `streamArn`: a poller of several streams takes `streams` instead (see MultiStreamPollerOptions). */
  readonly streams?: undefined;
  /**
   * A record handler `(record, context)`, a batch handler (core), or a Lambda handler made by
   * `kinesisHandler` (any function carrying core's marker, see {@link MarkedLambdaHandler}). A handler
   * written inline gets its parameter types from here, its records' data typed by the `codec`.
   */
  readonly handler: Handler<RecordDataFor<T, N>> | MarkedLambdaHandler;
  /**
   * How record data is decoded for a record/batch handler (default `auto`): a core `Codec<T>` (e.g.
   * `schema(zod)`, which types the records' data) or a name (`'text'` gives strings, `'bytes'` a
   * Uint8Array, `'cloudwatch-logs'` core's CloudWatchLogsData, `'auto'`, `'json'` and `'gzip'` unknown
   * data). A name that cannot give `T` (`'bytes'` for an object type) is a type error. Not used for a
   * Lambda handler.
   */
  readonly codec?: Codec<T> | N;
  /** Expand KPL aggregates into user records (default true). Not used for a Lambda handler (it has its own option). */
  readonly deaggregate?: boolean;
  /** Partition keys handled at once per shard (default 1: strict sequence order); order is kept per key. Record handlers only. */
  readonly concurrency?: number;
  /** Retries of a failed record before the poison policy applies (core's RetryOptions). Not used for a Lambda handler. */
  readonly retry?: RetryOptions;
  /**
   * Where a record that still fails after its retries goes; without it the shard blocks at that record.
   * Not used for a Lambda handler (give `deadLetter` to `kinesisHandler` instead).
   */
  readonly deadLetter?: DeadLetterHandler<RecordDataFor<T, N>>;
  /** Where a shard without a checkpoint starts (default TRIM_HORIZON); see {@link StartingPosition} for lineage. */
  readonly startingPosition?: StartingPosition;
  /** A role to assume for the Kinesis calls (refreshed before expiry); ignored when `kinesisClient` is given. */
  readonly assumeRole?: AssumeRoleOptions;
  /**
   * Kinesis client for the stream (default: built for the ARN's region, HTTP/1.1 keep-alive with up to
   * 512 sockets, assumed-role credentials if any; with `consumerArn`, HTTP/2 with a 30 s request
   * timeout). A client of your own is assumed to have the SDK's 50 sockets: give
   * `maxRequestsInFlight` when its agent has more (or fewer).
   */
  readonly kinesisClient?: KinesisClient;
  /**
   * Most GetRecords / GetShardIterator requests in flight at once across all shards. Requests wait
   * for a turn in the poller, first come first served (a read after an empty page waits behind reads
   * of shards with a backlog for `idleTimeBetweenReadsMs`, or the server's round while it queues,
   * then takes every other turn), never in the HTTP agent's queue,
   * where the SDK's connection timeout would run. Within this bound the poller sizes the number in
   * flight to the shards it reads and the mean latency of the last second (every shard read about
   * once a second), and stops raising it, or lowers it, while pages wait for their slice of the event
   * loop (page work runs in slices of about 10 ms per turn, so `/healthz` and timers stay
   * responsive), or while the latency is the server's own queue (a second's 10th-percentile latency
   * over twice the base with no more calls answered per second: the number is then held near what
   * the server answers).
   * Default: the client's sockets less 2 (510 for the
   * poller's own client, 48 for a `kinesisClient` of yours).
   */
  readonly maxRequestsInFlight?: number;
  /**
   * One memory budget for the pages in hand across all shards, in bytes (default 64 MiB; `Infinity`
   * for none). A page is counted as 3× its record payload (while it is parsed the process holds its
   * JSON text, the base64 strings and the bytes), from before its GetRecords (its shard's last page
   * as the estimate) until its records are settled and checkpointed; a shard whose next page does
   * not fit waits (`onBufferWait`, the `buffer_waits_total` metric) until others release theirs. A
   * shard always reads when nothing else is held, so a page larger than the budget is read alone,
   * never refused forever. A page that comes back larger than its estimate holds its true size, and
   * no new read starts until the total is under the budget again.
   */
  readonly maxBufferedBytes?: number;
  /**
   * Enhanced fan-out: the ARN of a consumer registered on `streamArn`
   * (`arn:aws:kinesis:<region>:<account>:stream/<name>/consumer/<consumer>:<created>`, given by the
   * stream's owner). Each shard is then read by SubscribeToShard (its own 2 MiB/s per shard, pushed
   * over HTTP/2) instead of GetShardIterator / GetRecords, with the same handler path, checkpoints,
   * leases, lineage, metrics and `/healthz`; ListShards still goes through `kinesisClient`. A
   * malformed ARN or a consumer of another stream is refused by `createPoller`
   * (`INVALID_CONSUMER_ARN`, `CONSUMER_STREAM_MISMATCH`). See the README's "Enhanced fan-out".
   */
  readonly consumerArn?: string;
  /**
   * The client for SubscribeToShard when `consumerArn` is set: its request handler must speak HTTP/2
   * (`NodeHttp2Handler`; `INVALID_OPTION` otherwise). Default: the `kinesisClient` given when it
   * speaks HTTP/2 (the SDK's default handler does), else one the poller builds like its own client
   * (region, assumed-role credentials, the SDK's endpoint environment) over HTTP/2 with no request
   * timeout (a subscription's silence is watched by the poller). A `kinesisClient` over HTTP/1.1
   * with no `subscribeClient` is refused (`INVALID_OPTION`).
   */
  readonly subscribeClient?: KinesisClient;
  /**
   * Timings of enhanced fan-out (only with `consumerArn`; `INVALID_OPTION` otherwise, or when a
   * setting is out of range or unknown).
   *
   * - `silenceTimeoutMs`: no event for this long aborts a subscription and makes a new one from the
   *   last continuation (AWS sends an event at least every 5 s, an empty one when there is nothing to
   *   read). Default 15 000 ms; below about 10 000 ms a healthy subscription may be cut on AWS.
   * - `resubscribeIntervalMs`: the shortest time between two subscriptions of a shard (after the
   *   5-minute end, a drop, a silence, a blocked batch). Default and least 5000 ms: AWS refuses a
   *   subscription within 5 s of the last one of the same consumer and shard (ResourceInUseException).
   */
  readonly subscription?: { readonly silenceTimeoutMs?: number; readonly resubscribeIntervalMs?: number };
  /** STS client used for AssumeRole (default: built from the environment). */
  readonly stsClient?: STSClient;
  /** Checkpoints of a single worker (default: core FileCheckpointStore in `checkpointDir`). */
  readonly checkpointStore?: CheckpointStore;
  /** Directory of the default file store (default `./.streamshare`). */
  readonly checkpointDir?: string;
  /** Several workers: a DynamoDB lease table instead of the checkpoint store. */
  readonly leaseTable?: LeaseTableOptions;
  /** Custom coordinator (overrides checkpointStore/leaseTable). */
  readonly coordinator?: ShardCoordinator;
  /** GetRecords Limit (default 10_000, the API maximum). */
  readonly maxRecordsPerCall?: number;
  /** Wait when a shard returned no records (default 1_000 ms). */
  readonly idleTimeBetweenReadsMs?: number;
  /** Shard list re-sync period (default 30_000 ms). */
  readonly shardSyncIntervalMs?: number;
  /** A pino logger (default: silent). Never given secrets. */
  readonly logger?: Logger;
  /** Callbacks for metrics (the CLI's Prometheus metrics use them). */
  readonly observer?: PollerObserver;
  /**
   * Per-shard GetRecords limits the poller keeps to (default Kinesis': 5 calls/s and 2 MiB/s per
   * shard). Raise them only for a Kinesis-compatible endpoint without these limits (an emulator, a benchmark).
   */
  readonly readLimits?: import('../reader/pacer.js').ReadLimits;
  /**
   * Pause before a blocked shard (a record failed after its retries, poison policy "block") is read
   * again from its checkpoint: exponential with jitter from `minMs` (default 1_000) to `maxMs` (default 30_000).
   */
  readonly failureBackoff?: { readonly minMs: number; readonly maxMs: number };
  /**
   * How long `stop()` lets readers finish the batch in hand before abandoning it (no new record starts;
   * what was done is still checkpointed). Default 30_000 ms.
   */
  readonly stopTimeoutMs?: number;
  /**
   * How long `start()` keeps retrying when Kinesis (or the lease table) cannot be reached, throttles or
   * fails with 5xx before it rejects with a `StartTimeoutError` (code `START_TIMEOUT`) naming the endpoint, the region and
   * the last error. Default 60_000 ms. Fatal errors (AccessDenied, stream not found) reject at once.
   * After start, failed shard syncs never stop the poller: they are logged and retried with backoff.
   */
  readonly startTimeoutMs?: number;
}

/** A running poller. */
export interface Poller {
  /** Starts polling; resolves once shards are discovered and readers started. Rejects on fatal errors (AccessDenied, not found). */
  start(): Promise<void>;
  /** Stops fetching, finishes the batch in hand, checkpoints, releases leases. */
  stop(): Promise<void>;
  /** Resolves when the poller stopped (after stop(), a fatal error, or all shards finished); rejects with the fatal error. */
  readonly done: Promise<void>;
  /** Per shard status for /healthz and metrics. */
  status(): PollerStatus;
}

/** One shard being read, as `status()` reports it. */
export interface ShardStatus {
  readonly shardId: string;
  /** The shard's stream, in the status of a poller of several streams. */
  readonly streamArn?: string;
  /**
   * The reader's state (always set by the poller): `initializing` (reading the checkpoint), `seeking`
   * (GetShardIterator), `processing` (GetRecords and the handler), `idle` (at the tip of the shard),
   * `blocked` (a record failed: pausing before reading again from the checkpoint) or `shard-end`
   * (recording that the shard is finished). See the state diagram in the README.
   */
  readonly state?: ShardStateKind;
  /** When its last GetRecords call returned. */
  readonly lastPollAt?: Date;
  /** MillisBehindLatest of its last GetRecords call. */
  readonly millisBehindLatest?: number;
  /** Where reading stands, for people: e.g. `after 4964...`, `TRIM_HORIZON`, `AT_TIMESTAMP <iso>`. */
  readonly checkpoint?: string;
  /**
   * Set while a checkpoint store call of the shard keeps failing (it is retried with backoff; the shard
   * does not go on meanwhile), cleared once the call succeeds: `/healthz` is then 503.
   */
  readonly checkpointFailing?: CheckpointFailing;
}

/** A shard's checkpoint store call that keeps failing, as `status()` reports it. */
export interface CheckpointFailing {
  /** `get` (at reader start), `put` (after a batch) or `finish` (shard end). */
  readonly operation: 'get' | 'put' | 'finish';
  /** When its first failed attempt returned. */
  readonly since: Date;
  /** Attempts made so far. */
  readonly attempts: number;
  /** The last error, described. */
  readonly message: string;
  /** Where the checkpoints are kept, e.g. `checkpoint file /data/x.json` or `lease table leases`. */
  readonly store: string;
}

/** What `status()` reports (for /healthz and metrics). */
export interface PollerStatus {
  /** True while starting or running (false once stopping). */
  readonly running: boolean;
  /**
   * The poller's lifecycle state (always set by the poller): `new`, `starting`, `running`, `stopping`,
   * `stopped` or `failed` (stopped by a fatal error).
   */
  readonly state?: PollerState;
  /** The shards being read now. */
  readonly shards: readonly ShardStatus[];
  /** A poller of several streams: each stream's state (a stream that failed for good stays listed, `failed`). */
  readonly streams?: readonly StreamStatus[];
}
