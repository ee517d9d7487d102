import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { STSClient } from '@aws-sdk/client-sts';
import type {
  BatchResult,
  CheckpointStore,
  Codec,
  CodecName,
  DeadLetterHandler,
  Handler,
  RetryOptions,
} from '@streamshare/core';
import type { Logger } from 'pino';
import type { ShardCoordinator } from '../coordination/shard-coordinator.js';

/** Where a shard without a checkpoint starts. */
export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | { readonly timestamp: Date };

/** A role to assume for the Kinesis calls (the producer account's role, or the consumer's). */
export interface AssumeRoleOptions {
  readonly roleArn: string;
  readonly externalId?: string;
  /** Default `streamshare-poller`. */
  readonly sessionName?: string;
  /** Default 3600. */
  readonly durationSeconds?: number;
}

/** A Lambda handler made by `kinesisHandler` of @streamshare/lambda-adapter (it carries core's marker). */
// Parameters are `any` so that a handler typed with @types/aws-lambda (KinesisStreamEvent, Context) is assignable.
// biome-ignore lint/suspicious/noExplicitAny: see above.
export type LambdaKinesisHandler = (event: any, context: any) => Promise<unknown>;

/** Lease-table settings for several workers sharing one stream. */
export interface LeaseTableOptions {
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
  onBatch?(shardId: string, result: BatchResult, bytes: number): void;
  onGetRecords?(shardId: string, records: number, bytes: number, millisBehindLatest: number | undefined): void;
  onThrottle?(shardId: string, action: string): void;
  onRetry?(shardId: string | undefined, action: string, error: unknown): void;
  onShardStarted?(shardId: string): void;
  onShardStopped?(shardId: string, reason: 'finished' | 'lost' | 'stopped'): void;
  onLeasesHeld?(count: number): void;
}

/** Options of `createPoller`. */
export interface PollerOptions {
  /** `arn:aws:kinesis:<region>:<account>:stream/<name>`; every Kinesis call passes it as StreamARN. */
  readonly streamArn: string;
  /** A record handler, a batch handler (core), or a Lambda handler made by `kinesisHandler`. */
  readonly handler: Handler<any> | LambdaKinesisHandler;
  readonly codec?: Codec<unknown> | CodecName;
  readonly deaggregate?: boolean;
  readonly concurrency?: number;
  readonly retry?: RetryOptions;
  readonly deadLetter?: DeadLetterHandler<any>;
  /** Default TRIM_HORIZON. */
  readonly startingPosition?: StartingPosition;
  readonly assumeRole?: AssumeRoleOptions;
  /** Kinesis client for the stream (default: built for the ARN's region, HTTP/1.1 keep-alive, assumed-role credentials if any). */
  readonly kinesisClient?: KinesisClient;
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
  readonly logger?: Logger;
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

export interface ShardStatus {
  readonly shardId: string;
  readonly lastPollAt?: Date;
  readonly millisBehindLatest?: number;
  readonly checkpoint?: string;
}

export interface PollerStatus {
  readonly running: boolean;
  readonly shards: readonly ShardStatus[];
}
