import type { BackoffOptions } from '@streamshare/core/internal';
import type { Logger } from 'pino';
import type { ShardCoordinator } from '../coordination/shard-coordinator.js';
import type { KinesisClient } from '../deps/commonjs.cjs';
import type { PollerObserver, PollerOptions, StartingPosition } from '../poller/options.js';
import type { MemoryBudget } from '../scheduling/memory-budget.js';
import type { RequestScheduler } from '../scheduling/request-scheduler.js';
import type { CheckpointCallFailure } from './checkpoint-calls.js';
import type { Delivery } from './delivery.js';
import type { ShardStateKind } from './shard-state.js';
import type { SubscriptionSettings } from './subscribed-pages.js';

/**
 * Options of a shard reader (`ShardReader`): the poller's read settings (GetRecords Limit, the wait at
 * the tip, the read limits, the backoff of a blocked shard; defaults as there) and the shard's own.
 * @internal
 */
export interface ShardReaderOptions
  extends Pick<PollerOptions, 'maxRecordsPerCall' | 'idleTimeBetweenReadsMs' | 'readLimits' | 'failureBackoff'> {
  readonly client: KinesisClient;
  readonly streamArn: string;
  readonly region: string;
  readonly shardId: string;
  readonly coordinator: ShardCoordinator;
  readonly delivery: Delivery;
  /** The configured starting position, for a shard without a checkpoint. */
  readonly startingPosition: StartingPosition;
  /**
   * Where this shard starts when it has no checkpoint, when it depends on its lineage (with LATEST, the
   * child of a consumed shard starts at TRIM_HORIZON); default `startingPosition`.
   */
  readonly initialPosition?: (() => Promise<StartingPosition>) | undefined;
  /** Backoff between attempts of a failing checkpoint store call (default 250 ms .. 10 s). */
  readonly checkpointBackoff?: BackoffOptions | undefined;
  readonly principal?: string | undefined;
  readonly logger: Logger;
  readonly observer?: PollerObserver | undefined;
  /** The poller's scheduler of Kinesis requests: each GetRecords and GetShardIterator waits for a turn. */
  readonly scheduler?: RequestScheduler | undefined;
  /** The poller's memory budget (maxBufferedBytes): a page's bytes are held from before its read until settled. */
  readonly budget?: MemoryBudget | undefined;
  /**
   * Where the pages come from: GetShardIterator / GetRecords (undefined, the default), or enhanced
   * fan-out, SubscribeToShard with these settings (no GetRecords pacing, no scheduler turns; a
   * page's bytes are held in the memory budget from its arrival until settled).
   */
  readonly subscription?: SubscriptionSettings | undefined;
}

/**
 * A shard reader's live numbers, for `status()`.
 * @internal
 */
export interface ReaderStatus {
  readonly shardId: string;
  readonly lastPollAt?: Date;
  readonly millisBehindLatest?: number;
  readonly position: string;
  /** The reader's state (see shard-state.ts): `initializing`, `seeking`, `processing`, `idle`, `blocked`, `shard-end`. */
  readonly state: ShardStateKind;
  /** Set while a checkpoint store call of this shard keeps failing (retried), cleared once it succeeds. */
  readonly checkpointFailure?: CheckpointCallFailure & { readonly store: string };
}
