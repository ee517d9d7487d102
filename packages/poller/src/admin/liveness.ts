/** A lease as observed for liveness: its key, owner and counter. */
export interface ObservedLease {
  readonly key: string;
  readonly owner: string | undefined;
  readonly counter: number;
}

/** What {@link observeLiveness} saw. */
export interface Liveness<T extends ObservedLease> {
  /** The leases as last read (the second read when there was one). */
  readonly latest: readonly T[];
  /** Owned leases whose counter moved between the two reads: a worker holds them. */
  readonly live: readonly T[];
  /** The counter of each live lease at the first read, by key. */
  readonly before: ReadonlyMap<string, number>;
  /** How long the reads were apart (0 when no lease had an owner: one read was enough). */
  readonly waitedMs: number;
}

/**
 * Tells the leases a worker still holds the way the KCL and the lease coordinator judge it, on this
 * process's own observation (no clocks of other hosts compared): a lease is live when it has an owner
 * and its counter moves within the failover time (its holder renews it several times per failover
 * time). Reads the leases, and when any has an owner, waits `failoverMs` and reads them again. A
 * stopped worker leaves its leases owned but still: those are not live.
 */
export async function observeLiveness<T extends ObservedLease>(
  read: () => Promise<readonly T[]>,
  failoverMs: number,
  wait: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<Liveness<T>> {
  const first = await read();
  if (!first.some((lease) => lease.owner !== undefined)) {
    return { latest: first, live: [], before: new Map(), waitedMs: 0 };
  }
  await wait(failoverMs);
  const second = await read();
  return { ...livenessOf(first, second), latest: second, waitedMs: failoverMs };
}

/** The live leases of two reads made a failover time apart (pure). */
export function livenessOf<T extends ObservedLease>(
  first: readonly ObservedLease[],
  second: readonly T[],
): { readonly live: readonly T[]; readonly before: ReadonlyMap<string, number> } {
  const before = new Map(first.map((lease) => [lease.key, lease.counter]));
  const live = second.filter((lease) => lease.owner !== undefined && before.get(lease.key) !== lease.counter);
  return { live, before };
}
