import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Checkpoint } from '@streamshare/core';
import { itemNumber as num, itemString as str } from '../leases/item-values.js';

/**
 * Attribute names of the KCL's lease table (KCL 2.x and 3.x, Java; the Node.js KCL is its
 * MultiLangDaemon): partition key `leaseKey`; `leaseOwner`, `leaseCounter` (+1 on every take,
 * renewal and eviction), `checkpoint` (a sequence number or TRIM_HORIZON, LATEST, AT_TIMESTAMP,
 * SHARD_END) with `checkpointSubSequenceNumber` (the user record of a KPL aggregate),
 * `pendingCheckpoint` (prepared, not committed), `ownerSwitchesSinceCheckpoint`, `parentShardId` and
 * `childShardIds` (string sets), `startingHashKey`/`endingHashKey`. Multi-stream applications key a
 * lease `account:streamName:creationEpoch:shardId` (and add `streamName` and `shardId`). KCL 3.x
 * adds `entityType` to items of the table that are not leases (a lease has none, or `LEASE`).
 */
export const KCL_ATTR = {
  leaseKey: 'leaseKey',
  owner: 'leaseOwner',
  counter: 'leaseCounter',
  checkpoint: 'checkpoint',
  subSequenceNumber: 'checkpointSubSequenceNumber',
  pendingCheckpoint: 'pendingCheckpoint',
  pendingSubSequenceNumber: 'pendingCheckpointSubSequenceNumber',
  ownerSwitches: 'ownerSwitchesSinceCheckpoint',
  parentShardIds: 'parentShardId',
  childShardIds: 'childShardIds',
  entityType: 'entityType',
} as const;

/** The stream a multi-stream lease key names. */
export interface KclStreamIdentifier {
  readonly account: string;
  readonly streamName: string;
  /** The stream's creation time, epoch seconds: tells a stream from one deleted and created again under its name. */
  readonly creationEpoch: number;
}

/** A KCL lease as read from its item. */
export interface KclLease {
  readonly leaseKey: string;
  /** Undefined for a single-stream key (the lease key is the shard id). */
  readonly stream: KclStreamIdentifier | undefined;
  readonly shardId: string;
  readonly owner: string | undefined;
  readonly counter: number;
  /** The `checkpoint` attribute as stored. */
  readonly checkpoint: string | undefined;
  readonly subSequenceNumber: number | undefined;
  readonly pendingCheckpoint: string | undefined;
  readonly ownerSwitchesSinceCheckpoint: number | undefined;
  readonly parentShardIds: readonly string[];
  readonly childShardIds: readonly string[];
}

/** An item of a KCL table: a lease, or something else (skipped, with the reason). */
export type KclItem =
  | { readonly kind: 'lease'; readonly lease: KclLease }
  | { readonly kind: 'not-a-lease'; readonly key: string; readonly reason: string };

/** A string set (as the KCL writes it), or a list of strings, or one string. */
function strings(item: Record<string, AttributeValue>, name: string): string[] {
  const value = item[name];
  if (value === undefined) return [];
  if ('SS' in value && Array.isArray(value.SS)) return value.SS.filter((s) => typeof s === 'string').sort();
  if ('L' in value && Array.isArray(value.L)) {
    return value.L.flatMap((v) => (v !== undefined && 'S' in v && typeof v.S === 'string' ? [v.S] : []));
  }
  const one = str(item, name);
  return one === undefined ? [] : [one];
}

/** Some text naming an item for messages: its lease key, else its attributes' names. */
function keyOf(item: Record<string, AttributeValue>): string {
  return str(item, KCL_ATTR.leaseKey) ?? `{${Object.keys(item).sort().join(', ')}}`;
}

/**
 * Reads a lease key: a shard id (single-stream application), or `account:streamName:creationEpoch:shardId`
 * (multi-stream). Undefined when it is neither. Pure.
 */
export function parseLeaseKey(
  leaseKey: string,
): { stream: KclStreamIdentifier | undefined; shardId: string } | undefined {
  if (!leaseKey.includes(':')) return leaseKey === '' ? undefined : { stream: undefined, shardId: leaseKey };
  const parts = leaseKey.split(':');
  if (parts.length !== 4) return undefined;
  const [account, streamName, epoch, shardId] = parts as [string, string, string, string];
  if (
    !/^\d{12}$/.test(account) ||
    !/^[A-Za-z0-9_.-]{1,128}$/.test(streamName) ||
    !/^\d{1,16}$/.test(epoch) ||
    shardId === ''
  ) {
    return undefined;
  }
  return { stream: { account, streamName, creationEpoch: Number(epoch) }, shardId };
}

/** Reads an item of a KCL lease table (pure): a lease, or why it is not one. */
export function readKclItem(item: Record<string, AttributeValue>): KclItem {
  const entityType = str(item, KCL_ATTR.entityType);
  if (entityType !== undefined && entityType.toUpperCase() !== 'LEASE') {
    return {
      kind: 'not-a-lease',
      key: keyOf(item),
      reason: `a KCL 3.x ${JSON.stringify(entityType)} item (entityType), not a lease`,
    };
  }
  const leaseKey = str(item, KCL_ATTR.leaseKey);
  if (leaseKey === undefined) return { kind: 'not-a-lease', key: keyOf(item), reason: 'no leaseKey: not a KCL lease' };
  const parsed = parseLeaseKey(leaseKey);
  if (parsed === undefined) {
    return {
      kind: 'not-a-lease',
      key: leaseKey,
      reason: 'the lease key is neither a shard id nor account:streamName:creationEpoch:shardId',
    };
  }
  return {
    kind: 'lease',
    lease: {
      leaseKey,
      stream: parsed.stream,
      shardId: parsed.shardId,
      owner: str(item, KCL_ATTR.owner),
      counter: num(item, KCL_ATTR.counter) ?? 0,
      checkpoint: str(item, KCL_ATTR.checkpoint),
      subSequenceNumber: num(item, KCL_ATTR.subSequenceNumber),
      pendingCheckpoint: str(item, KCL_ATTR.pendingCheckpoint),
      ownerSwitchesSinceCheckpoint: num(item, KCL_ATTR.ownerSwitches),
      parentShardIds: strings(item, KCL_ATTR.parentShardIds),
      childShardIds: strings(item, KCL_ATTR.childShardIds),
    },
  };
}

/** What a KCL lease's checkpoint becomes in streamshare. */
export type Converted =
  | { readonly kind: 'checkpoint'; readonly checkpoint: Checkpoint; readonly note?: string }
  | { readonly kind: 'none'; readonly reason: string };

/**
 * The streamshare checkpoint of a KCL lease (pure):
 *
 * - `TRIM_HORIZON`, `LATEST`, `SHARD_END`: the same kind.
 * - a sequence number with `checkpointSubSequenceNumber` n: a position at that record, not complete
 *   (`complete: false`): reading resumes at the record and skips the user records 0..n of a KPL
 *   aggregate, as the KCL does. The KCL's checkpoint does not say whether its record was an
 *   aggregate: a plain record there is delivered once more (a duplicate, never a gap).
 * - `AT_TIMESTAMP`: the KCL keeps the time in its configuration, not in the table: AT_TIMESTAMP at
 *   `atTimestampMs` when given (the application's `initialPositionInStream` time), else none (start
 *   the poller with `--from TIME`).
 * - none, or anything else: none, with the reason.
 */
export function kclCheckpoint(lease: KclLease, atTimestampMs?: number): Converted {
  const raw = lease.checkpoint;
  if (raw === undefined || raw === '') return { kind: 'none', reason: 'no checkpoint in the KCL lease' };
  switch (raw) {
    case 'TRIM_HORIZON':
    case 'SHARD_END':
      return { kind: 'checkpoint', checkpoint: { kind: raw } };
    case 'LATEST':
      return {
        kind: 'checkpoint',
        checkpoint: { kind: raw },
        note: 'LATEST (never checkpointed): records written before the poller first reads the shard are skipped, as the KCL would',
      };
    case 'AT_TIMESTAMP':
      return atTimestampMs === undefined
        ? {
            kind: 'none',
            reason:
              'AT_TIMESTAMP: the KCL keeps its time in its configuration, not in the table; give --at-timestamp TIME (or start the poller with --from TIME)',
          }
        : { kind: 'checkpoint', checkpoint: { kind: raw, timestampMs: atTimestampMs } };
  }
  if (!/^\d{1,128}$/.test(raw)) {
    return {
      kind: 'none',
      reason: `checkpoint ${JSON.stringify(raw)} is neither a sequence number nor a KCL sentinel`,
    };
  }
  const sub = lease.subSequenceNumber ?? 0;
  if (!Number.isSafeInteger(sub) || sub < 0) {
    return { kind: 'none', reason: `checkpointSubSequenceNumber ${sub} is not a whole number >= 0` };
  }
  return {
    kind: 'checkpoint',
    checkpoint: { sequenceNumber: raw, subSequenceNumber: sub, complete: false },
    ...(sub > 0 ? { note: `KPL aggregate: user records 0..${sub} done` } : {}),
  };
}

/** `checkpoint/sub` as the KCL stores it, for people. */
export function kclCheckpointText(lease: KclLease): string {
  if (lease.checkpoint === undefined) return '-';
  return /^\d+$/.test(lease.checkpoint) ? `${lease.checkpoint}/${lease.subSequenceNumber ?? 0}` : lease.checkpoint;
}
