import type { _Record, GetRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { type Checkpoint, kinesisRecords } from '@streamshare/core';
import {
  type BackoffOptions,
  backoffDelay,
  compareCheckpoints,
  describeRecord,
  describeThrown,
  type KinesisRecords,
  payloadBytes,
  sleep,
} from '@streamshare/core/internal';
import type { Logger } from 'pino';
import { AbortedError, callWithRetries, type RetryingCallOptions } from '../calls/call-with-retries.js';
import { fromLegacyForm } from '../coordination/legacy-checkpoints.js';
import type { ShardCoordinator } from '../coordination/shard-coordinator.js';
import { startMarker } from '../coordination/start-marker.js';
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '../deps/commonjs.cjs';
import { isLeaseLost } from '../errors/checkpoint-failure.js';
import { errorFields } from '../errors/error-fields.js';
import { KinesisCallError, StreamNotFoundError } from '../errors/poller-error.js';
import type { PollerObserver, PollerOptions, StartingPosition } from '../poller/options.js';
import { type BudgetHold, type MemoryBudget, pageMemory } from '../scheduling/memory-budget.js';
import type { RequestScheduler, Turn, TurnPriority } from '../scheduling/request-scheduler.js';
import { sliceResponse } from '../scheduling/response-slice.js';
import { CHECKPOINT_BACKOFF, type CheckpointCallFailure, checkpointCall } from './checkpoint-calls.js';
import type { Delivery } from './delivery.js';
import { KINESIS_READ_LIMITS, Pacer } from './pacer.js';
import {
  advance,
  describePosition,
  iteratorRequest,
  positionOf,
  type ReadPosition,
  retryPosition,
} from './position.js';
import {
  INITIAL_SHARD_STATE,
  isReaderEnd,
  nextShardState,
  type ReaderEnd,
  type ShardEvent,
  type ShardState,
  type ShardStateKind,
} from './shard-state.js';
import { SubscribedPages, type SubscriptionSettings } from './subscribed-pages.js';

export type { ReaderEnd } from './shard-state.js';

const CHECKPOINT_READ: ShardEvent = { type: 'checkpoint-read' };
const BATCH_BLOCKED: ShardEvent = { type: 'batch-blocked' };
const WAITED: ShardEvent = { type: 'waited' };
const SHARD_ENDED: ShardEvent = { type: 'shard-ended' };
const FINISH_RECORDED: ShardEvent = { type: 'finish-recorded' };
const STOP_REQUESTED: ShardEvent = { type: 'stop-requested' };
const LEASE_LOST: ShardEvent = { type: 'lease-lost' };
const ITERATOR_EXPIRED: ShardEvent = { type: 'iterator-expired' };

/**
 * The event a thrown error stands for, if any: a stop (AbortedError), a lost lease (LEASE_LOST), an
 * expired iterator, a shard that no longer exists. Whether it is an event of the state it was thrown
 * in is for {@link nextShardState} to say. Pure.
 */
function eventOfError(error: unknown): ShardEvent | undefined {
  if (error instanceof AbortedError) return STOP_REQUESTED;
  if (isLeaseLost(error)) return LEASE_LOST;
  if (error instanceof KinesisCallError && error.code === 'ITERATOR_EXPIRED') return ITERATOR_EXPIRED;
  if (error instanceof StreamNotFoundError && /shard/i.test(describeThrown(error.cause))) return SHARD_ENDED;
  return undefined;
}

/**
 * Options of {@link ShardReader}: the poller's read settings (GetRecords Limit, the wait at the tip, the
 * read limits, the backoff of a blocked shard; defaults as there) and the shard's own.
 * @internal
 */
export interface ShardReaderOptions
  extends Pick<PollerOptions, 'maxRecordsPerCall' | 'idleTimeBetweenReadsMs' | 'readLimits' | 'failureBackoff'> {
  readonly client: KinesisClient;
  readonly streamArn: string;
  readonly region: string;
  readonly shardId: string;
  readonly coordinator: ShardCoordinator;
  readonly delivery: Delivery;
  /** The configured starting position, for a shard without a checkpoint. */
  readonly startingPosition: StartingPosition;
  /**
   * Where this shard starts when it has no checkpoint, when it depends on its lineage (with LATEST, the
   * child of a consumed shard starts at TRIM_HORIZON); default `startingPosition`.
   */
  readonly initialPosition?: (() => Promise<StartingPosition>) | undefined;
  /** Backoff between attempts of a failing checkpoint store call (default 250 ms .. 10 s). */
  readonly checkpointBackoff?: BackoffOptions | undefined;
  readonly principal?: string | undefined;
  readonly logger: Logger;
  readonly observer?: PollerObserver | undefined;
  /** The poller's scheduler of Kinesis requests: each GetRecords and GetShardIterator waits for a turn. */
  readonly scheduler?: RequestScheduler | undefined;
  /** The poller's memory budget (maxBufferedBytes): a page's bytes are held from before its read until settled. */
  readonly budget?: MemoryBudget | undefined;
  /**
   * Where the pages come from: GetShardIterator / GetRecords (undefined, the default), or enhanced
   * fan-out, SubscribeToShard with these settings (no GetRecords pacing, no scheduler turns; a
   * page's bytes are held in the memory budget from its arrival until settled).
   */
  readonly subscription?: SubscriptionSettings | undefined;
}

/**
 * A shard reader's live numbers, for `status()`.
 * @internal
 */
export interface ReaderStatus {
  readonly shardId: string;
  readonly lastPollAt?: Date;
  readonly millisBehindLatest?: number;
  readonly position: string;
  /** The reader's state (see shard-state.ts): `initializing`, `seeking`, `processing`, `idle`, `blocked`, `shard-end`. */
  readonly state: ShardStateKind;
  /** Set while a checkpoint store call of this shard keeps failing (retried), cleared once it succeeds. */
  readonly checkpointFailure?: CheckpointCallFailure & { readonly store: string };
}

/**
 * Enhanced fan-out: how many settled pages may wait for the checkpoint write in flight before the
 * reader waits for it (so a crash re-delivers at most this many pages and the one being written).
 */
export const PIPELINED_PAGES = 4;

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
 * `stopped`; {@link nextShardState} holds the transitions. One batch in hand at a time: the next page is fetched only after the current one is
 * processed and checkpointed, so memory stays bounded whatever the backlog (no prefetch).
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
 * @internal
 */
export class ShardReader {
  readonly shardId: string;
  #position: ReadPosition;
  #lastPollAt: Date | undefined;
  #millisBehindLatest: number | undefined;
  readonly #pacer: Pacer;
  /** When the last GetShardIterator was sent (the moment a LATEST iterator stands for). */
  #latestAskedAt: number | undefined;
  /** The checkpoint store call failing now, if one is. */
  #checkpointFailure: CheckpointCallFailure | undefined;
  /** Where the reader stands (see shard-state.ts). */
  #state: ShardState = INITIAL_SHARD_STATE;
  /** Whether the last page was empty: the next read's turn is an idle one (see RequestScheduler). */
  #lastReadEmpty = false;
  /** Memory of the last non-empty page (see pageMemory): the estimate of the next one for the memory budget. */
  #lastPageMemory: number | undefined;
  /** Enhanced fan-out: the shard's subscription (undefined: the shard is read with GetRecords). */
  readonly #subscription: SubscribedPages | undefined;
  /**
   * Enhanced fan-out: the checkpoint write in flight, if any, while the next pages are read and
   * handled (one at most per shard). It writes, once its own is durable, the newest checkpoint of
   * the pages settled meanwhile ({@link #nextCheckpoint}: one write covers them all). It is awaited
   * when {@link PIPELINED_PAGES} pages wait for it, and before the shard leaves `processing`. A
   * crash re-delivers at most the pages since the last durable write.
   */
  #checkpointWrite: Promise<void> | undefined;
  /** The newest checkpoint settled while {@link #checkpointWrite} was in flight: written by it next. */
  #nextCheckpoint: Checkpoint | undefined;
  /** How many settled pages {@link #nextCheckpoint} stands for. */
  #pagesWaiting = 0;
  /** Whether {@link #checkpointWrite} failed (its error is thrown where it is awaited). */
  #writeFailed = false;

  constructor(private readonly options: ShardReaderOptions) {
    this.shardId = options.shardId;
    this.#position = { kind: 'start', startingPosition: options.startingPosition };
    this.#pacer = new Pacer(options.readLimits ?? KINESIS_READ_LIMITS);
    const { subscription, streamArn, shardId, region, principal } = options;
    this.#subscription =
      subscription === undefined
        ? undefined
        : new SubscribedPages(subscription, { streamArn, shardId, region, principal });
  }

  status(): ReaderStatus {
    return {
      shardId: this.shardId,
      ...(this.#lastPollAt ? { lastPollAt: this.#lastPollAt } : {}),
      ...(this.#millisBehindLatest === undefined ? {} : { millisBehindLatest: this.#millisBehindLatest }),
      position: describePosition(this.#position),
      state: this.#state.kind,
      ...(this.#checkpointFailure ? { checkpointFailure: { ...this.#checkpointFailure, store: this.#store } } : {}),
    };
  }

  /**
   * Reads the shard until it ends: runs the action of the current state, and moves to the state
   * that what happened leads to ({@link nextShardState}). Resolves with the end state.
   */
  async run(stopSignal: AbortSignal, processSignal: AbortSignal): Promise<ReaderEnd> {
    const log = this.options.logger.child({ shardId: this.shardId });
    let state = this.#state;
    // A subscribed shard takes no turns of the scheduler: it sends no GetRecords.
    const scheduler = this.#subscription === undefined ? this.options.scheduler : undefined;
    scheduler?.join();
    try {
      while (!isReaderEnd(state)) {
        const event = await this.#step(state, stopSignal, processSignal, log);
        state = this.#enter(state, event, log);
      }
    } finally {
      scheduler?.leave();
      this.#subscription?.close();
      // A write in flight when the reader ended abruptly (a fatal error): let it finish, its error is moot.
      await this.#checkpointWrite?.catch(() => {});
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
    try {
      switch (state.kind) {
        case 'initializing':
          return await this.#initialize(stopSignal, log);
        case 'seeking':
          return (
            this.#ended(stopSignal) ??
            (this.#subscription === undefined
              ? await this.#seek(stopSignal, log)
              : await this.#subscribe(this.#subscription, stopSignal, log))
          );
        case 'processing':
          return (
            this.#ended(stopSignal) ??
            (this.#subscription === undefined
              ? await this.#process(state.iterator, stopSignal, processSignal, log)
              : await this.#processEvent(this.#subscription, stopSignal, processSignal, log))
          );
        case 'idle':
          // Counted from the start of the empty read: a far region's latency does not add to it.
          await sleep(idlePause(this.options.idleTimeBetweenReadsMs ?? 1_000, this.#pacer.sinceLastCall()), stopSignal);
          return WAITED;
        case 'blocked':
          return await this.#pause(state.attempt, stopSignal, log);
        case 'shard-end':
          await this.#finish(stopSignal, log);
          log.info('shard finished (closed and read to its end)');
          return FINISH_RECORDED;
        default:
          throw new Error(`shard reader of ${this.shardId}: no action in state ${state.kind}`);
      }
    } catch (error) {
      const event = eventOfError(error);
      if (event === undefined || nextShardState(state, event) === undefined) throw error;
      this.#explain(event, error, log);
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

  /** Logs why a thrown error became `event`. */
  #explain(event: ShardEvent, error: unknown, log: Logger): void {
    switch (event.type) {
      case 'iterator-expired':
        log.info({ position: describePosition(this.#position) }, 'shard iterator expired: getting a fresh one');
        return;
      case 'shard-ended':
        // The shard itself is gone (trimmed after the retention period): nothing left to read.
        log.warn({ err: errorFields(error).message }, 'shard no longer exists: treating it as finished');
        return;
      case 'lease-lost':
        log.warn(
          { err: errorFields(error).message, store: this.#store },
          'lease lost: the shard is left to its new owner; this reader stops and writes no further checkpoint',
        );
        return;
      default:
        return;
    }
  }

  /** `initializing`: reads the checkpoint and sets where reading starts. */
  async #initialize(stopSignal: AbortSignal, log: Logger): Promise<ShardEvent> {
    const { coordinator, streamArn, shardId } = this.options;
    const checkpoint = fromLegacyForm(
      await this.#checkpointCall('get', () => coordinator.checkpoints.get(streamArn, shardId), stopSignal, log),
    );
    if (checkpoint?.kind === 'SHARD_END') {
      // Read to its end in an earlier run (the shard-end checkpoint of LocalCoordinator).
      return SHARD_ENDED;
    }
    if (checkpoint) {
      // A position at a record, or where to start (a start marker: AT_TIMESTAMP its time).
      this.#position = positionOf(checkpoint);
    } else if (this.options.initialPosition) {
      // With LATEST this reads the checkpoints of the shard's ancestors.
      const initial = this.options.initialPosition;
      this.#position = {
        kind: 'start',
        startingPosition: await this.#checkpointCall('get', () => initial(), stopSignal, log),
      };
    }
    log.info({ position: describePosition(this.#position) }, 'shard reader started');
    return CHECKPOINT_READ;
  }

  /** `seeking`: an iterator at the read position. */
  async #seek(stopSignal: AbortSignal, log: Logger): Promise<ShardEvent> {
    const iterator = await this.#getIterator(stopSignal);
    if ((await this.#rememberLatest(log)) === 'lost') return LEASE_LOST;
    return { type: 'iterator-taken', iterator };
  }

  /** `processing`: one GetRecords page, paced, delivered and checkpointed. */
  async #process(
    iterator: string,
    stopSignal: AbortSignal,
    processSignal: AbortSignal,
    log: Logger,
  ): Promise<ShardEvent> {
    const { coordinator, streamArn, shardId } = this.options;
    await sleep(this.#pacer.delay(), stopSignal);
    if (stopSignal.aborted) return STOP_REQUESTED;
    // A place in the memory budget (maxBufferedBytes) for the page, held until its records are settled.
    const hold = await this.#reserveBuffer(stopSignal);
    try {
      this.#pacer.started();
      // Only what is needed after the delivery is kept from the page: its records are let go as
      // soon as they are handled (not through the checkpoint write).
      let page: GetRecordsCommandOutput | undefined = await this.#getRecords(iterator, stopSignal);
      const { NextShardIterator: nextIterator, MillisBehindLatest: behind } = page;
      let records: readonly _Record[] | undefined = page.Records ?? [];
      page = undefined;
      const count = records.length;
      this.#lastReadEmpty = count === 0;
      // The page as a record source: core reads (and expands) each record at its turn.
      let read: KinesisRecords | undefined = count > 0 ? kinesisRecords(records, { streamArn, shardId }) : undefined;
      const bytes = count > 0 ? payloadBytes(records) : 0;
      records = undefined;
      this.#pacer.returned(bytes);
      const memory = pageMemory(bytes);
      hold?.resize(memory);
      if (bytes > 0) this.#lastPageMemory = memory;
      this.#lastPollAt = new Date();
      this.#millisBehindLatest = behind;
      this.options.observer?.onGetRecords?.(shardId, count, bytes, behind);

      if (read !== undefined) {
        if (!coordinator.owns(shardId)) return LEASE_LOST;
        const page = read;
        read = undefined;
        const ok = await this.#deliver(page, bytes, processSignal, log);
        if (ok === 'lost') return LEASE_LOST;
        if (ok === 'blocked') return BATCH_BLOCKED;
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
  async #subscribe(pages: SubscribedPages, stopSignal: AbortSignal, log: Logger): Promise<ShardEvent> {
    this.#latestAskedAt = Date.now();
    pages.open(this.#position, stopSignal);
    log.debug({ position: describePosition(this.#position) }, 'subscribing to the shard (enhanced fan-out)');
    if ((await this.#rememberLatest(log)) === 'lost') return LEASE_LOST;
    return { type: 'iterator-taken', iterator: describePosition(this.#position) };
  }

  /**
   * `processing` of a subscribed shard: the next SubscribeToShard event, its records held in the
   * memory budget, delivered and checkpointed like a GetRecords page, except that the checkpoint
   * write is left in flight while the next events are read (see {@link #writeBehind}). The subscription is closed
   * when the batch is blocked or the lease lost (a new one starts from the checkpoint).
   */
  async #processEvent(
    pages: SubscribedPages,
    stopSignal: AbortSignal,
    processSignal: AbortSignal,
    log: Logger,
  ): Promise<ShardEvent> {
    // A write that failed (LEASE_LOST, a fatal store error) stops the shard as an awaited one would.
    if (this.#writeFailed) await this.#writeDone();
    const event = await this.#handleEvent(pages, stopSignal, processSignal, log);
    // Leaving `processing` (blocked, lease lost, shard end, stop): the last page's checkpoint is durable first.
    if (event.type !== 'page-read') await this.#writeDone();
    return event;
  }

  /** One event of {@link #processEvent}; its checkpoint write may still be in flight when it returns. */
  async #handleEvent(
    pages: SubscribedPages,
    stopSignal: AbortSignal,
    processSignal: AbortSignal,
    log: Logger,
  ): Promise<ShardEvent> {
    const { coordinator, shardId } = this.options;
    const page = await pages.next();
    if (page === undefined) {
      if (stopSignal.aborted) return STOP_REQUESTED;
      // Closed by a checkpoint write that failed (see #writeBehind): its error.
      if (this.#writeFailed) await this.#writeDone();
      throw new Error(`shard reader of ${shardId}: its subscription ended without the shard's end`);
    }
    const read = page.records;
    const count = read === undefined ? 0 : read.records.length;
    const bytes = read === undefined ? 0 : payloadBytes(read.records);
    const behind = page.millisBehindLatest;
    this.#lastPollAt = new Date();
    this.#millisBehindLatest = behind;
    this.options.observer?.onGetRecords?.(shardId, count, bytes, behind);
    if (read !== undefined) {
      // The event is in hand already: its true size is held until its records are settled.
      const hold = await this.options.budget?.reserve(pageMemory(bytes), stopSignal);
      if (hold !== undefined && hold.waitedMs > 0) this.options.observer?.onBufferWait?.(shardId, hold.waitedMs);
      try {
        if (!coordinator.owns(shardId)) {
          pages.close();
          return LEASE_LOST;
        }
        const ok = await this.#deliver(read, bytes, processSignal, log, true);
        if (ok !== 'ok') {
          pages.close();
          return ok === 'lost' ? LEASE_LOST : BATCH_BLOCKED;
        }
      } finally {
        hold?.release();
      }
    }
    if (page.continuation === undefined) return SHARD_ENDED;
    if (read === undefined) {
      // A heartbeat: everything before it is settled, so its continuation is checkpointed when it moved (coalesced).
      const checkpoint = pages.heartbeatCheckpoint(this.#position, page.continuation);
      if (checkpoint !== undefined) {
        const { streamArn } = this.options;
        await this.#writeDone();
        await this.#checkpointCall(
          'put',
          () => coordinator.checkpoints.put(streamArn, shardId, checkpoint),
          processSignal,
          log,
        );
        this.#position = advance(this.#position, checkpoint);
      }
    }
    // Events are pushed: no pause at the tip (an empty event is a heartbeat, about every 5 s).
    return { type: 'page-read', nextIterator: page.continuation, delivered: count > 0, atTip: false };
  }

  /**
   * Waits for room in the poller's memory budget for the next page (estimated from the last one; a
   * read after an empty page reserves nothing) and reports a wait to the observer.
   */
  async #reserveBuffer(stopSignal: AbortSignal): Promise<BudgetHold | undefined> {
    const budget = this.options.budget;
    if (budget === undefined) return undefined;
    const hold = await budget.reserve(this.#lastReadEmpty ? 0 : budget.estimate(this.#lastPageMemory), stopSignal);
    if (hold.waitedMs > 0) this.options.observer?.onBufferWait?.(this.shardId, hold.waitedMs);
    return hold;
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
    if (this.#position.kind !== 'start' || this.#position.startingPosition !== 'LATEST') return 'ok';
    const since = new Date((this.#latestAskedAt ?? Date.now()) - LATEST_REPLAY_MARGIN_MS);
    this.#position = { kind: 'start', startingPosition: { timestamp: since } };
    const { coordinator, streamArn, shardId } = this.options;
    try {
      await coordinator.checkpoints.put(streamArn, shardId, startMarker(since));
    } catch (error) {
      if (isLeaseLost(error)) {
        log.warn({ err: errorFields(error).message }, 'lease lost before the first batch');
        return 'lost';
      }
      // Kept in memory all the same: only a restart before the first checkpoint would start at LATEST again.
      log.warn({ err: errorFields(error) }, 'could not write the start marker checkpoint');
    }
    log.debug({ readingSince: since.toISOString() }, 'LATEST iterator taken; start time kept for a fresh iterator');
    return 'ok';
  }

  /**
   * Delivers one page; writes the checkpoint; says whether the shard goes on, is blocked or lost.
   * `pipelined` (enhanced fan-out): the write of a page that went through whole is left in flight
   * (see {@link #checkpointWrite}) once the previous one is done; a blocked page's is awaited.
   */
  async #deliver(
    page: KinesisRecords,
    bytes: number,
    processSignal: AbortSignal,
    log: Logger,
    pipelined = false,
  ): Promise<'ok' | 'blocked' | 'lost'> {
    const { streamArn, shardId, coordinator } = this.options;
    const firstSequence = firstSequenceOf(page);
    const resumeFrom = this.#position.kind === 'checkpoint' ? this.#position.checkpoint : undefined;
    const delivered = this.options.delivery({ shardId, records: page, resumeFrom }, processSignal);
    const { result } = await delivered;
    this.options.observer?.onBatch?.(shardId, result, bytes);
    const done = result.checkpoint;
    if (done && (resumeFrom === undefined || compareCheckpoints(done, resumeFrom) !== 0)) {
      // Tried at least once even when the batch was abandoned (what was done is checkpointed); retried
      // until it succeeds or the batch in hand is abandoned. LEASE_LOST ends the reader (see run()).
      // Pipelined: one write in flight at most; its errors (LEASE_LOST, a fatal store error) are
      // thrown where it is awaited, before the shard leaves `processing` or when pages wait for it.
      if (pipelined && !result.failed) await this.#writeBehind(done, processSignal, log);
      else {
        await this.#writeDone();
        await this.#checkpointCall(
          'put',
          () => coordinator.checkpoints.put(streamArn, shardId, done),
          processSignal,
          log,
        );
      }
    }
    this.#position = advance(this.#position, result.checkpoint);
    if (!result.failed) return 'ok';
    this.#position = retryPosition(this.#position, firstSequence);
    const { record, error, reason } = result.failed;
    const err = errorFields(error);
    log.warn(
      {
        record: describeRecord(record),
        sequenceNumber: record.sequenceNumber,
        subSequenceNumber: record.subSequenceNumber,
        partitionKey: record.partitionKey,
        reason,
        err: { message: err.message, code: err.code },
      },
      `shard blocked at ${describeRecord(record)}: ${err.message}`,
    );
    return 'blocked';
  }

  /**
   * Writes a settled page's checkpoint behind the reading: at once when no write is in flight (not
   * awaited), else by the write in flight once its own is durable (it replaces an older one waiting:
   * one write covers the pages settled meanwhile). Waits for the write when {@link PIPELINED_PAGES}
   * pages wait for it (bounded re-delivery after a crash).
   */
  async #writeBehind(checkpoint: Checkpoint, signal: AbortSignal, log: Logger): Promise<void> {
    if (this.#checkpointWrite !== undefined) {
      this.#nextCheckpoint = checkpoint;
      // A write that failed is awaited at once: its error (LEASE_LOST...) stops the shard as before.
      if (++this.#pagesWaiting >= PIPELINED_PAGES || this.#writeFailed) await this.#writeDone();
      return;
    }
    const { coordinator, streamArn, shardId } = this.options;
    const write = (async () => {
      let next: Checkpoint | undefined = checkpoint;
      while (next !== undefined) {
        const writing = next;
        this.#nextCheckpoint = undefined;
        this.#pagesWaiting = 0;
        await this.#checkpointCall('put', () => coordinator.checkpoints.put(streamArn, shardId, writing), signal, log);
        next = this.#nextCheckpoint;
      }
    })();
    write.catch(() => {
      this.#writeFailed = true;
      // Wakes the reader up if it waits for the next event: the shard stops without waiting for one.
      this.#subscription?.close();
    });
    this.#checkpointWrite = write;
  }

  /** Waits for the checkpoint writes in flight, if any (throws their error: LEASE_LOST, a fatal store error). */
  async #writeDone(): Promise<void> {
    const write = this.#checkpointWrite;
    if (write === undefined) return;
    try {
      await write;
    } finally {
      this.#checkpointWrite = undefined;
      this.#nextCheckpoint = undefined;
      this.#pagesWaiting = 0;
      this.#writeFailed = false;
    }
  }

  /** Where the checkpoints are kept, for logs and messages. */
  get #store(): string {
    return this.options.coordinator.storeDescription ?? 'checkpoint store';
  }

  /** A checkpoint store call, retried while it fails transiently and `signal` is not aborted (see checkpointCall). */
  #checkpointCall<T>(
    operation: 'get' | 'put' | 'finish',
    call: () => Promise<T>,
    signal: AbortSignal,
    log: Logger,
  ): Promise<T> {
    const { coordinator, streamArn, shardId, observer } = this.options;
    return checkpointCall(operation, call, {
      streamArn,
      shardId,
      store: this.#store,
      signal,
      logger: log,
      backoff: this.options.checkpointBackoff ?? CHECKPOINT_BACKOFF,
      owns: () => coordinator.owns(shardId),
      onRetry: (action, error) => observer?.onRetry?.(shardId, action, error),
      onFailing: (failure) => {
        this.#checkpointFailure = failure;
      },
    });
  }

  /** Records that the shard was read to its end (retried like a checkpoint write while not stopping). */
  #finish(stopSignal: AbortSignal, log: Logger): Promise<void> {
    return this.#checkpointCall('finish', () => this.options.coordinator.markFinished(this.shardId), stopSignal, log);
  }

  async #getIterator(signal: AbortSignal): Promise<string> {
    this.#latestAskedAt = Date.now();
    const request = iteratorRequest(this.options.streamArn, this.shardId, this.#position);
    const output = await callWithRetries(
      (abortSignal) =>
        this.#inTurn((turn) => {
          const command = new GetShardIteratorCommand(request);
          if (turn !== undefined) sliceResponse(command.middlewareStack, turn, this.options.scheduler?.slices);
          return this.options.client.send(command, { abortSignal });
        }, abortSignal),
      this.#retrying('GetShardIterator', signal),
    );
    if (!output.ShardIterator) {
      throw new KinesisCallError('KINESIS_CALL_FAILED', `GetShardIterator returned no iterator for ${this.shardId}`, {
        action: 'kinesis:GetShardIterator',
        retryable: false,
      });
    }
    return output.ShardIterator;
  }

  #getRecords(iterator: string, signal: AbortSignal): Promise<GetRecordsCommandOutput> {
    const limit = this.options.maxRecordsPerCall ?? 10_000;
    return callWithRetries(
      (abortSignal) =>
        this.#inTurn(
          (turn) => {
            const command = new GetRecordsCommand({
              StreamARN: this.options.streamArn,
              ShardIterator: iterator,
              Limit: limit,
            });
            if (turn !== undefined) sliceResponse(command.middlewareStack, turn, this.options.scheduler?.slices);
            return this.options.client.send(command, { abortSignal });
          },
          abortSignal,
          this.#lastReadEmpty ? 'idle' : 'busy',
        ),
      this.#retrying('GetRecords', signal),
    );
  }

  /**
   * Sends a Kinesis request once the scheduler gives it a turn: it waits there, not in the HTTP
   * agent's queue (where the SDK's connection timeout would run). `send` adds sliceResponse to its
   * command: the turn ends when the response is in, which is then parsed (and its page handled) in a
   * slice of the event loop.
   */
  #inTurn<T>(
    send: (turn: Turn | undefined) => Promise<T>,
    signal: AbortSignal | undefined,
    priority: TurnPriority = 'busy',
  ): Promise<T> {
    const scheduler = this.options.scheduler;
    return scheduler === undefined ? send(undefined) : scheduler.run(send, signal, priority);
  }

  #retrying(action: string, signal: AbortSignal): RetryingCallOptions {
    const { streamArn, region, principal, logger, observer, shardId } = this.options;
    return {
      context: { action, streamArn, region, principal },
      signal,
      logger: logger.child({ shardId }),
      onThrottle: (name) => observer?.onThrottle?.(shardId, name),
      onRetry: (name, error) => observer?.onRetry?.(shardId, name, error),
    };
  }
}

/**
 * The pause of a shard at its tip before its next read: `idleMs` from the start of its last (empty)
 * read, so that each idle shard is read once per `idleMs` whatever the latency (with 100 ms to the
 * endpoint, 1 s between reads, not 1.1 s). Pure.
 * @internal
 */
export function idlePause(idleMs: number, sinceLastReadMs: number): number {
  if (!(sinceLastReadMs >= 0)) return idleMs;
  return Math.max(0, idleMs - sinceLastReadMs);
}

/** The sequence number of a page's first record ('0' when it is malformed). */
function firstSequenceOf(page: KinesisRecords): string | undefined {
  if (page.records.length === 0) return undefined;
  const first = page.records[0] as _Record | null | undefined;
  return typeof first?.SequenceNumber === 'string' ? first.SequenceNumber : '0';
}
