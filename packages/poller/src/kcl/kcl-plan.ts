import type { Checkpoint } from '@streamshare/core';
import { compareCheckpoints } from '@streamshare/core/internal';
import { type KclItem, type KclLease, kclCheckpoint } from './kcl-lease.js';

/** The stream being imported: its account and name (from its ARN). */
export interface ImportedStream {
  readonly account: string;
  readonly streamName: string;
}

/** What the import does to one shard. */
export interface ImportRow {
  readonly shardId: string;
  readonly lease: KclLease;
  /** The checkpoint in the streamshare store now. */
  readonly current: Checkpoint | undefined;
  /** The checkpoint written (undefined: nothing, see `reason`). */
  readonly next: Checkpoint | undefined;
  /** `write`: set to `next`; `unchanged`: the store holds it already; `skip`: nothing to write (`reason`). */
  readonly action: 'write' | 'unchanged' | 'skip';
  readonly reason: string | undefined;
  /** Anything worth knowing: an aggregate's user records, a pending checkpoint ignored, a move back. */
  readonly notes: readonly string[];
}

/** An item of the KCL table left out, and why. */
export interface SkippedItem {
  readonly key: string;
  readonly reason: string;
}

/** The whole import of one stream. */
export interface ImportPlan {
  readonly rows: readonly ImportRow[];
  readonly skipped: readonly SkippedItem[];
}

/**
 * The leases of a KCL table that belong to the stream (pure): the single-stream leases (a
 * single-stream application's table holds one stream), and the multi-stream leases of its account
 * and name with the newest creation epoch (older ones are a stream deleted and created again under
 * the name: their checkpoints are of the old stream, and skipped). Everything else is skipped, with
 * the reason.
 */
export function leasesOfStream(
  items: readonly KclItem[],
  stream: ImportedStream,
): { leases: KclLease[]; skipped: SkippedItem[] } {
  const skipped: SkippedItem[] = [];
  const single: KclLease[] = [];
  const multi: KclLease[] = [];
  for (const item of items) {
    if (item.kind === 'not-a-lease') {
      skipped.push({ key: item.key, reason: item.reason });
      continue;
    }
    const { lease } = item;
    if (lease.stream === undefined) single.push(lease);
    else if (lease.stream.account === stream.account && lease.stream.streamName === stream.streamName)
      multi.push(lease);
    else {
      skipped.push({
        key: lease.leaseKey,
        reason: `a lease of another stream (${lease.stream.account}:${lease.stream.streamName})`,
      });
    }
  }
  const newest = Math.max(...multi.map((l) => l.stream!.creationEpoch));
  const current = multi.filter((l) => l.stream!.creationEpoch === newest);
  for (const lease of multi) {
    if (lease.stream!.creationEpoch !== newest) {
      skipped.push({
        key: lease.leaseKey,
        reason: `an earlier stream of the same name (created ${new Date(lease.stream!.creationEpoch * 1000).toISOString()}; the newest was created ${new Date(newest * 1000).toISOString()})`,
      });
    }
  }
  if (current.length > 0) {
    // Both kinds of key for one stream: the multi-stream ones are the application's current ones.
    for (const lease of single) {
      skipped.push({
        key: lease.leaseKey,
        reason: 'a single-stream lease in a table that holds multi-stream leases of the stream',
      });
    }
    return { leases: current, skipped };
  }
  return { leases: single, skipped };
}

/** The import of a stream's KCL leases into a store holding `current` (pure). */
export function planImport(
  items: readonly KclItem[],
  stream: ImportedStream,
  current: ReadonlyMap<string, Checkpoint>,
  /** The time of the KCL's AT_TIMESTAMP leases (`--at-timestamp`): they are not imported without it. */
  atTimestampMs?: number,
): ImportPlan {
  const { leases, skipped } = leasesOfStream(items, stream);
  const rows = leases
    .sort((a, b) => a.shardId.localeCompare(b.shardId))
    .map((lease): ImportRow => {
      const now = current.get(lease.shardId);
      const converted = kclCheckpoint(lease, atTimestampMs);
      const notes: string[] = [];
      if (lease.pendingCheckpoint !== undefined) {
        notes.push(`pending checkpoint ${lease.pendingCheckpoint} ignored (prepared, never committed)`);
      }
      if (converted.kind === 'none') {
        return {
          shardId: lease.shardId,
          lease,
          current: now,
          next: undefined,
          action: 'skip',
          reason: converted.reason,
          notes,
        };
      }
      if (converted.note !== undefined) notes.push(converted.note);
      const order = now === undefined ? 1 : compareCheckpoints(converted.checkpoint, now);
      if (order < 0) notes.push('moves the streamshare checkpoint back');
      return {
        shardId: lease.shardId,
        lease,
        current: now,
        next: converted.checkpoint,
        action: order === 0 ? 'unchanged' : 'write',
        reason: undefined,
        notes,
      };
    });
  return { rows, skipped };
}
