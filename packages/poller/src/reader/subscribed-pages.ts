import type { SequenceCheckpoint } from '@streamshare/core';
import type { KinesisClient } from '../deps/commonjs.cjs';
import { HEARTBEAT_CHECKPOINT_INTERVAL_MS, heartbeatCheckpoint } from '../subscription/heartbeat-checkpoint.js';
import { canMerge, MERGE_BOUNDS, mergePages, pageSize } from '../subscription/merge-pages.js';
import {
  type ShardSubscriptionOptions,
  type SubscriptionPage,
  subscribeShard,
} from '../subscription/subscribe-shard.js';
import type { ReadPosition } from './position.js';

/** What {@link nextTurn} settles with. */
const NOT_READY: unique symbol = Symbol('not ready');

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
  /**
   * The subscription's next event asked for while merging, that was not ready yet (or did not fit):
   * the first event of the next page. Never dropped while the subscription is open.
   */
  #pending: Promise<IteratorResult<SubscriptionPage, void>> | undefined;
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
   * The next page: the subscription's next event, with the events after it that are already received
   * (decoded by the SDK without waiting for the network) merged into it, within {@link MERGE_BOUNDS}
   * (10 000 records, 10 MB of payload): one batch, so one checkpoint write for all of them instead
   * of one per event (a durable write costs about a millisecond of CPU). An event is ready when the
   * SDK's `next()` settles before a `setImmediate`; the one that is not (or does not fit) is kept and
   * is the first of the next page, so an event is never lost nor reordered. That read of the next
   * event stays pending while the page is handled: at most one event past the page is decoded, and
   * HTTP/2 flow control still pushes back on the rest. Undefined when the subscription was closed or
   * its stop signal aborted. Throws subscribeShard's typed errors (ACCESS_DENIED, STREAM_NOT_FOUND,
   * KMS_ERROR...), after the pages before the error.
   */
  async next(): Promise<SubscriptionPage | undefined> {
    const pages = this.#pages;
    if (pages === undefined) return undefined;
    const pending = this.#pending;
    this.#pending = undefined;
    const step = await (pending ?? pages.next());
    if (step.done === true) return undefined;
    const merged = [step.value];
    let last = step.value;
    let size = pageSize(last);
    // Not past the shard's end, not past the bounds, not once the subscription was closed meanwhile,
    // not for an event without records (see canMerge).
    while (
      last.continuation !== undefined &&
      last.records !== undefined &&
      size.records < MERGE_BOUNDS.maxRecords &&
      this.#pages === pages
    ) {
      const ahead = pages.next();
      // Handled here: its failure is thrown by the next call, after this page.
      ahead.catch(() => {});
      const ready = await Promise.race([ahead, nextTurn()]).catch((): typeof NOT_READY => NOT_READY);
      if (ready === NOT_READY || ready.done === true || !canMerge(last, size, ready.value)) {
        if (this.#pages === pages) this.#pending = ahead;
        break;
      }
      const more = pageSize(ready.value);
      size = { records: size.records + more.records, bytes: size.bytes + more.bytes };
      last = ready.value;
      merged.push(last);
    }
    return mergePages(merged);
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
    this.#pending = undefined;
  }
}

/** Settles with {@link NOT_READY} once the event loop has turned (I/O already in has been read). */
function nextTurn(): Promise<typeof NOT_READY> {
  return new Promise((resolve) => setImmediate(resolve, NOT_READY));
}
