import type { ShardDescriptor } from './shard-coordinator.js';

/** The parent ids of a shard (ParentShardId and AdjacentParentShardId, when set). */
export function parentsOf(shard: ShardDescriptor): string[] {
  const parents: string[] = [];
  if (shard.parentShardId) parents.push(shard.parentShardId);
  if (shard.adjacentParentShardId) parents.push(shard.adjacentParentShardId);
  return parents;
}

/**
 * The shards to process now: not finished, and every parent finished. A parent that is no longer
 * listed (expired after the retention period) counts as finished. Keeps the order of `shards`. Pure.
 */
export function readyShards(shards: readonly ShardDescriptor[], isFinished: (shardId: string) => boolean): string[] {
  const listed = new Set(shards.map((shard) => shard.shardId));
  return shards
    .filter((shard) => !isFinished(shard.shardId))
    .filter((shard) => parentsOf(shard).every((parent) => !listed.has(parent) || isFinished(parent)))
    .map((shard) => shard.shardId);
}
