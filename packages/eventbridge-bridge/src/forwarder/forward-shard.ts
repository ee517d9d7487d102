import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { type BatchContext, DeadlineError, type StreamRecord } from '@streamshare/core';
import { describeThrown, errorFromThrown, readThrownProperty } from '@streamshare/core/internal';
import { buildEntry, type EntrySettings } from '../entry/build-entry.js';
import { putEventsEntrySize } from '../entry/entry-size.js';
import {
  EntryTooLargeError,
  ForwardingAbortedError,
  PutEventsCallError,
  PutEventsEntryError,
  RecordNotForwardableError,
} from '../errors.js';
import type { RetrySchedule } from '../send/backoff.js';
import { putChunk } from '../send/put-chunk.js';

/** A record with its position in the batch the handler was given. */
export interface IndexedRecord<T> {
  readonly record: StreamRecord<T>;
  readonly index: number;
}

/** Where a shard's walk stopped: the batch position of its first record not done, and why. */
export interface ShardStop {
  readonly index: number;
  readonly error: unknown;
}

/** Everything the walk needs, resolved from the options once. */
export interface ForwardSettings<T> {
  readonly entry: EntrySettings<T>;
  readonly filter?: ((record: StreamRecord<T>) => boolean | Promise<boolean>) | undefined;
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly client: EventBridgeClient;
  readonly retry: RetrySchedule;
  /** The bus, for error messages. */
  readonly eventBus: string;
  readonly random?: (() => number) | undefined;
}

interface Packed<T> {
  readonly item: IndexedRecord<T>;
  readonly entry: PutEventsRequestEntry;
  readonly size: number;
}

/**
 * Forwards one shard's records in order: greedy packing into calls of at most `maxEntries` entries
 * and `maxBytes` bytes, one call after another, failed entries re-sent alone. Returns where it
 * stopped (the first record not done), or `undefined` when every record is done (sent, skipped by
 * the filter, or given to the dead-letter handler).
 */
export async function forwardShard<T>(
  items: readonly IndexedRecord<T>[],
  settings: ForwardSettings<T>,
  context: BatchContext,
): Promise<ShardStop | undefined> {
  let chunk: Packed<T>[] = [];
  let chunkBytes = 0;

  const notStarted = (item: IndexedRecord<T>): ShardStop | undefined => {
    if (context.signal.aborted) {
      return { index: item.index, error: new ForwardingAbortedError(item.record, context.signal.reason) };
    }
    if (context.deadline !== undefined && Date.now() >= context.deadline) {
      return { index: item.index, error: new DeadlineError(item.record, context.deadline) };
    }
    return undefined;
  };

  /** Gives up on a record: dead-letter it (then it is done) or stop there. */
  const poison = async (item: IndexedRecord<T>, error: unknown): Promise<ShardStop | undefined> => {
    const deadLetter = context.deadLetter;
    if (!deadLetter) return { index: item.index, error };
    try {
      await deadLetter(item.record as StreamRecord<unknown>, error);
      context.logger.warn({ index: item.index, code: readThrownProperty(error, 'code') }, 'record dead-lettered');
      return undefined;
    } catch (deadLetterError) {
      // The dead-letter handler may throw anything: the batch result carries an Error.
      return { index: item.index, error: errorFromThrown(deadLetterError) };
    }
  };

  const flush = async (): Promise<ShardStop | undefined> => {
    if (chunk.length === 0) return undefined;
    const sending = chunk;
    chunk = [];
    chunkBytes = 0;
    const first = sending[0]!.item;
    const stop = notStarted(first);
    if (stop) return stop;
    context.logger.debug(
      { entries: sending.length, bytes: sending.reduce((n, p) => n + p.size, 0), bus: settings.eventBus },
      'PutEvents',
    );
    let outcomes: Awaited<ReturnType<typeof putChunk>>;
    try {
      outcomes = await putChunk(
        sending.map((p) => p.entry),
        {
          client: settings.client,
          retry: settings.retry,
          logger: context.logger,
          signal: context.signal,
          random: settings.random,
        },
      );
    } catch (abort) {
      return { index: first.index, error: new ForwardingAbortedError(first.record, abort) };
    }
    for (const [k, outcome] of outcomes.entries()) {
      const { item } = sending[k]!;
      if (outcome.kind === 'accepted') continue;
      if (outcome.kind === 'call-failed') {
        const error = new PutEventsCallError(
          item.record,
          settings.eventBus,
          outcome.attempts,
          outcome.error,
          outcome.retryable,
        );
        return { index: item.index, error };
      }
      const error = new PutEventsEntryError(item.record, outcome.errorCode, outcome.errorMessage, outcome.attempts);
      // Transient codes that outlived the retries end the batch: the transport redelivers the record.
      if (error.retryable) return { index: item.index, error };
      const stopped = await poison(item, error);
      if (stopped) return stopped;
    }
    return undefined;
  };

  /** A record that cannot be sent: earlier records are sent first, so the dead letter keeps order. */
  const reject = async (item: IndexedRecord<T>, error: unknown): Promise<ShardStop | undefined> =>
    (await flush()) ?? poison(item, error);

  for (const item of items) {
    const { record } = item;
    if (settings.filter) {
      let keep: boolean;
      try {
        keep = await settings.filter(record);
      } catch (error) {
        const stop = await reject(
          item,
          new RecordNotForwardableError(record, `filter threw: ${describeThrown(error)}`, { cause: error }),
        );
        if (stop) return stop;
        continue;
      }
      if (!keep) continue;
    }
    let entry: PutEventsRequestEntry;
    try {
      entry = buildEntry(record, settings.entry);
    } catch (error) {
      const notForwardable =
        error instanceof RecordNotForwardableError
          ? error
          : new RecordNotForwardableError(record, `its entry could not be built: ${describeThrown(error)}`, {
              cause: error,
            });
      const stop = await reject(item, notForwardable);
      if (stop) return stop;
      continue;
    }
    const size = putEventsEntrySize(entry);
    if (size > settings.maxBytes) {
      const stop = await reject(item, new EntryTooLargeError(record, size, settings.maxBytes));
      if (stop) return stop;
      continue;
    }
    if (chunk.length >= settings.maxEntries || chunkBytes + size > settings.maxBytes) {
      const stop = await flush();
      if (stop) return stop;
    }
    chunk.push({ item, entry, size });
    chunkBytes += size;
  }
  return flush();
}
