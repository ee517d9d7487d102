import type { Checkpoint, CheckpointStore } from '@streamshare/core';
import type { ShardCoordinator, ShardDescriptor } from './shard-coordinator.js';

/** Options of {@link KeyedCoordinator}. */
export interface KeyedCoordinatorOptions {
  /** The stream read (the ARN the poller's readers pass to the store). */
  readonly streamArn: string;
  /** The key its checkpoints are kept under (see `streamKey`), found at start (a Kinesis call). */
  readonly resolveKey: () => Promise<string>;
  /** The coordinator of the stream's checkpoints under `key` (a LocalCoordinator or lease coordinator made with it). */
  readonly build: (key: string) => ShardCoordinator;
}

/**
 * A coordinator whose checkpoints are kept under a key other than the stream ARN: the stream-qualified
 * key of a poller of several streams (`streamKey`: ARN and creation time). The key is found by
 * `start()` (so a failure to find it is a failure of the start: retried when transient, at once when
 * access is denied or the stream is gone), then the inner coordinator is built with it and every call
 * goes to it. The poller's readers and planner still name the stream by its ARN: its `checkpoints`
 * store puts the key in its place.
 */
export class KeyedCoordinator implements ShardCoordinator {
  readonly checkpoints: CheckpointStore;
  readonly #options: KeyedCoordinatorOptions;
  #inner: ShardCoordinator | undefined;
  #key: string | undefined;

  constructor(options: KeyedCoordinatorOptions) {
    this.#options = options;
    const inner = () => this.#started();
    const key = () => this.#key!;
    this.checkpoints = {
      get: async (_streamArn: string, shardId: string) => inner().checkpoints.get(key(), shardId),
      put: async (_streamArn: string, shardId: string, checkpoint: Checkpoint) =>
        inner().checkpoints.put(key(), shardId, checkpoint),
      describe: (streamArn: string) =>
        this.#inner?.checkpoints.describe?.(key()) ?? `checkpoints of ${streamArn} (not started)`,
    };
  }

  /** The stream's key, once started (undefined before). */
  get key(): string | undefined {
    return this.#key;
  }

  get storeDescription(): string | undefined {
    return this.#inner?.storeDescription;
  }

  get syncIntervalMs(): number | undefined {
    return this.#inner?.syncIntervalMs;
  }

  /** Finds the key (once), builds the inner coordinator with it (once) and starts it. */
  async start(): Promise<void> {
    this.#key ??= await this.#options.resolveKey();
    this.#inner ??= this.#options.build(this.#key);
    await this.#inner.start();
  }

  #started(): ShardCoordinator {
    if (this.#inner === undefined) {
      throw new Error(`the checkpoints of ${this.#options.streamArn} were used before the coordinator started`);
    }
    return this.#inner;
  }

  sync(shards: readonly ShardDescriptor[]): Promise<readonly string[]> {
    return this.#started().sync(shards);
  }

  owns(shardId: string): boolean {
    return this.#inner?.owns(shardId) ?? false;
  }

  markFinished(shardId: string): Promise<void> {
    return this.#started().markFinished(shardId);
  }

  async release(shardIds?: readonly string[]): Promise<void> {
    await this.#inner?.release(shardIds);
  }

  held(): readonly string[] {
    return this.#inner?.held() ?? [];
  }

  allFinished(shards: readonly ShardDescriptor[]): boolean {
    return this.#inner?.allFinished?.(shards) ?? false;
  }
}
