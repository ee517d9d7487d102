import type { _Record, GetRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { kinesisRecords } from '@streamshare/core';
import { type KinesisRecords, payloadBytes, sleep } from '@streamshare/core/internal';
import { callWithRetries, type RetryingCallOptions } from '../calls/call-with-retries.js';
import { GetRecordsCommand, GetShardIteratorCommand } from '../deps/commonjs.cjs';
import { KinesisCallError } from '../errors/poller-error.js';
import { type BudgetHold, type MemoryBudget, pageMemory } from '../scheduling/memory-budget.js';
import type { Turn, TurnPriority } from '../scheduling/request-scheduler.js';
import { sliceResponse } from '../scheduling/response-slice.js';
import { decodeRecordsResponse } from '../wire/records-response.js';
import { KINESIS_READ_LIMITS, Pacer } from './pacer.js';
import { iteratorRequest, type ReadPosition } from './position.js';
import type { ShardReaderOptions } from './reader-options.js';

/**
 * What {@link PolledRead} needs of the shard reader's options.
 * @internal
 */
export type PolledReadOptions = Pick<
  ShardReaderOptions,
  | 'client'
  | 'streamArn'
  | 'region'
  | 'shardId'
  | 'principal'
  | 'logger'
  | 'observer'
  | 'scheduler'
  | 'maxRecordsPerCall'
  | 'readLimits'
>;

/**
 * How a shard reader reads a shard by polling: GetShardIterator at a read position, then GetRecords
 * pages, each paced within the shard's read limits ({@link Pacer}) and sent in a turn of the poller's
 * request scheduler (its response read whole, then parsed in a slice of the event loop: see
 * sliceResponse). Keeps what the next read needs: the pacer, whether the last page was empty (the
 * next read's turn is then an idle one, and it reserves no memory), the memory of the last non-empty
 * page (the estimate of the next one for the memory budget), and the numbers of the last page read
 * ({@link count}, {@link bytes}, {@link millisBehindLatest}, {@link nextIterator}: fields, so that a
 * page costs no object of its own).
 * @internal
 */
export class PolledRead {
  /** Records of the last page read. */
  count = 0;
  /** Payload bytes of the last page read. */
  bytes = 0;
  /** MillisBehindLatest of the last page read. */
  millisBehindLatest: number | undefined;
  /** NextShardIterator of the last page read: none when the shard is closed and read to its end. */
  nextIterator: string | undefined;
  readonly #pacer: Pacer;
  /** Whether the last page was empty: the next read's turn is an idle one (see RequestScheduler). */
  #lastReadEmpty = false;
  /** Memory of the last non-empty page (see pageMemory): the estimate of the next one for the memory budget. */
  #lastPageMemory: number | undefined;

  constructor(private readonly options: PolledReadOptions) {
    this.#pacer = new Pacer(options.readLimits ?? KINESIS_READ_LIMITS);
  }

  /** Joins the scheduler's shards (their count sizes the requests in flight): while the reader runs. */
  join(): void {
    this.options.scheduler?.join();
  }

  /** Leaves the scheduler's shards, once the reader has ended. */
  leave(): void {
    this.options.scheduler?.leave();
  }

  /** Milliseconds since the last GetRecords started (Infinity before the first): see {@link idlePause}. */
  sinceLastRead(): number {
    return this.#pacer.sinceLastCall();
  }

  /** Waits until the next GetRecords may start within the read limits (or `signal` aborts). */
  pace(signal: AbortSignal): Promise<void> {
    return sleep(this.#pacer.delay(), signal);
  }

  /**
   * The memory to reserve in `budget` for the next page: estimated from the last non-empty one
   * (see MemoryBudget.estimate); nothing after an empty page.
   */
  nextPageMemory(budget: MemoryBudget): number {
    return this.#lastReadEmpty ? 0 : budget.estimate(this.#lastPageMemory);
  }

  /** GetShardIterator at `position` (retried; in a scheduler turn). */
  async iterator(position: ReadPosition, signal: AbortSignal): Promise<string> {
    const { client, scheduler, streamArn, shardId } = this.options;
    const request = iteratorRequest(streamArn, shardId, position);
    const output = await callWithRetries(
      (abortSignal) =>
        this.#inTurn((turn) => {
          const command = new GetShardIteratorCommand(request);
          if (turn !== undefined) sliceResponse(command.middlewareStack, turn, scheduler?.slices);
          return client.send(command, { abortSignal });
        }, abortSignal),
      this.#retrying('GetShardIterator', signal),
    );
    if (!output.ShardIterator) {
      throw new KinesisCallError('KINESIS_CALL_FAILED', `GetShardIterator returned no iterator for ${shardId}`, {
        action: 'kinesis:GetShardIterator',
        retryable: false,
      });
    }
    return output.ShardIterator;
  }

  /**
   * One GetRecords page at `iterator` (call {@link pace} first): its records as a record source
   * (`kinesisRecords`: core reads and expands each record at its turn), undefined for an empty page;
   * its numbers in {@link count}, {@link bytes}, {@link millisBehindLatest} and {@link nextIterator}.
   * `hold`, the page's place in the memory budget, is resized to the page's true memory. Only what
   * is needed after the delivery is kept from the response: its records are let go as soon as they
   * are handled.
   */
  async read(iterator: string, hold: BudgetHold | undefined, signal: AbortSignal): Promise<KinesisRecords | undefined> {
    const { streamArn, shardId } = this.options;
    this.#pacer.started();
    let page: GetRecordsCommandOutput | undefined = await this.#getRecords(iterator, signal);
    this.nextIterator = page.NextShardIterator;
    this.millisBehindLatest = page.MillisBehindLatest;
    let records: readonly _Record[] | undefined = page.Records ?? [];
    page = undefined;
    const count = records.length;
    this.count = count;
    this.#lastReadEmpty = count === 0;
    const read = count > 0 ? kinesisRecords(records, { streamArn, shardId }) : undefined;
    const bytes = count > 0 ? payloadBytes(records) : 0;
    records = undefined;
    this.bytes = bytes;
    this.#pacer.returned(bytes);
    const memory = pageMemory(bytes);
    hold?.resize(memory);
    if (bytes > 0) this.#lastPageMemory = memory;
    return read;
  }

  #getRecords(iterator: string, signal: AbortSignal): Promise<GetRecordsCommandOutput> {
    const { client, scheduler, streamArn } = this.options;
    const limit = this.options.maxRecordsPerCall ?? 10_000;
    return callWithRetries(
      (abortSignal) =>
        this.#inTurn(
          (turn) => {
            const command = new GetRecordsCommand({ StreamARN: streamArn, ShardIterator: iterator, Limit: limit });
            // The page is decoded by the poller, not the SDK (see decodeRecordsResponse); added first, so
            // that it parses the body after sliceResponse read it, within the page's slice.
            decodeRecordsResponse(command.middlewareStack);
            if (turn !== undefined) sliceResponse(command.middlewareStack, turn, scheduler?.slices);
            return client.send(command, { abortSignal });
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
