import { compareCheckpoints } from '@streamshare/core/internal';
import type { Applied, CheckpointWrite } from './apply.js';
import { ageText, type ShardRow } from './shard-row.js';

/** What `checkpoints set --dry-run` prints: each shard's checkpoint now and after, and what may refuse the set. */
export interface SetPlan {
  /** One row per shard written: `fenced` is the lease's owner now (the worker a write would fence out). */
  readonly rows: readonly Applied[];
  /** The shards whose checkpoint would change. */
  readonly changing: number;
  /** Why the set may be refused, or what it would do first (one line each). */
  readonly notes: readonly string[];
}

/** Options of {@link planSet}. */
export interface SetPlanOptions {
  readonly store: 'file' | 'lease-table';
  /** `--force` (lease table). */
  readonly force: boolean;
  readonly failoverMs: number;
}

/**
 * The dry run of `checkpoints set` from the store's rows as read now (pure): each shard's checkpoint
 * before and after, the lease owner a write would fence, and notes on what the real run checks first
 * (a process holding the directory, owned leases watched for `failoverMs`).
 */
export function planSet(
  known: readonly ShardRow[],
  writes: readonly CheckpointWrite[],
  options: SetPlanOptions,
): SetPlan {
  const byShard = new Map(known.map((r) => [r.shardId, r]));
  const rows: Applied[] = writes.map((w) => {
    const row = byShard.get(w.shardId);
    return {
      shardId: w.shardId,
      before: row?.checkpoint,
      after: w.checkpoint,
      fenced: options.store === 'lease-table' ? row?.owner : undefined,
    };
  });
  const changing = rows.filter((r) => r.before === undefined || compareCheckpoints(r.before, r.after) !== 0).length;
  const notes: string[] = [];
  if (options.store === 'file') {
    const owner = known.find((r) => r.owner !== undefined);
    if (owner !== undefined) {
      notes.push(
        `the directory's lock names ${owner.owner} (refreshed ${ageText(owner.ageMs)} ago): set is refused while that process runs`,
      );
    }
  } else {
    const owned = writes.flatMap((w) => {
      const row = byShard.get(w.shardId);
      return row?.owner === undefined ? [] : [`${w.shardId} (worker ${JSON.stringify(row.owner)})`];
    });
    if (owned.length > 0) {
      notes.push(
        options.force
          ? `leases with an owner: ${owned.join(', ')}; with --force they are taken away and their workers fenced out`
          : `leases with an owner: ${owned.join(', ')}; set watches their counters for ${options.failoverMs} ms and is refused if one moves (a live worker), unless --force`,
      );
    }
  }
  return { rows, changing, notes };
}
