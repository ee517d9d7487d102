import { backoffDelay, payloadBytes, sleep } from '@streamshare/core/internal';
import type { Logger } from 'pino';
import { fromLegacyForm } from '../coordination/legacy-checkpoints.js';
import { pageMemory } from '../scheduling/memory-budget.js';
import { PageDelivery } from './page-delivery.js';
import { idlePause, PolledRead } from './polled-read.js';
import { advance, describePosition, positionOf } from './position.js';
import type { ReaderStatus, ShardReaderOptions } from './reader-options.js';
import { ShardCheckpoints } from './shard-checkpoints.js';
import {
  CHECKPOINT_READ,
  eventOfError,
  explainEvent,
  FINISH_RECORDED,
  LEASE_LOST,
  SHARD_ENDED,
  STOP_REQUESTED,
  WAITED,
} from './shard-events.js';
import {
  INITIAL_SHARD_STATE,
  isReaderEnd,
  nextShardState,
  type ReaderEnd,
  type ShardEvent,
  type ShardState,
} from './shard-state.js';
import { SubscribedRead } from './subscribed-read.js';

export { idlePause } from './polled-read.js';
export type { ReaderStatus, ShardReaderOptions } from './reader-options.js';
export type { ReaderEnd } from './shard-state.js';
export { PIPELINED_PAGES } from './write-behind.js';

/**
 * How far before the moment a LATEST iterator was taken an expired or restarted shard is read again
 * (AT_TIMESTAMP), for clock differences between this host and Kinesis. The records of that margin may
 * be delivered although LATEST had not included them (at least once, never a skip).
 */
export const LATEST_REPLAY_MARGIN_MS = 5_000;

/**
 * Reads one shard: GetShardIterator from the checkpoint (or the starting position), then GetRecords
 * paced within the shard's read limits, each page handed to the delivery, the checkpoint written after
 * each batch. `run()` is a state machine (shard-state.ts): `initializing` (checkpoint get), `seeking`
 * (GetShardIterator), `processing` (GetRecords, delivery, checkpoint put), `idle` (at the tip),
 * `blocked` (pause after a failed record), `shard-end` (markFinished), and the ends `finished`, `lost`,
 * `stopped`; {@link nextShardState} holds the transitions. One batch in hand at a time: the next page
 * is fetched only after the current one is processed and checkpointed, so memory stays bounded
 * whatever the backlog (no prefetch; enhanced fan-out: see subscribed-read.ts).
 *
 * - a blocked batch (a record failed after processBatch's retries, poison policy "block"): the
 *   checkpoint of what was done is written, the failure is logged with the record's identity, and the
 *   shard is read again from the checkpoint after a growing backoff;
 * - ExpiredIteratorException: a fresh iterator from the checkpoint; before the first checkpoint of a
 *   shard started at LATEST, AT_TIMESTAMP the time the first LATEST iterator was taken (less
 *   {@link LATEST_REPLAY_MARGIN_MS}), which is also written as a start marker checkpoint so that a
 *   restart does the same: a new LATEST iterator would skip what was written in between;
 * - throttling, network errors, 5xx: retried with backoff (see callWithRetries);
 * - the checkpoint store failing for a while (unavailable or throttled lease table, disk or network
 *   errors): the same store call is retried with backoff (see checkpointCall): the get at start until
 *   `stopSignal` aborts, the put after a batch until `processSignal` aborts; the batch is not handled
 *   again (should the process die meanwhile, it is delivered again from the last checkpoint);
 * - LEASE_LOST from the store (the shard moved to another worker): this reader ends with `'lost'`,
 *   writes no further checkpoint, and the others go on;
 * - no NextShardIterator: the shard is closed and fully read: `coordinator.markFinished`;
 * - `stopSignal` aborted: no new fetch; the batch in hand is finished and checkpointed;
 * - `processSignal` aborted (lease lost, or stop timeout): processBatch starts no new record.
 *
 * Fatal errors (AccessDenied, not found, KMS; a checkpoint going backwards or a corrupt checkpoint
 * store, as a ShardCheckpointError naming the shard and the store) reject `run()`.
 *
 * This class runs the states; the work of each is in: polled-read.ts (GetShardIterator, GetRecords,
 * pacing, scheduler turns), subscribed-read.ts (enhanced fan-out: a subscription's events as pages,
 * their checkpoint writes left in flight: write-behind.ts), page-delivery.ts (what every page goes
 * through: delivery, checkpoint, the read position), shard-checkpoints.ts (the checkpoint store
 * calls), shard-events.ts (the events, and the one a thrown error stands for).
 * @internal
 */
export class ShardReader {
  readonly shardId: string;
  /** When the last GetShardIterator was sent, or the last subscription opened (the moment a LATEST iterator stands for). */
  #latestAskedAt: number | undefined;
  /** Where the reader stands (see shard-state.ts). */
  #state: ShardState = INITIAL_SHARD_STATE;
  /** The shard's checkpoint store calls (retried), and the one failing now. */
  readonly #checkpoints: ShardCheckpoints;
  /** A page's way from its read to its checkpoint, and the read position it moves. */
  readonly #delivery: PageDelivery;
  /** Where the pages come from: GetShardIterator / GetRecords, or enhanced fan-out (SubscribeToShard). */
  readonly #source: PolledRead | SubscribedRead;

  constructor(private readonly options: ShardReaderOptions) {
    this.shardId = options.shardId;
    this.#checkpoints = new ShardCheckpoints(options);
    this.#delivery = new PageDelivery(options, this.#checkpoints);
    const { subscription, streamArn, shardId, region, principal } = options;
    this.#source =
      subscription === undefined
        ? new PolledRead(options)
        : new SubscribedRead(subscription, { streamArn, shardId, region, principal }, this.#checkpoints);
  }

  status(): ReaderStatus {
    const { lastPollAt, millisBehindLatest, position } = this.#delivery;
    const failure = this.#checkpoints.failure;
    return {
      shardId: this.shardId,
      ...(lastPollAt ? { lastPollAt } : {}),
      ...(millisBehindLatest === undefined ? {} : { millisBehindLatest }),
      position: describePosition(position),
      state: this.#state.kind,
      ...(failure ? { checkpointFailure: { ...failure, store: this.#checkpoints.store } } : {}),
    };
  }

  /**
   * Reads the shard until it ends: runs the action of the current state, and moves to the state
   * that what happened leads to ({@link nextShardState}). Resolves with the end state.
   */
  async run(stopSignal: AbortSignal, processSignal: AbortSignal): Promise<ReaderEnd> {
    const log = this.options.logger.child({ shardId: this.shardId });
    let state = this.#state;
    const source = this.#source;
    // A subscribed shard takes no turns of the scheduler: it sends no GetRecords.
    if (source instanceof PolledRead) source.join();
    try {
      while (!isReaderEnd(state)) {
        const event = await this.#step(state, stopSignal, processSignal, log);
        state = this.#enter(state, event, log);
      }
    } finally {
      if (source instanceof PolledRead) source.leave();
      else await source.end();
    }
    return state.kind;
  }

  /**
   * The action of `state`: what it does, and the event it ends with. A thrown error that is an event
   * of this state (a stop, a lost lease, an expired iterator, a shard gone) becomes that event; any
   * other rejects `run()`.
   */
  async #step(
    state: ShardState,
    stopSignal: AbortSignal,
    processSignal: AbortSignal,
    log: Logger,
  ): Promise<ShardEvent> {
    const source = this.#source;
    try {
      switch (state.kind) {
        case 'initializing':
          return await this.#initialize(stopSignal, log);
        case 'seeking':
          return (
            this.#ended(stopSignal) ??
            (source instanceof PolledRead
              ? await this.#seek(source, stopSignal, log)
              : await this.#subscribe(source, stopSignal, log))
          );
        case 'processing':
          return (
            this.#ended(stopSignal) ??
            (source instanceof PolledRead
              ? await this.#process(source, state.iterator, stopSignal, processSignal, log)
              : await this.#processEvent(source, stopSignal, processSignal, log))
          );
        case 'idle': {
          // Counted from the start of the empty read: a far region's latency does not add to it.
          const since = source instanceof PolledRead ? source.sinceLastRead() : Number.POSITIVE_INFINITY;
          await sleep(idlePause(this.options.idleTimeBetweenReadsMs ?? 1_000, since), stopSignal);
          return WAITED;
        }
        case 'blocked':
          return await this.#pause(state.attempt, stopSignal, log);
        case 'shard-end':
          await this.#checkpoints.finish(stopSignal, log);
          log.info('shard finished (closed and read to its end)');
          return FINISH_RECORDED;
        default:
          throw new Error(`shard reader of ${this.shardId}: no action in state ${state.kind}`);
      }
    } catch (error) {
      const event = eventOfError(error);
      if (event === undefined || nextShardState(state, event) === undefined) throw error;
      explainEvent(event, error, log, this.#delivery.position, this.#checkpoints.store);
      return event;
    }
  }

  /** Moves to the state `event` leads to from `state`, and shows it (status, debug log). */
  #enter(state: ShardState, event: ShardEvent, log: Logger): ShardState {
    const next = nextShardState(state, event);
    if (next === undefined) {
      throw new Error(`shard reader of ${this.shardId}: event ${event.type} cannot happen in state ${state.kind}`);
    }
    if (next.kind !== state.kind) log.debug({ state: next.kind, from: state.kind, event: event.type }, 'shard state');
    this.#state = next;
    return next;
  }

  /** Before a read: the stop asked for, or the lease lost, when one is. */
  #ended(stopSignal: AbortSignal): ShardEvent | undefined {
    if (stopSignal.aborted) return STOP_REQUESTED;
    if (!this.options.coordinator.owns(this.shardId)) return LEASE_LOST;
    return undefined;
  }

  /** `initializing`: reads the checkpoint and sets where reading starts. */
  async #initialize(stopSignal: AbortSignal, log: Logger): Promise<ShardEvent> {
    const checkpoint = fromLegacyForm(await this.#checkpoints.get(stopSignal, log));
    if (checkpoint?.kind === 'SHARD_END') {
      // Read to its end in an earlier run (the shard-end checkpoint of LocalCoordinator).
      return SHARD_ENDED;
    }
    if (checkpoint) {
      // A position at a record, or where to start (a start marker: AT_TIMESTAMP its time).
      this.#delivery.position = positionOf(checkpoint);
    } else if (this.options.initialPosition) {
      // With LATEST this reads the checkpoints of the shard's ancestors.
      const initial = this.options.initialPosition;
      this.#delivery.position = {
        kind: 'start',
        startingPosition: await this.#checkpoints.call('get', () => initial(), stopSignal, log),
      };
    }
    log.info({ position: describePosition(this.#delivery.position) }, 'shard reader started');
    return CHECKPOINT_READ;
  }

  /** `seeking`: an iterator at the read position. */
  async #seek(polled: PolledRead, stopSignal: AbortSignal, log: Logger): Promise<ShardEvent> {
    this.#latestAskedAt = Date.now();
    const iterator = await polled.iterator(this.#delivery.position, stopSignal);
    if ((await this.#rememberLatest(log)) === 'lost') return LEASE_LOST;
    return { type: 'iterator-taken', iterator };
  }

  /** `processing`: one GetRecords page, paced, delivered and checkpointed. */
  async #process(
    polled: PolledRead,
    iterator: string,
    stopSignal: AbortSignal,
    processSignal: AbortSignal,
    log: Logger,
  ): Promise<ShardEvent> {
    await polled.pace(stopSignal);
    if (stopSignal.aborted) return STOP_REQUESTED;
    // A place in the memory budget (maxBufferedBytes) for the page, held until its records are settled.
    const budget = this.options.budget;
    const hold = this.#delivery.held(await budget?.reserve(polled.nextPageMemory(budget), stopSignal));
    try {
      let read = await polled.read(iterator, hold, stopSignal);
      const { count, bytes, millisBehindLatest: behind, nextIterator } = polled;
      this.#delivery.pageRead(count, bytes, behind);
      if (read !== undefined) {
        // The records are let go as soon as they are handled (not through the checkpoint write).
        const page = read;
        read = undefined;
        const stop = await this.#delivery.deliver(page, bytes, processSignal, log);
        if (stop !== undefined) return stop;
      }
      if (!nextIterator) return SHARD_ENDED;
      return { type: 'page-read', nextIterator, delivered: count > 0, atTip: count === 0 && !(behind && behind > 0) };
    } finally {
      hold?.release();
    }
  }

  /**
   * `seeking` of a subscribed shard: a subscription from the read position (the checkpoint), closing
   * the one open before (after a blocked batch: the shard is read again from its checkpoint).
   */
  async #subscribe(subscribed: SubscribedRead, stopSignal: AbortSignal, log: Logger): Promise<ShardEvent> {
    this.#latestAskedAt = Date.now();
    subscribed.open(this.#delivery.position, stopSignal);
    log.debug({ position: describePosition(this.#delivery.position) }, 'subscribing to the shard (enhanced fan-out)');
    if ((await this.#rememberLatest(log)) === 'lost') return LEASE_LOST;
    return { type: 'iterator-taken', iterator: describePosition(this.#delivery.position) };
  }

  /**
   * `processing` of a subscribed shard: the next SubscribeToShard event, its records held in the
   * memory budget, delivered and checkpointed like a GetRecords page, except that the checkpoint
   * write is left in flight while the next events are read (see WriteBehind). The subscription is
   * closed when the batch is blocked or the lease lost (a new one starts from the checkpoint).
   */
  async #processEvent(
    subscribed: SubscribedRead,
    stopSignal: AbortSignal,
    processSignal: AbortSignal,
    log: Logger,
  ): Promise<ShardEvent> {
    const writes = subscribed.writes;
    // A write that failed (LEASE_LOST, a fatal store error) stops the shard as an awaited one would.
    if (writes.failed) await writes.done();
    const event = await this.#handleEvent(subscribed, stopSignal, processSignal, log);
    // Leaving `processing` (blocked, lease lost, shard end, stop): the last page's checkpoint is durable first.
    if (event.type !== 'page-read') await writes.done();
    return event;
  }

  /** One event of {@link #processEvent}; its checkpoint write may still be in flight when it returns. */
  async #handleEvent(
    subscribed: SubscribedRead,
    stopSignal: AbortSignal,
    processSignal: AbortSignal,
    log: Logger,
  ): Promise<ShardEvent> {
    const page = await subscribed.next();
    if (page === undefined) return stopSignal.aborted ? STOP_REQUESTED : await subscribed.ended();
    const read = page.records;
    const count = read === undefined ? 0 : read.records.length;
    const bytes = read === undefined ? 0 : payloadBytes(read.records);
    const delivery = this.#delivery;
    delivery.pageRead(count, bytes, page.millisBehindLatest);
    if (read !== undefined) {
      // The event is in hand already: its true size is held until its records are settled.
      const hold = delivery.held(await this.options.budget?.reserve(pageMemory(bytes), stopSignal));
      try {
        const stop = await delivery.deliver(read, bytes, processSignal, log, subscribed.writes);
        if (stop !== undefined) {
          subscribed.close();
          return stop;
        }
      } finally {
        hold?.release();
      }
    }
    if (page.continuation === undefined) return SHARD_ENDED;
    if (read === undefined) {
      // A heartbeat: everything before it is settled, so its continuation is checkpointed when it moved (coalesced).
      const checkpoint = subscribed.heartbeatCheckpoint(delivery.position, page.continuation);
      if (checkpoint !== undefined) {
        await subscribed.writes.putNow(checkpoint, processSignal, log);
        delivery.position = advance(delivery.position, checkpoint);
      }
    }
    // Events are pushed: no pause at the tip (an empty event is a heartbeat, about every 5 s).
    return { type: 'page-read', nextIterator: page.continuation, delivered: count > 0, atTip: false };
  }

  /** `blocked`: the growing pause before the shard is read again from its checkpoint. */
  async #pause(attempt: number, stopSignal: AbortSignal, log: Logger): Promise<ShardEvent> {
    const delay = backoffDelay(attempt, this.options.failureBackoff ?? { minMs: 1_000, maxMs: 30_000 });
    log.info({ delayMs: delay, attempt }, 'shard blocked: reading again from the checkpoint after a pause');
    await sleep(delay, stopSignal);
    return WAITED;
  }

  /**
   * After the first LATEST iterator of a shard without a checkpoint: from now on (expiry, restart) the
   * shard is read AT_TIMESTAMP the time that iterator was asked for, less a margin; a start marker
   * checkpoint keeps that time for a restart or another worker.
   */
  async #rememberLatest(log: Logger): Promise<'ok' | 'lost'> {
    const delivery = this.#delivery;
    if (delivery.position.kind !== 'start' || delivery.position.startingPosition !== 'LATEST') return 'ok';
    const since = new Date((this.#latestAskedAt ?? Date.now()) - LATEST_REPLAY_MARGIN_MS);
    delivery.position = { kind: 'start', startingPosition: { timestamp: since } };
    if ((await this.#checkpoints.startMarker(since, log)) === 'lost') return 'lost';
    log.debug({ readingSince: since.toISOString() }, 'LATEST iterator taken; start time kept for a fresh iterator');
    return 'ok';
  }
}
