import type { Checkpoint } from '@streamshare/core';
import { CheckpointAdminError } from './errors.js';
import type { FileStoreAdmin } from './file-admin.js';
import type { AdminLease, LeaseTableAdmin } from './lease-admin.js';
import { observeLiveness } from './liveness.js';
import { ageText } from './shard-row.js';

/** One shard's checkpoint to write. */
export interface CheckpointWrite {
  readonly shardId: string;
  readonly checkpoint: Checkpoint;
  /** For a lease item created by the write (lease table): the shard's parents. */
  readonly parentShardIds?: readonly string[];
}

/** What a write did to one shard. */
export interface Applied {
  readonly shardId: string;
  readonly before: Checkpoint | undefined;
  readonly after: Checkpoint;
  /** The worker whose lease was taken away (fenced: its next checkpoint is refused). */
  readonly fenced: string | undefined;
}

/** Options of {@link applyToLeaseTable}. */
export interface LeaseApplyOptions {
  /** Take leases away from live workers (they are fenced through the lease counter). */
  readonly force: boolean;
  /** How long a live worker's counter surely moves in (the workers' failover time). */
  readonly failoverMs: number;
  /** Told before waiting a failover time to see which leases are live. */
  readonly onWait?: (ms: number) => void;
  /** Conditional writes tried again per shard when a worker renews in between (with force). */
  readonly attempts?: number;
}

/** `shard by owner (renewed 3s ago; counter 4 → 6 within 1000 ms)`. */
function describeHeld(lease: AdminLease, before: number | undefined, failoverMs: number): string {
  return `${lease.shardId} by worker ${JSON.stringify(lease.owner)} (lease renewed ${ageText(lease.ageMs)} ago; its counter moved from ${before ?? 'none'} to ${lease.counter} within ${failoverMs} ms)`;
}

/**
 * Writes checkpoints to streamshare's lease table. A shard whose lease a live worker holds (see
 * {@link observeLiveness}) is refused with `LEASE_HELD` naming the worker and the lease's age,
 * unless `force`: then the write takes the lease away all the same. Every write adds 1 to the lease
 * counter and removes the owner, conditional on the counter just read, so the worker that held it
 * is fenced out (its next checkpoint write is refused, `LEASE_LOST`). Nothing is written when any
 * shard is refused.
 */
export async function applyToLeaseTable(
  admin: LeaseTableAdmin,
  streamArn: string,
  writes: readonly CheckpointWrite[],
  options: LeaseApplyOptions,
): Promise<Applied[]> {
  const wanted = new Set(writes.map((w) => w.shardId));
  const read = async () => (await admin.leases(streamArn)).filter((lease) => wanted.has(lease.shardId));
  const liveness = await observeLiveness(
    async () => {
      const leases = await read();
      return leases.map((lease) => ({ ...lease, counter: lease.counter ?? 0 }));
    },
    options.failoverMs,
    async (ms) => {
      options.onWait?.(ms);
      await new Promise((resolve) => setTimeout(resolve, ms));
    },
  );
  if (liveness.live.length > 0 && !options.force) {
    const held = liveness.live.map((lease) => describeHeld(lease, liveness.before.get(lease.key), options.failoverMs));
    throw new CheckpointAdminError(
      'LEASE_HELD',
      `refused: a live worker holds the lease of ${held.length} shard(s): ${held.join('; ')}. Stop the workers first, or give --force to take the leases away (each worker's next checkpoint is then refused with LEASE_LOST and it stops reading the shard; the next worker to take it starts from the new checkpoint)`,
    );
  }
  let current = new Map(liveness.latest.map((lease) => [lease.shardId, lease as AdminLease]));
  const applied: Applied[] = [];
  const attempts = options.attempts ?? 5;
  for (const write of writes) {
    for (let attempt = 1; ; attempt++) {
      const lease = current.get(write.shardId);
      const expected = lease?.counter === undefined ? 'absent' : { counter: lease.counter };
      const ok = await admin.write(streamArn, write.shardId, write.checkpoint, expected, write.parentShardIds ?? []);
      if (ok) {
        applied.push({
          shardId: write.shardId,
          before: lease?.checkpoint,
          after: write.checkpoint,
          fenced: lease?.owner,
        });
        break;
      }
      current = new Map((await read()).map((l) => [l.shardId, l]));
      const now = current.get(write.shardId);
      if (!options.force || attempt >= attempts) {
        throw new CheckpointAdminError(
          'LEASE_CHANGED',
          `the lease of ${write.shardId} changed while its checkpoint was being set${now?.owner === undefined ? '' : ` (worker ${JSON.stringify(now.owner)} renewed or took it)`}: ${applied.length} shard(s) were set before it (${applied.map((a) => a.shardId).join(', ') || 'none'}); stop the workers${options.force ? '' : ' or give --force'} and run it again`,
        );
      }
    }
  }
  return applied;
}

/**
 * Writes checkpoints to a checkpoint directory (see {@link FileStoreAdmin.replace}: refused with
 * `DIRECTORY_LOCKED` while a live process holds the directory).
 */
export async function applyToDirectory(
  admin: FileStoreAdmin,
  streamArn: string,
  writes: readonly CheckpointWrite[],
): Promise<{ applied: Applied[]; backups: readonly string[] }> {
  const { before, backups } = await admin.replace(streamArn, new Map(writes.map((w) => [w.shardId, w.checkpoint])));
  return {
    applied: writes.map((w) => ({
      shardId: w.shardId,
      before: before.get(w.shardId),
      after: w.checkpoint,
      fenced: undefined,
    })),
    backups,
  };
}
