import type { CheckpointStore } from '@streamshare/core';

/** A shard as the poller sees it after DescribeStream / ListShards. */
export interface ShardDescriptor {
  readonly shardId: string;
  readonly parentShardId?: string;
  readonly adjacentParentShardId?: string;
  /** Set when the shard is closed (resharded): its EndingSequenceNumber. */
  readonly endingSequenceNumber?: string;
}

/**
 * Decides which shards this worker processes and keeps their checkpoints.
 * Two implementations: `LocalCoordinator` (one worker, checkpoints in a CheckpointStore such as the
 * file store) and `DynamoDbLeaseCoordinator` (several workers sharing a DynamoDB lease table).
 *
 * The poller calls `sync` periodically with the full shard list; it processes exactly the shard ids
 * returned, and stops a shard as soon as `owns(shardId)` turns false. A shard waits on its parents
 * here: `sync` returns it only once they are finished.
 *
 * What the poller's scheduler needs besides is asked of the coordinator, never guessed from its class:
 * {@link ShardCoordinator.syncIntervalMs} (how often to sync), {@link ShardCoordinator.allFinished}
 * (whether the stream is read to its end, so that the poller stops), {@link ShardCoordinator.storeDescription}
 * (where the checkpoints are, for messages). Each is optional: without it, the poller syncs every
 * `shardSyncIntervalMs`, runs until stopped, and names the store "checkpoint store".
 */
export interface ShardCoordinator {
  /** Prepares the store (e.g. creates the lease table when missing). */
  start(): Promise<void>;
  /**
   * Given every shard of the stream, takes/renews/balances ownership and returns the ids of the
   * shards this worker should process now: owned, not finished, and whose parents are all finished
   * (a parent that no longer exists in the list counts as finished).
   */
  sync(shards: readonly ShardDescriptor[]): Promise<readonly string[]>;
  /** True while this worker still owns the shard (lease not lost or expired). */
  owns(shardId: string): boolean;
  /** Records that a shard reached its end (GetRecords returned no NextShardIterator). */
  markFinished(shardId: string): Promise<void>;
  /** Releases leases (all when no ids given) so other workers can take them at once. */
  release(shardIds?: readonly string[]): Promise<void>;
  /** Checkpoints of the shards; `put` rejects with CheckpointError code LEASE_LOST when not owned. */
  readonly checkpoints: CheckpointStore;
  /** Shard ids currently held, for metrics. */
  held(): readonly string[];
  /**
   * Where the checkpoints are kept, for logs and error messages (e.g. `checkpoint file /data/x.json`,
   * `lease table leases`). Never a secret.
   */
  readonly storeDescription?: string;
  /**
   * How often the poller should call `sync` (e.g. the lease renewal period, for takeover within about
   * the failover time), when sooner than its shard listing period (`shardSyncIntervalMs`). Listing
   * shards stays on its own period.
   */
  readonly syncIntervalMs?: number;
  /**
   * True when every shard of the stream is read to its end, as far as this worker can know: `shards` is
   * the whole listing; called after a `sync` that returned no shard, while no reader of this worker is
   * running. The poller then stops by itself (`done` resolves). A coordinator that shares the stream
   * with other workers returns false (or leaves it out): it cannot tell that their shards are done.
   */
  allFinished?(shards: readonly ShardDescriptor[]): boolean;
}
