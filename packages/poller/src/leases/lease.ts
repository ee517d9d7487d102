import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Checkpoint } from '@streamshare/core';

/**
 * One shard's lease, as stored in the lease table (one item per shard).
 *
 * Key schema: partition key `streamArn` (S), sort key `shardId` (S), so one table can hold the
 * leases of several streams and a worker reads its stream's leases with one consistent Query.
 */
export interface Lease {
  readonly streamArn: string;
  readonly shardId: string;
  /** Worker id of the holder; absent when the lease is free (never taken, released or finished). */
  readonly owner: string | undefined;
  /** Incremented by every take, renewal, release and finish: the fencing token of the lease. */
  readonly counter: number;
  /** The last checkpoint written, if any. */
  readonly checkpoint: Checkpoint | undefined;
  /** True once the shard reached its end (SHARD_END): never taken again; its children may start. */
  readonly finished: boolean;
  /** ParentShardId and AdjacentParentShardId, when the shard has them. */
  readonly parentShardIds: readonly string[];
  /**
   * Wall-clock time (epoch ms) of the holder's last take/renewal, for people and tools only: expiry
   * is decided on each worker's own monotonic observation of `counter`, never on this value.
   */
  readonly renewedAt: number | undefined;
}

/** Attribute names of a lease item. */
export const ATTR = {
  streamArn: 'streamArn',
  shardId: 'shardId',
  owner: 'leaseOwner',
  counter: 'leaseCounter',
  sequenceNumber: 'checkpointSequenceNumber',
  subSequenceNumber: 'checkpointSubSequenceNumber',
  complete: 'checkpointComplete',
  order: 'checkpointOrder',
  finished: 'finished',
  parents: 'parentShardIds',
  renewedAt: 'renewedAt',
  ownerSwitches: 'ownerSwitchesSinceCheckpoint',
} as const;

/** The primary key of a shard's lease item. */
export function leaseKey(streamArn: string, shardId: string): Record<string, AttributeValue> {
  return { [ATTR.streamArn]: { S: streamArn }, [ATTR.shardId]: { S: shardId } };
}

function str(item: Record<string, AttributeValue>, name: string): string | undefined {
  const value = item[name];
  return value !== undefined && 'S' in value && typeof value.S === 'string' ? value.S : undefined;
}

function num(item: Record<string, AttributeValue>, name: string): number | undefined {
  const value = item[name];
  if (value === undefined || !('N' in value) || typeof value.N !== 'string') return undefined;
  const n = Number(value.N);
  return Number.isFinite(n) ? n : undefined;
}

function bool(item: Record<string, AttributeValue>, name: string): boolean | undefined {
  const value = item[name];
  return value !== undefined && 'BOOL' in value && typeof value.BOOL === 'boolean' ? value.BOOL : undefined;
}

/** Reads a lease item; `undefined` when it lacks the key attributes. Tolerates missing optional attributes. */
export function leaseFromItem(item: Record<string, AttributeValue> | undefined): Lease | undefined {
  if (item === undefined) return undefined;
  const streamArn = str(item, ATTR.streamArn);
  const shardId = str(item, ATTR.shardId);
  if (streamArn === undefined || shardId === undefined) return undefined;
  const sequenceNumber = str(item, ATTR.sequenceNumber);
  const checkpoint: Checkpoint | undefined =
    sequenceNumber === undefined
      ? undefined
      : {
          sequenceNumber,
          subSequenceNumber: num(item, ATTR.subSequenceNumber) ?? 0,
          complete: bool(item, ATTR.complete) ?? true,
        };
  const parentsValue = item[ATTR.parents];
  const parentShardIds =
    parentsValue !== undefined && 'L' in parentsValue && Array.isArray(parentsValue.L)
      ? parentsValue.L.flatMap((v) => (v !== undefined && 'S' in v && typeof v.S === 'string' ? [v.S] : []))
      : [];
  return {
    streamArn,
    shardId,
    owner: str(item, ATTR.owner),
    counter: num(item, ATTR.counter) ?? 0,
    checkpoint,
    finished: bool(item, ATTR.finished) ?? false,
    parentShardIds,
    renewedAt: num(item, ATTR.renewedAt),
  };
}

/** A new, free lease item for a shard (counter 0, no owner, no checkpoint). */
export function newLeaseItem(
  streamArn: string,
  shardId: string,
  parentShardIds: readonly string[],
): Record<string, AttributeValue> {
  return {
    ...leaseKey(streamArn, shardId),
    [ATTR.counter]: { N: '0' },
    [ATTR.finished]: { BOOL: false },
    [ATTR.parents]: { L: parentShardIds.map((id) => ({ S: id })) },
    [ATTR.ownerSwitches]: { N: '0' },
  };
}
