import type { Lease } from './lease.js';

interface Observation {
  readonly owner: string | undefined;
  readonly counter: number;
  /** Local monotonic time at which this owner/counter was first seen. */
  readonly since: number;
}

/**
 * Decides lease expiry from this worker's own observations, as the KCL does: a lease is expired
 * when its counter has not changed for `failoverTimeMs` of LOCAL time since this worker first saw
 * the current value. No wall clock of another host is compared, so clock skew between workers does
 * not matter. A lease first seen with an owner counts as just renewed (a new worker waits a full
 * failover time before taking over), and a free lease is available at once.
 */
export class ExpiryTracker {
  private readonly seen = new Map<string, Observation>();

  constructor(private readonly failoverTimeMs: number) {}

  /** Records a lease as read at local time `now` (a read older than one already seen is ignored). */
  observe(lease: Lease, now: number): void {
    const previous = this.seen.get(lease.shardId);
    if (previous !== undefined) {
      if (lease.counter < previous.counter) return;
      if (lease.counter === previous.counter && lease.owner === previous.owner) return;
    }
    this.seen.set(lease.shardId, { owner: lease.owner, counter: lease.counter, since: now });
  }

  /** True when the lease is held by someone and its counter stood still for the failover time. */
  isExpired(lease: Lease, now: number): boolean {
    if (lease.owner === undefined) return false;
    const observation = this.seen.get(lease.shardId);
    if (observation === undefined || observation.counter !== lease.counter || observation.owner !== lease.owner) {
      return false;
    }
    return now - observation.since >= this.failoverTimeMs;
  }
}
