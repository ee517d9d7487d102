import type { SequenceCheckpoint } from '@streamshare/core';
import type { SubscriptionPage } from '../subscription/subscribe-shard.js';
import type { ReadPosition } from './position.js';
import { SubscribedPages, type SubscribedShard, type SubscriptionSettings } from './subscribed-pages.js';
import { type CheckpointWriter, WriteBehind } from './write-behind.js';

/**
 * How a shard reader reads a shard through enhanced fan-out (the poller's `consumerArn`): the pages
 * of its subscription ({@link SubscribedPages}: one SubscribeToShard event, or the events already
 * received merged, as a page like a GetRecords one), and the checkpoint writes left in flight behind
 * them ({@link WriteBehind}). A write that fails closes the subscription, so that a reader waiting
 * for the next event stops at once with the write's error ({@link ended}).
 * @internal
 */
export class SubscribedRead {
  /** The checkpoint writes of settled pages, left in flight while the next pages are read. */
  readonly writes: WriteBehind;
  readonly #pages: SubscribedPages;

  constructor(
    settings: SubscriptionSettings,
    private readonly shard: SubscribedShard,
    writer: CheckpointWriter,
  ) {
    const pages = new SubscribedPages(settings, shard);
    this.#pages = pages;
    this.writes = new WriteBehind(writer, () => pages.close());
  }

  /** Closes the subscription open (after a blocked batch), and opens one at `position`; `stopSignal` aborting closes it. */
  open(position: ReadPosition, stopSignal: AbortSignal): void {
    this.#pages.open(position, stopSignal);
  }

  /** The next page (see {@link SubscribedPages.next}): undefined when the subscription was closed or stopped. */
  next(): Promise<SubscriptionPage | undefined> {
    return this.#pages.next();
  }

  /**
   * Why {@link next} gave no page although no stop was asked for: throws the error of the checkpoint
   * write that failed and closed the subscription, else says that the subscription ended without
   * the shard's end.
   */
  async ended(): Promise<never> {
    if (this.writes.failed) await this.writes.done();
    throw new Error(`shard reader of ${this.shard.shardId}: its subscription ended without the shard's end`);
  }

  /** The checkpoint of an event without records, if one is due (see {@link SubscribedPages.heartbeatCheckpoint}). */
  heartbeatCheckpoint(position: ReadPosition, continuation: string): SequenceCheckpoint | undefined {
    return this.#pages.heartbeatCheckpoint(position, continuation);
  }

  /** Closes the subscription (a blocked batch, a lost lease: a new one starts from the checkpoint). */
  close(): void {
    this.#pages.close();
  }

  /** At the reader's end: closes the subscription, and lets a checkpoint write in flight finish (its error is moot). */
  async end(): Promise<void> {
    this.#pages.close();
    await this.writes.settle();
  }
}
