import type { CheckpointStore } from '@streamshare/core';
import type { Logger } from 'pino';
import { mapLimit } from '../leases/serial.js';
import type { StartingPosition } from '../poller/options.js';
import { ancestorsOf, startingPositionOf, unreadUnderLatest } from './lineage.js';
import type { ShardDescriptor } from './shard-coordinator.js';

/** Options of {@link StartPlanner}. */
export interface StartPlannerOptions {
  readonly streamArn: string;
  /** The configured starting position (of shards without a checkpoint). */
  readonly startingPosition: StartingPosition;
  /** The coordinator's checkpoints: a shard is "tracked" when it has one (real, start marker or shard end). */
  readonly checkpoints: CheckpointStore;
  readonly logger?: Logger | undefined;
  /** Checkpoint reads in flight at once (default 16). */
  readonly concurrency?: number;
}

/**
 * Applies the starting-position rule of {@link startingPositionOf} and {@link unreadUnderLatest} with
 * the checkpoints of the coordinator: which shards are read at all, and where a shard without a
 * checkpoint starts. Only LATEST needs to look at checkpoints; TRIM_HORIZON and AT_TIMESTAMP cost nothing.
 *
 * A shard seen with a checkpoint is remembered as tracked (a checkpoint never disappears); shards
 * without one are looked up again at each listing, so that what another worker started is seen.
 * @internal
 */
export class StartPlanner {
  readonly #options: StartPlannerOptions;
  readonly #tracked = new Set<string>();

  constructor(options: StartPlannerOptions) {
    this.#options = options;
  }

  /**
   * The shards to hand to the coordinator: every shard, except, with LATEST, the closed shards that
   * are never read (see {@link unreadUnderLatest}). Rejects when a checkpoint cannot be read.
   */
  async shardsToRead(shards: readonly ShardDescriptor[]): Promise<ShardDescriptor[]> {
    if (this.#options.startingPosition !== 'LATEST') return [...shards];
    const byId = new Map(shards.map((shard) => [shard.shardId, shard]));
    const closed = shards.filter((shard) => shard.endingSequenceNumber).map((shard) => shard.shardId);
    const ids = new Set<string>();
    for (const id of closed) {
      ids.add(id);
      for (const ancestor of ancestorsOf(id, byId)) ids.add(ancestor);
    }
    await this.#lookUp([...ids]);
    const unread = unreadUnderLatest(shards, 'LATEST', (id) => this.#tracked.has(id));
    if (unread.size > 0) {
      this.#options.logger?.debug(
        { shards: [...unread] },
        'LATEST: closed shards without checkpoint or consumed ancestor are not read',
      );
    }
    return shards.filter((shard) => !unread.has(shard.shardId));
  }

  /** Where `shardId` starts when it has no checkpoint (see {@link startingPositionOf}). */
  async startingPositionOf(shardId: string, shards: readonly ShardDescriptor[]): Promise<StartingPosition> {
    const configured = this.#options.startingPosition;
    if (configured !== 'LATEST') return configured;
    const byId = new Map(shards.map((shard) => [shard.shardId, shard]));
    await this.#lookUp(ancestorsOf(shardId, byId));
    const position = startingPositionOf(shardId, byId, configured, (id) => this.#tracked.has(id));
    if (position !== configured) {
      this.#options.logger?.info(
        { shardId, startingPosition: position },
        'a child of a consumed shard: starting at TRIM_HORIZON so that nothing written to it since the reshard is skipped',
      );
    }
    return position;
  }

  async #lookUp(ids: readonly string[]): Promise<void> {
    const unknown = ids.filter((id) => !this.#tracked.has(id));
    await mapLimit(unknown, this.#options.concurrency ?? 16, async (id) => {
      if ((await this.#options.checkpoints.get(this.#options.streamArn, id)) !== undefined) this.#tracked.add(id);
    });
  }
}
