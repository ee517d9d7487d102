import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Checkpoint, CheckpointError, type CheckpointStore } from '@streamshare/core';
import {
  compareCheckpoints,
  describeCheckpoint,
  errorFromThrown,
  isRetryable,
  validateCheckpoint,
} from '@streamshare/core/internal';
import type { Logger } from 'pino';
import { SHARD_END_CHECKPOINT } from '../coordination/local-coordinator.js';
import type { ShardCoordinator, ShardDescriptor } from '../coordination/shard-coordinator.js';
import { pino } from '../deps/commonjs.cjs';
import { isProcessable, parentsOf, planTakes } from './balance.js';
import { checkpointOrderKey } from './checkpoint-order.js';
import { LeaseTableError } from './errors.js';
import { ExpiryTracker } from './expiry-tracker.js';
import { type Lease, leaseFromItem, newLeaseItem } from './lease.js';
import { LeaseTable } from './lease-table.js';
import type { LeaseRetryOptions } from './retry.js';
import { KeyedSerializer, mapLimit } from './serial.js';

/** Default failover time: a lease not renewed for this long is taken over. */
export const DEFAULT_FAILOVER_TIME_MS = 15_000;

/** Options of {@link DynamoDbLeaseCoordinator}. */
export interface DynamoDbLeaseCoordinatorOptions {
  /**
   * DynamoDB client of the poller's OWN account (not the stream's assumed role), or a function that
   * makes it on first use (the DynamoDB SDK is then loaded only when the table is first called).
   */
  readonly client: DynamoDBClient | (() => Promise<DynamoDBClient>);
  /** The lease table; one table can hold the leases of several streams. */
  readonly tableName: string;
  /** The stream whose shards are leased. */
  readonly streamArn: string;
  /** This worker's id, unique among the workers of the stream (default: hostname, pid and a random suffix). */
  readonly workerId?: string;
  /** A lease whose counter stood still this long (as each worker observes it) is taken over (default 15_000 ms). */
  readonly failoverTimeMs?: number;
  /** Create the table (on-demand) when missing (default true); when false, a missing table is a clear error. */
  readonly createIfMissing?: boolean;
  readonly logger?: Logger;
  /** Period of the background renewal of held leases (default failoverTimeMs / 3). */
  readonly renewIntervalMs?: number;
  /** Monotonic clock in ms (default performance.now), for tests. */
  readonly clock?: () => number;
  /** Retries of throttled / 5xx DynamoDB calls. */
  readonly retry?: LeaseRetryOptions;
  /** Random source for the choice among leases to take (default Math.random). */
  readonly random?: () => number;
  /** DynamoDB writes in flight at once while creating or taking many leases (default 16). */
  readonly concurrency?: number;
}

/** What this worker knows about a lease it holds. */
interface HeldLease {
  /** The counter as of our last successful take/renewal: every conditional write names it. */
  counter: number;
  /** Local time at which the last successful take/renewal was SENT (expiry is counted from there). */
  renewedAt: number;
  /** The last checkpoint read or written, to refuse a backwards write without a round trip. */
  checkpoint: Checkpoint | undefined;
}

/** A worker id: hostname, pid and 6 random hex digits. */
export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * Shares the shards of one stream among several poller workers through a DynamoDB lease table.
 *
 * - Table: partition key `streamArn`, sort key `shardId`; on-demand; created when missing.
 * - Each lease has an owner and a counter. Taking, renewing, releasing and finishing are
 *   conditional updates naming the counter (and owner) last seen, and each adds 1 to the counter;
 *   a checkpoint write is conditional on owner = this worker AND counter = its counter (and not
 *   going backwards), so a worker that lost its lease can no longer checkpoint.
 * - Expiry is decided on local observation (see {@link ExpiryTracker}): no clock comparison between hosts.
 * - Renewal runs on its own timer (`renewIntervalMs`), and on every `sync`.
 * - `sync` creates leases for new shards, renews, takes free and expired leases on the FIRST call
 *   (no warm-up), balances by count taking at most one lease from the busiest worker per call, and
 *   returns the held shards whose parents are finished.
 */
export class DynamoDbLeaseCoordinator implements ShardCoordinator {
  readonly workerId: string;
  readonly streamArn: string;
  readonly failoverTimeMs: number;
  readonly renewIntervalMs: number;
  /**
   * How often the poller should call `sync` for takeover within about the failover time
   * (the renewal period). Listing shards can stay on its own, slower period.
   */
  readonly syncIntervalMs: number;
  readonly checkpoints: CheckpointStore;
  /** `lease table <name> (worker <id>)`, for logs and messages. */
  readonly storeDescription: string;

  private readonly table: LeaseTable;
  private readonly createIfMissing: boolean;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly concurrency: number;
  private readonly tracker: ExpiryTracker;
  private readonly heldLeases = new Map<string, HeldLease>();
  private readonly serial = new KeyedSerializer();
  private started: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private syncing: Promise<unknown> = Promise.resolve();
  private lastProcessable = new Set<string>();
  /** False once DeleteItem was denied: the leases of gone shards are then kept. */
  private deletesGone = true;

  constructor(options: DynamoDbLeaseCoordinatorOptions) {
    this.streamArn = options.streamArn;
    this.workerId = options.workerId ?? defaultWorkerId();
    this.failoverTimeMs = options.failoverTimeMs ?? DEFAULT_FAILOVER_TIME_MS;
    if (!(this.failoverTimeMs > 0)) throw new RangeError(`failoverTimeMs must be > 0, got ${this.failoverTimeMs}`);
    this.renewIntervalMs = options.renewIntervalMs ?? Math.max(1, Math.floor(this.failoverTimeMs / 3));
    if (!(this.renewIntervalMs > 0 && this.renewIntervalMs < this.failoverTimeMs)) {
      throw new RangeError(
        `renewIntervalMs must be > 0 and < failoverTimeMs (${this.failoverTimeMs}), got ${this.renewIntervalMs}`,
      );
    }
    this.syncIntervalMs = this.renewIntervalMs;
    this.createIfMissing = options.createIfMissing ?? true;
    this.clock = options.clock ?? (() => performance.now());
    this.random = options.random ?? Math.random;
    this.concurrency = options.concurrency ?? 16;
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({
      component: 'leases',
      workerId: this.workerId,
      leaseTable: options.tableName,
    });
    this.tracker = new ExpiryTracker(this.failoverTimeMs);
    this.table = new LeaseTable({
      client: options.client,
      tableName: options.tableName,
      ...(options.retry === undefined ? {} : { retry: options.retry }),
    });
    this.storeDescription = `lease table ${options.tableName} (worker ${this.workerId})`;
    this.checkpoints = {
      get: (streamArn, shardId) => this.getCheckpoint(streamArn, shardId),
      put: (streamArn, shardId, checkpoint) => this.putCheckpoint(streamArn, shardId, checkpoint),
    };
  }

  /** Makes sure the lease table exists (creating it when allowed) and is ACTIVE. */
  start(): Promise<void> {
    this.started ??= this.table.ensure(this.createIfMissing).catch((error: unknown) => {
      this.started = undefined;
      throw error;
    });
    return this.started;
  }

  /**
   * Transient lease-table failures (throttling, 5xx, network, after retries) do not reject: the
   * shards still held are returned as of the last successful sync, and the next sync tries again.
   * Fatal ones (AccessDenied, missing table) reject.
   */
  sync(shards: readonly ShardDescriptor[]): Promise<readonly string[]> {
    const attempt = async (): Promise<readonly string[]> => {
      try {
        return await this.syncOnce(shards);
      } catch (error) {
        if (!isRetryable(error) || this.started === undefined) throw error;
        this.logger.warn(
          { err: errorFromThrown(error) },
          'lease sync failed; keeping the leases held and trying again next sync',
        );
        return this.held().filter((shardId) => this.lastProcessable.has(shardId));
      }
    };
    const run = this.syncing.then(attempt, attempt);
    this.syncing = run.catch(() => undefined);
    return run;
  }

  owns(shardId: string): boolean {
    const held = this.heldLeases.get(shardId);
    return held !== undefined && this.clock() - held.renewedAt < this.failoverTimeMs;
  }

  held(): readonly string[] {
    return [...this.heldLeases.keys()].filter((id) => this.owns(id)).sort();
  }

  async markFinished(shardId: string): Promise<void> {
    await this.serial.run(shardId, async () => {
      const held = this.heldLeases.get(shardId);
      if (held === undefined) throw this.leaseLost(shardId, 'mark it finished');
      const ok = await this.table.finish(this.streamArn, shardId, this.workerId, held.counter);
      this.heldLeases.delete(shardId);
      if (ok) {
        this.logger.info({ shardId }, 'shard finished; lease released');
        return;
      }
      const lease = await this.table.get(this.streamArn, shardId);
      if (lease?.finished === true) return; // a retried write that had been applied
      throw this.leaseLost(shardId, 'mark it finished');
    });
  }

  async release(shardIds?: readonly string[]): Promise<void> {
    if (shardIds === undefined) this.stopTimer();
    const targets = (shardIds ?? [...this.heldLeases.keys()]).flatMap((shardId) => {
      const held = this.heldLeases.get(shardId);
      if (held === undefined) return [];
      this.heldLeases.delete(shardId); // owns() is false from now on
      return [{ shardId, counter: held.counter }];
    });
    await mapLimit(targets, this.concurrency, ({ shardId, counter }) =>
      this.serial.run(shardId, async () => {
        try {
          const ok = await this.table.release(this.streamArn, shardId, this.workerId, counter);
          this.logger.info({ shardId, released: ok }, ok ? 'lease released' : 'lease was already lost');
        } catch (error) {
          this.logger.warn(
            { shardId, err: errorFromThrown(error) },
            'could not release lease; it expires after the failover time',
          );
        }
      }),
    );
  }

  /**
   * Always false: the other workers' shards are theirs to finish, so a poller with a lease table
   * runs until it is stopped, even over a stream whose shards are all closed.
   */
  allFinished(_shards: readonly ShardDescriptor[]): boolean {
    return false;
  }

  /**
   * Stops the background renewal WITHOUT releasing: held leases expire after the failover time, as
   * after a crash. For a graceful stop call `release()` instead.
   */
  close(): void {
    this.stopTimer();
  }

  private async syncOnce(shards: readonly ShardDescriptor[]): Promise<readonly string[]> {
    await this.start();
    this.startTimer();
    const shardMap = new Map(shards.map((shard) => [shard.shardId, shard]));

    let leases = await this.readLeases();
    const known = new Set(leases.map((lease) => lease.shardId));
    const missing = shards.filter((shard) => !known.has(shard.shardId));
    if (missing.length > 0) {
      const created = await mapLimit(missing, this.concurrency, (shard) =>
        this.table.createLease(this.streamArn, shard.shardId, parentsOf(shard, undefined)),
      );
      this.logger.debug({ created: created.filter(Boolean).length }, 'lease items created for new shards');
      if (created.every(Boolean)) {
        // Ours as written (free, counter 0): no second read needed before taking them.
        const fresh = missing.map((shard) =>
          leaseFromItem(newLeaseItem(this.streamArn, shard.shardId, parentsOf(shard, undefined))),
        );
        leases = [...leases, ...fresh.filter((lease): lease is Lease => lease !== undefined)];
      } else {
        leases = await this.readLeases(); // another worker created some: read what it wrote
      }
    }

    await this.renewAll(true);
    leases = await this.deleteGone(leases, shardMap);

    const leaseMap = new Map(leases.map((lease) => [lease.shardId, lease]));
    const processable = leases.filter(
      (lease) => shardMap.has(lease.shardId) && isProcessable(lease, shardMap, leaseMap),
    );
    const now = this.clock();
    const plan = planTakes({
      workerId: this.workerId,
      processable,
      held: new Set(this.held()),
      isExpired: (lease) => this.tracker.isExpired(lease, now),
      random: this.random,
    });
    const candidates = plan.steal === undefined ? plan.take : [...plan.take, plan.steal];
    if (candidates.length > 0) {
      await mapLimit(candidates, this.concurrency, (lease) => this.takeLease(lease, lease === plan.steal));
    }

    this.lastProcessable = new Set(processable.map((lease) => lease.shardId));
    return this.held().filter((shardId) => this.lastProcessable.has(shardId));
  }

  /**
   * Deletes the leases of finished shards that the stream no longer lists (trimmed after the
   * retention period): nothing is left to read there, and an unlisted parent counts as finished for
   * its children. Only finished, free leases go (the write is conditional on it), and only against a
   * non-empty listing. Best effort: without `dynamodb:DeleteItem` the items stay, with one warning.
   * Returns the leases left.
   */
  private async deleteGone(leases: Lease[], shards: ReadonlyMap<string, ShardDescriptor>): Promise<Lease[]> {
    if (!this.deletesGone || shards.size === 0) return leases;
    const gone = leases.filter((lease) => lease.finished && lease.owner === undefined && !shards.has(lease.shardId));
    if (gone.length === 0) return leases;
    const deleted = new Set<string>();
    await mapLimit(gone, this.concurrency, async (lease) => {
      try {
        if (await this.table.deleteFinished(this.streamArn, lease.shardId)) deleted.add(lease.shardId);
      } catch (error) {
        if (error instanceof LeaseTableError && error.code === 'LEASE_TABLE_ACCESS_DENIED') {
          if (this.deletesGone) {
            this.deletesGone = false;
            this.logger.warn(
              { err: errorFromThrown(error) },
              'leases of finished shards gone from the stream are kept: allow dynamodb:DeleteItem on the lease table to delete them',
            );
          }
          return;
        }
        this.logger.warn(
          { shardId: lease.shardId, err: errorFromThrown(error) },
          'could not delete the lease of a finished shard; will try again',
        );
      }
    });
    if (deleted.size > 0) {
      this.logger.info({ shardIds: [...deleted] }, 'leases of finished shards gone from the stream deleted');
    }
    return leases.filter((lease) => !deleted.has(lease.shardId));
  }

  /** Reads the stream's leases and records them for expiry decisions. */
  private async readLeases(): Promise<Lease[]> {
    const leases = await this.table.list(this.streamArn);
    const now = this.clock();
    for (const lease of leases) this.tracker.observe(lease, now);
    return leases;
  }

  private takeLease(observed: Lease, stealing: boolean): Promise<void> {
    return this.serial.run(observed.shardId, async () => {
      if (this.heldLeases.has(observed.shardId)) return;
      const sentAt = this.clock();
      try {
        const taken = await this.table.take(observed, this.workerId, stealing ? 'steal' : 'observed');
        if (taken === undefined) {
          this.logger.debug({ shardId: observed.shardId }, 'lease changed before it could be taken');
          return;
        }
        this.heldLeases.set(observed.shardId, {
          counter: taken.counter,
          renewedAt: sentAt,
          checkpoint: taken.checkpoint,
        });
        this.tracker.observe(taken, this.clock());
        this.logger.info(
          { shardId: observed.shardId, previousOwner: observed.owner, counter: taken.counter, stealing },
          stealing ? 'lease taken from the busiest worker' : 'lease taken',
        );
      } catch (error) {
        if (!isRetryable(error)) throw error;
        this.logger.warn({ shardId: observed.shardId, err: errorFromThrown(error) }, 'could not take lease');
      }
    });
  }

  /** Renews every held lease; drops the lost ones. Fatal errors are rethrown when `rethrow`. */
  private async renewAll(rethrow: boolean): Promise<void> {
    let fatal: unknown;
    await mapLimit([...this.heldLeases.keys()], this.concurrency, async (shardId) => {
      try {
        await this.renewOne(shardId);
      } catch (error) {
        if (isRetryable(error)) {
          this.logger.warn(
            { shardId, err: errorFromThrown(error) },
            'lease renewal failed; retrying on the next period',
          );
        } else {
          this.logger.error({ shardId, err: errorFromThrown(error) }, 'lease renewal failed');
          fatal ??= error;
        }
      }
    });
    if (rethrow && fatal !== undefined) throw fatal;
  }

  private renewOne(shardId: string): Promise<void> {
    return this.serial.run(shardId, async () => {
      const held = this.heldLeases.get(shardId);
      if (held === undefined) return;
      const sentAt = this.clock();
      if (await this.table.renew(this.streamArn, shardId, this.workerId, held.counter)) {
        held.counter += 1;
        held.renewedAt = sentAt;
        return;
      }
      const lease = await this.table.get(this.streamArn, shardId);
      if (lease?.owner === this.workerId && lease.counter === held.counter + 1) {
        held.counter += 1; // a retried renewal that had been applied
        held.renewedAt = sentAt;
        return;
      }
      if (this.heldLeases.get(shardId) === held) this.heldLeases.delete(shardId);
      this.logger.info({ shardId, owner: lease?.owner, counter: lease?.counter }, 'lease lost');
    });
  }

  private async getCheckpoint(streamArn: string, shardId: string): Promise<Checkpoint | undefined> {
    const lease = await this.table.get(streamArn, shardId);
    const held = streamArn === this.streamArn ? this.heldLeases.get(shardId) : undefined;
    if (held !== undefined && lease?.owner === this.workerId && lease.counter === held.counter) {
      held.checkpoint = lease.checkpoint;
    }
    // A finished shard reads as the shard-end checkpoint, as with the local coordinator.
    return lease?.finished === true ? SHARD_END_CHECKPOINT : lease?.checkpoint;
  }

  private async putCheckpoint(streamArn: string, shardId: string, given: Checkpoint): Promise<void> {
    const checkpoint = validateCheckpoint(given, `checkpoint of ${shardId} in ${streamArn}`);
    if (streamArn !== this.streamArn) {
      throw new CheckpointError(
        'LEASE_LOST',
        `cannot checkpoint ${shardId} of ${streamArn}: this lease coordinator serves ${this.streamArn}`,
      );
    }
    return this.serial.run(shardId, async () => {
      const held = this.heldLeases.get(shardId);
      if (held === undefined || !this.owns(shardId)) throw this.leaseLost(shardId, 'checkpoint it');
      if (held.checkpoint !== undefined && compareCheckpoints(checkpoint, held.checkpoint) < 0) {
        throw this.backwards(shardId, checkpoint, held.checkpoint);
      }
      if (await this.table.putCheckpoint(this.streamArn, shardId, this.workerId, held.counter, checkpoint)) {
        held.checkpoint = checkpoint;
        return;
      }
      // The condition failed: find out whether the lease was lost or the stored checkpoint is ahead.
      const lease = await this.table.get(this.streamArn, shardId);
      if (lease?.owner !== this.workerId || lease.counter !== held.counter) {
        if (this.heldLeases.get(shardId) === held) this.heldLeases.delete(shardId);
        throw this.leaseLost(shardId, 'checkpoint it', lease);
      }
      if (lease.checkpoint !== undefined) {
        const stored = checkpointOrderKey(lease.checkpoint);
        const wanted = checkpointOrderKey(checkpoint);
        if (stored === wanted) {
          held.checkpoint = lease.checkpoint; // a retried write that had been applied
          return;
        }
        if (stored > wanted) {
          held.checkpoint = lease.checkpoint;
          throw this.backwards(shardId, checkpoint, lease.checkpoint);
        }
      }
      throw new CheckpointError(
        'CHECKPOINT_IO',
        `checkpoint write of ${shardId} in ${this.streamArn} to lease table ${this.table.tableName} was refused for no visible reason; try again`,
        { retryable: true },
      );
    });
  }

  private leaseLost(shardId: string, what: string, lease?: Lease): CheckpointError {
    const now =
      lease === undefined
        ? 'it is no longer held'
        : lease.owner === undefined
          ? 'it was released or expired'
          : `it is now held by ${lease.owner}`;
    return new CheckpointError(
      'LEASE_LOST',
      `worker ${this.workerId} lost the lease of ${shardId} in ${this.streamArn} (lease table ${this.table.tableName}) and cannot ${what}: ${now}`,
    );
  }

  private backwards(shardId: string, wanted: Checkpoint, stored: Checkpoint): CheckpointError {
    return new CheckpointError(
      'CHECKPOINT_BACKWARDS',
      `checkpoint ${describeCheckpoint(wanted)} of ${shardId} in ${this.streamArn} would go backwards from ${describeCheckpoint(stored)}`,
    );
  }

  private startTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.tick(), this.renewIntervalMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Background period: renew held leases, then refresh the observations that expiry is judged on. */
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.renewAll(false);
      await this.readLeases();
    } catch (error) {
      this.logger.warn({ err: errorFromThrown(error) }, 'lease table refresh failed');
    } finally {
      this.ticking = false;
    }
  }
}
