import type { SequenceCheckpoint } from '@streamshare/core';
import type { KinesisClient } from '../deps/commonjs.cjs';
import { HEARTBEAT_CHECKPOINT_INTERVAL_MS, heartbeatCheckpoint } from '../subscription/heartbeat-checkpoint.js';
import {
  type ShardSubscriptionOptions,
  type SubscriptionPage,
  subscribeShard,
} from '../subscription/subscribe-shard.js';
import type { ReadPosition } from './position.js';

/**
 * How a shard reader reads through enhanced fan-out (the poller's `consumerArn`): the HTTP/2 client
 * and the consumer, and the subscription's timings (defaults of {@link subscribeShard}).
 * @internal
 */
export interface SubscriptionSettings
  extends Pick<
    ShardSubscriptionOptions,
    'silenceMs' | 'minSubscribeIntervalMs' | 'resourceInUseBackoff' | 'transientBackoff' | 'observer'
  > {
  /** A Kinesis client whose request handler speaks HTTP/2. */
  readonly client: KinesisClient;
  readonly consumerArn: string;
  /** The least time between two checkpoints of events without records. Default {@link HEARTBEAT_CHECKPOINT_INTERVAL_MS}. */
  readonly heartbeatCheckpointIntervalMs?: number;
}

/** What {@link SubscribedPages.open} needs besides the settings. */
export interface SubscribedShard {
  readonly streamArn: string;
  readonly shardId: string;
  readonly region: string;
  readonly principal?: string | undefined;
}

/**
 * Where an enhanced fan-out shard reader's pages come from: one subscription of the shard at a time
 * (subscribeShard, which re-subscribes by itself after the 5-minute end, a drop or a silence), opened
 * at a read position, read an event at a time, and closed when the reader leaves it (a blocked
 * batch, a lost lease, a stop): closing aborts its request, so no HTTP/2 stream is left open. The
 * reader opens a new one from its checkpoint after a blocked batch.
 * @internal
 */
export class SubscribedPages {
  #controller: AbortController | undefined;
  #pages: AsyncGenerator<SubscriptionPage, void, void> | undefined;
  #unlink: (() => void) | undefined;
  /** When this shard was last subscribed: a new subscription keeps the 5 s AWS asks between two. */
  #lastSubscribeAt: number | undefined;
  /** When the last checkpoint of an event without records was handed out. */
  #lastHeartbeatCheckpointAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly settings: SubscriptionSettings,
    private readonly shard: SubscribedShard,
  ) {}

  /** True while a subscription is open. */
  get isOpen(): boolean {
    return this.#pages !== undefined;
  }

  /** Closes any open subscription and opens one at `position`; `stopSignal` aborting closes it. */
  open(position: ReadPosition, stopSignal: AbortSignal): void {
    this.close();
    const controller = new AbortController();
    const stop = () => controller.abort();
    stopSignal.addEventListener('abort', stop, { once: true });
    if (stopSignal.aborted) controller.abort();
    this.#controller = controller;
    this.#unlink = () => stopSignal.removeEventListener('abort', stop);
    const { client, consumerArn, observer, heartbeatCheckpointIntervalMs: _, ...timings } = this.settings;
    this.#pages = subscribeShard({
      ...timings,
      ...this.shard,
      client,
      consumerArn,
      position,
      signal: controller.signal,
      ...(this.#lastSubscribeAt === undefined ? {} : { previousSubscribeAt: this.#lastSubscribeAt }),
      observer: {
        onSubscribe: (shardId, start) => {
          this.#lastSubscribeAt = Date.now();
          observer?.onSubscribe?.(shardId, start);
        },
        onResubscribe: (...args) => observer?.onResubscribe?.(...args),
      },
    });
  }

  /**
   * The next event as a page, or undefined when the subscription was closed or its stop signal
   * aborted. Throws subscribeShard's typed errors (ACCESS_DENIED, STREAM_NOT_FOUND, KMS_ERROR...).
   */
  async next(): Promise<SubscriptionPage | undefined> {
    const pages = this.#pages;
    if (pages === undefined) return undefined;
    const step = await pages.next();
    return step.done === true ? undefined : step.value;
  }

  /**
   * The checkpoint to write for an event without records (a heartbeat) whose continuation is
   * `continuation`, read once every record before it is settled (the reader's `position`): see
   * {@link heartbeatCheckpoint}. Undefined when the continuation did not move, or when one was
   * handed out less than `heartbeatCheckpointIntervalMs` ago (a storm of heartbeats is one store
   * write a second; a later heartbeat or the next records carry the position on).
   */
  heartbeatCheckpoint(position: ReadPosition, continuation: string, now = Date.now()): SequenceCheckpoint | undefined {
    const interval = this.settings.heartbeatCheckpointIntervalMs ?? HEARTBEAT_CHECKPOINT_INTERVAL_MS;
    if (now - this.#lastHeartbeatCheckpointAt < interval) return undefined;
    const checkpoint = heartbeatCheckpoint(position, continuation);
    if (checkpoint !== undefined) this.#lastHeartbeatCheckpointAt = now;
    return checkpoint;
  }

  /** Aborts the open subscription's request (its HTTP/2 stream is closed) and lets it go. Idempotent. */
  close(): void {
    this.#controller?.abort();
    this.#unlink?.();
    // Runs the generator's `finally` when it is suspended at a page (it aborts the request too).
    this.#pages?.return().catch(() => {});
    this.#controller = undefined;
    this.#unlink = undefined;
    this.#pages = undefined;
  }
}
