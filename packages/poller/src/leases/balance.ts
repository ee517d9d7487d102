import type { ShardDescriptor } from '../coordination/shard-coordinator.js';
import type { Lease } from './lease.js';

/** Parent shard ids of a shard: from the stream's shard list, else from its lease item. */
export function parentsOf(shard: ShardDescriptor | undefined, lease: Lease | undefined): string[] {
  if (shard !== undefined) {
    return [shard.parentShardId, shard.adjacentParentShardId].filter(
      (id): id is string => id !== undefined && id !== '',
    );
  }
  return lease === undefined ? [] : [...lease.parentShardIds];
}

/**
 * True when a shard may be processed now: its lease is not finished and every parent is finished.
 * A parent that is no longer in the stream's shard list (trimmed) counts as finished; a listed
 * parent counts as finished only when its lease says so.
 */
export function isProcessable(
  lease: Lease,
  shards: ReadonlyMap<string, ShardDescriptor>,
  leases: ReadonlyMap<string, Lease>,
): boolean {
  if (lease.finished) return false;
  return parentsOf(shards.get(lease.shardId), lease).every(
    (parent) => !shards.has(parent) || leases.get(parent)?.finished === true,
  );
}

/** The inputs of one balancing decision. */
export interface BalanceInput {
  readonly workerId: string;
  /** Processable leases of the stream (not finished, parents finished), as last read. */
  readonly processable: readonly Lease[];
  /** Shard ids this worker holds now (renewed, not lost). */
  readonly held: ReadonlySet<string>;
  /** True when another worker's lease was not renewed within the failover time (as this worker observed). */
  readonly isExpired: (lease: Lease) => boolean;
  /** Defaults to Math.random; injected by tests. */
  readonly random?: () => number;
}

/** What this worker should try to take on this sync. */
export interface BalancePlan {
  /** Leases per worker to aim at: ceil(processable / active workers). */
  readonly target: number;
  /** Active workers counted: this one and every owner of an unexpired processable lease. */
  readonly workers: number;
  /** Free or expired leases to take (at most target - held). */
  readonly take: readonly Lease[];
  /** At most one lease to take from the busiest worker, when nothing free or expired is left. */
  readonly steal: Lease | undefined;
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Decides which leases to take, balancing by count (as the KCL lease taker does):
 * target = ceil(processable leases / active workers); below target, take free or expired leases;
 * when none is left, take at most ONE lease from the worker holding the most, and only when that
 * worker is above target (or at target while this one is short by more than one), so counts settle
 * without leases moving back and forth.
 */
export function planTakes(input: BalanceInput): BalancePlan {
  const random = input.random ?? Math.random;
  const counts = new Map<string, Lease[]>();
  const available: Lease[] = [];
  let mine = 0;
  for (const lease of input.processable) {
    if (input.held.has(lease.shardId)) {
      mine++;
    } else if (lease.owner === undefined || lease.owner === input.workerId || input.isExpired(lease)) {
      available.push(lease);
    } else {
      const list = counts.get(lease.owner) ?? [];
      list.push(lease);
      counts.set(lease.owner, list);
    }
  }
  const workers = counts.size + 1;
  const total = input.processable.length;
  const target = total === 0 ? 0 : Math.ceil(total / workers);
  const needed = target - mine;
  if (needed <= 0) return { target, workers, take: [], steal: undefined };
  if (available.length > 0) {
    return { target, workers, take: shuffled(available, random).slice(0, needed), steal: undefined };
  }
  let busiest: Lease[] = [];
  for (const list of counts.values()) if (list.length > busiest.length) busiest = list;
  const stealable = busiest.length > target || (busiest.length === target && needed > 1);
  const steal = stealable ? busiest[Math.floor(random() * busiest.length)] : undefined;
  return { target, workers, take: [], steal };
}
