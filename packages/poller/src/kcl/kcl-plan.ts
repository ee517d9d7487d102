import type { Checkpoint } from '@streamshare/core';
import { compareCheckpoints } from '@streamshare/core/internal';
import { type KclItem, type KclLease, kclCheckpoint } from './kcl-lease.js';

/** The stream being imported: its account and name (from its ARN), and its creation time. */
export interface ImportedStream {
  readonly account: string;
  readonly streamName: string;
  /**
   * The creation time of the stream as it is now, epoch seconds (DescribeStreamSummary): the epoch of
   * the multi-stream leases to import. Needed only when the table holds multi-stream leases of the
   * stream; unknown, none of them is imported.
   */
  readonly creationEpoch?: number | undefined;
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
  /** Why nothing of the stream is imported, when so (its leases are of an earlier stream of the name). */
  readonly notice?: string | undefined;
}

/** The time of an epoch in seconds, for people. */
const timeOf = (epoch: number) => new Date(epoch * 1000).toISOString();

/** True when `lease` names the stream's account and name (a multi-stream lease, of any creation epoch). */
function namesStream(lease: KclLease, stream: ImportedStream): boolean {
  return lease.stream?.account === stream.account && lease.stream.streamName === stream.streamName;
}

/**
 * Every lease of the table that may be the stream's (pure): its multi-stream leases of any creation
 * epoch, and the single-stream leases. What liveness is judged on, and what tells whether the
 * stream's creation time is needed ({@link needsCreationEpoch}).
 */
export function leasesNamingStream(items: readonly KclItem[], stream: ImportedStream): KclLease[] {
  return items.flatMap((item) =>
    item.kind === 'lease' && (item.lease.stream === undefined || namesStream(item.lease, stream)) ? [item.lease] : [],
  );
}

/** True when the table holds multi-stream leases of the stream: their epoch must be matched to the stream's creation time. */
export function needsCreationEpoch(items: readonly KclItem[], stream: ImportedStream): boolean {
  return items.some((item) => item.kind === 'lease' && namesStream(item.lease, stream));
}

/**
 * The leases of a KCL table that belong to the stream (pure): the multi-stream leases of its account
 * and name whose creation epoch is the stream's creation time as it is now (`stream.creationEpoch`);
 * else, when the table holds no multi-stream lease of the stream, its single-stream leases (a
 * single-stream application's table holds one stream). Multi-stream leases of another epoch are of
 * another stream of the same name (deleted and created again): skipped. When the table holds leases of
 * the name but none of that epoch, the stream was re-created after the KCL read it: nothing is
 * imported (`notice` says so). Everything else is skipped, with the reason.
 */
export function leasesOfStream(
  items: readonly KclItem[],
  stream: ImportedStream,
): { leases: KclLease[]; skipped: SkippedItem[]; notice?: string } {
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
    else if (namesStream(lease, stream)) multi.push(lease);
    else {
      skipped.push({
        key: lease.leaseKey,
        reason: `a lease of another stream (${lease.stream.account}:${lease.stream.streamName})`,
      });
    }
  }
  if (multi.length === 0) return { leases: single, skipped };
  const epoch = stream.creationEpoch;
  const current = multi.filter((l) => l.stream!.creationEpoch === epoch);
  const now =
    epoch === undefined
      ? 'the creation time of the stream as it is now is not known'
      : `the stream as it is now was created ${timeOf(epoch)}`;
  for (const lease of multi) {
    const created = lease.stream!.creationEpoch;
    if (created === epoch) continue;
    skipped.push({
      key: lease.leaseKey,
      reason: `${epoch !== undefined && created > epoch ? 'another stream of the same name' : 'an earlier stream of the same name'} (created ${timeOf(created)}; ${now})`,
    });
  }
  // Both kinds of key for one stream: the multi-stream ones are the application's current ones.
  for (const lease of single) {
    skipped.push({
      key: lease.leaseKey,
      reason: 'a single-stream lease in a table that holds multi-stream leases of the stream',
    });
  }
  if (current.length > 0) return { leases: current, skipped };
  const epochs = [...new Set(multi.map((l) => l.stream!.creationEpoch))].sort((a, b) => a - b).map(timeOf);
  return {
    leases: [],
    skipped,
    notice:
      epoch === undefined
        ? `nothing imported: the table holds multi-stream leases of ${stream.account}:${stream.streamName} (created ${epochs.join(', ')}) and ${now}`
        : `nothing imported: the table holds leases of ${stream.account}:${stream.streamName} only of a stream created ${epochs.join(', ')}, and ${now}: the stream was deleted and created again after the KCL read it, its checkpoints are not this stream's (start streamshare poll with --from)`,
  };
}

/** The import of a stream's KCL leases into a store holding `current` (pure). */
export function planImport(
  items: readonly KclItem[],
  stream: ImportedStream,
  current: ReadonlyMap<string, Checkpoint>,
  /** The time of the KCL's AT_TIMESTAMP leases (`--at-timestamp`): they are not imported without it. */
  atTimestampMs?: number,
): ImportPlan {
  const { leases, skipped, notice } = leasesOfStream(items, stream);
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
  return { rows, skipped, ...(notice === undefined ? {} : { notice }) };
}
