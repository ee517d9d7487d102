import type { StartingPosition } from '../poller/options.js';
import type { ShardDescriptor } from './shard-coordinator.js';

/**
 * The parent ids of a shard (ParentShardId and AdjacentParentShardId, when set).
 * @internal
 */
export function parentsOf(shard: ShardDescriptor): string[] {
  const parents: string[] = [];
  if (shard.parentShardId) parents.push(shard.parentShardId);
  if (shard.adjacentParentShardId) parents.push(shard.adjacentParentShardId);
  return parents;
}

/**
 * The shards to process now: not finished, and every parent finished. A parent that is no longer
 * listed (expired after the retention period) counts as finished. Keeps the order of `shards`. Pure.
 * @internal
 */
export function readyShards(shards: readonly ShardDescriptor[], isFinished: (shardId: string) => boolean): string[] {
  const listed = new Set(shards.map((shard) => shard.shardId));
  return shards
    .filter((shard) => !isFinished(shard.shardId))
    .filter((shard) => parentsOf(shard).every((parent) => !listed.has(parent) || isFinished(parent)))
    .map((shard) => shard.shardId);
}

/**
 * Every ancestor id of a shard that can be known: its parents, their parents (as long as they are
 * listed), and so on. A parent that is no longer listed (trimmed) is included, but its own parents
 * cannot be known. Pure.
 * @internal
 */
export function ancestorsOf(shardId: string, byId: ReadonlyMap<string, ShardDescriptor>): string[] {
  const out: string[] = [];
  const seen = new Set<string>([shardId]);
  const queue = [shardId];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    const shard = byId.get(id);
    if (shard === undefined) continue;
    for (const parent of parentsOf(shard)) {
      if (seen.has(parent)) continue;
      seen.add(parent);
      out.push(parent);
      queue.push(parent);
    }
  }
  return out;
}

/**
 * Where a shard without a checkpoint starts, given the configured starting position (the rule of the
 * Java KCL):
 *
 * - TRIM_HORIZON: at TRIM_HORIZON (the whole lineage is read, parents before children);
 * - AT_TIMESTAMP: at the timestamp, for every shard of the lineage (a time is an absolute position:
 *   a child created after it is read whole, as from TRIM_HORIZON, and none of its records is skipped);
 * - LATEST: at TRIM_HORIZON when one of its ancestors is (or was) consumed, `isTracked` (a checkpoint,
 *   a start marker or the shard-end marker exists): it is a descendant, created by a reshard while the
 *   stream was being consumed, and every record written to it since must be read. Otherwise at LATEST
 *   (an open leaf when this consumer first met the stream).
 *
 * Pure.
 * @internal
 */
export function startingPositionOf(
  shardId: string,
  byId: ReadonlyMap<string, ShardDescriptor>,
  configured: StartingPosition,
  isTracked: (shardId: string) => boolean,
): StartingPosition {
  if (configured !== 'LATEST') return configured;
  return ancestorsOf(shardId, byId).some(isTracked) ? 'TRIM_HORIZON' : 'LATEST';
}

/**
 * With LATEST, the closed shards that are never read: no checkpoint of their own and no consumed
 * ancestor. They closed (were resharded) before this consumer started on their lineage; LATEST reads
 * from the open leaves on. Leaving them out of the shard list lets their children start at once (a
 * parent that is not listed counts as finished). With TRIM_HORIZON or AT_TIMESTAMP nothing is left
 * out: the whole lineage is read, roots first. Pure.
 * @internal
 */
export function unreadUnderLatest(
  shards: readonly ShardDescriptor[],
  configured: StartingPosition,
  isTracked: (shardId: string) => boolean,
): Set<string> {
  const unread = new Set<string>();
  if (configured !== 'LATEST') return unread;
  const byId = new Map(shards.map((shard) => [shard.shardId, shard]));
  for (const shard of shards) {
    if (!shard.endingSequenceNumber || isTracked(shard.shardId)) continue;
    if (!ancestorsOf(shard.shardId, byId).some(isTracked)) unread.add(shard.shardId);
  }
  return unread;
}
