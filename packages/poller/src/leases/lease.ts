import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Checkpoint } from '@streamshare/core';
import { isShardEnd } from '../coordination/local-coordinator.js';
import { checkpointOrderKey } from './checkpoint-order.js';
import { itemBoolean as bool, itemNumber as num, itemString as str } from './item-values.js';

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
  /**
   * True once the shard reached its end: the item's `finished` flag (what streamshare writes, with
   * checkpoint SHARD_END) or its checkpoint SHARD_END alone (what the KCL writes). Never taken again;
   * its children may start.
   */
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
  timestamp: 'checkpointTimestamp',
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

/** Reads a lease item; `undefined` when it lacks the key attributes. Tolerates missing optional attributes. */
export function leaseFromItem(item: Record<string, AttributeValue> | undefined): Lease | undefined {
  if (item === undefined) return undefined;
  const streamArn = str(item, ATTR.streamArn);
  const shardId = str(item, ATTR.shardId);
  if (streamArn === undefined || shardId === undefined) return undefined;
  const checkpoint = checkpointFromItem(item);
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
    finished: bool(item, ATTR.finished) === true || isShardEnd(checkpoint),
    parentShardIds,
    renewedAt: num(item, ATTR.renewedAt),
  };
}

/**
 * How a checkpoint is stored in a lease item. `checkpointSequenceNumber` (S) holds a position's
 * sequence number, or the kind's name as the KCL's lease table writes it in its `checkpoint`
 * attribute: `TRIM_HORIZON`, `LATEST`, `AT_TIMESTAMP`, `SHARD_END`. `checkpointSubSequenceNumber`
 * (N) is 0 for a kind, as the KCL writes it; `checkpointComplete` (BOOL) is a position's only;
 * `checkpointTimestamp` (N, epoch ms) is AT_TIMESTAMP's only. `checkpointOrder` is
 * {@link checkpointOrderKey}.
 */
export interface StoredCheckpoint {
  readonly sequenceNumber: string;
  readonly subSequenceNumber: number;
  /** Undefined for a kind: the attribute is removed. */
  readonly complete: boolean | undefined;
  /** Undefined but for AT_TIMESTAMP: the attribute is removed. */
  readonly timestampMs: number | undefined;
  readonly order: string;
}

/** The attributes a checkpoint is stored in (see {@link StoredCheckpoint}). Pure. */
export function storedCheckpoint(c: Checkpoint): StoredCheckpoint {
  const order = checkpointOrderKey(c);
  switch (c.kind) {
    case undefined:
      return {
        sequenceNumber: c.sequenceNumber,
        subSequenceNumber: c.subSequenceNumber,
        complete: c.complete,
        timestampMs: undefined,
        order,
      };
    case 'AT_TIMESTAMP':
      return { sequenceNumber: c.kind, subSequenceNumber: 0, complete: undefined, timestampMs: c.timestampMs, order };
    default:
      return { sequenceNumber: c.kind, subSequenceNumber: 0, complete: undefined, timestampMs: undefined, order };
  }
}

/**
 * The checkpoint of a lease item (see {@link StoredCheckpoint}), `undefined` when it has none. An
 * AT_TIMESTAMP without its time (as the KCL writes it: its time is in the KCL's configuration) is
 * none: the poller's starting position applies. The items of streamshare 0.1 hold positions only
 * (their sentinels in positions Kinesis never gives, read by the poller as such). Pure.
 */
export function checkpointFromItem(item: Record<string, AttributeValue>): Checkpoint | undefined {
  const stored = str(item, ATTR.sequenceNumber);
  switch (stored) {
    case undefined:
      return undefined;
    case 'TRIM_HORIZON':
    case 'LATEST':
    case 'SHARD_END':
      return { kind: stored };
    case 'AT_TIMESTAMP': {
      const timestampMs = num(item, ATTR.timestamp);
      return timestampMs === undefined ? undefined : { kind: stored, timestampMs };
    }
    default:
      return {
        sequenceNumber: stored,
        subSequenceNumber: num(item, ATTR.subSequenceNumber) ?? 0,
        complete: bool(item, ATTR.complete) ?? true,
      };
  }
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
