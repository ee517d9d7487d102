import {
  type BatchResult,
  type FailedRecord,
  type Handler,
  type ProcessBatchOptions,
  processBatch,
  type StreamRecord,
} from '@streamshare/core';
import { type BatchRecords, describeThrown, type RecordSource, recordSource } from '@streamshare/core/internal';
import type { Logger } from 'pino';
import { UnexpectedFailureError } from '../errors/unexpected-failure-error.js';
import { UnfinishedRecordError } from '../errors/unfinished-record-error.js';
import { Progress } from './progress.js';

/** How a guarded batch ended. */
export type BatchEnd =
  /** processBatch answered: its result. */
  | 'done'
  /** The answer time came first: the first record not done was still being worked on. */
  | 'unfinished'
  /** processBatch rejected: the first record not known to be done is reported. */
  | 'crashed';

/** What {@link guardedBatch} needs beside the records and the handler. */
export interface GuardOptions<T> {
  /** processBatch's options, the logger and the deadline (no record starts after it) included. */
  readonly batch: ProcessBatchOptions<T>;
  /** Epoch ms by which to answer whatever happens, or undefined for no such time. */
  readonly answerBy: number | undefined;
  /** The margin `answerBy` keeps before Lambda's timeout, for messages. */
  readonly responseMarginMs: number;
  readonly logger: Logger;
}

/** A batch result, and how it was obtained. */
export interface GuardedResult {
  readonly result: BatchResult;
  readonly end: BatchEnd;
}

/**
 * Runs core's processBatch so that it always answers, in time: by `answerBy` at the latest (a
 * handler that never settles), and with a result even when processBatch rejects (a bug, or a thrown
 * value it cannot handle). In both cases the first record not known to be done is reported (see
 * {@link Progress}); the batch is aborted (no record starts any more, the handlers' `signal` is
 * aborted), and the work in flight may still finish later, unobserved. The user's `onBatch` hook is
 * called once, with the result that is answered. Never rejects.
 */
export async function guardedBatch<T>(
  inputs: BatchRecords,
  handler: Handler<T>,
  options: GuardOptions<T>,
): Promise<GuardedResult> {
  const startedAt = performance.now();
  const { batch, answerBy, logger } = options;
  const byKey = typeof handler === 'function' && (batch.concurrency ?? 1) > 1;
  const progress = new Progress<T>(byKey, batch.deaggregate ?? true, batch.logger);
  const abort = new AbortController();
  const userOnBatch = batch.onBatch;
  let answered = false;
  const deadLetter = progress.deadLetter(batch.deadLetter);
  const onRecord = progress.onRecord(batch.onRecord);

  let timer: ReturnType<typeof setTimeout> | undefined;
  const ended = await new Promise<{ end: BatchEnd; result?: BatchResult; error?: unknown }>((resolve) => {
    let running: Promise<BatchResult>;
    try {
      running = processBatch(inputs, progress.handler(handler), {
        ...batch,
        signal: abort.signal,
        ...(deadLetter === undefined ? {} : { deadLetter }),
        ...(onRecord === undefined ? {} : { onRecord }),
        ...(userOnBatch === undefined
          ? {}
          : {
              onBatch: (result: BatchResult) => {
                if (!answered) userOnBatch(result);
              },
            }),
      });
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (result) => resolve({ end: 'done', result }),
      (error: unknown) => resolve({ end: 'crashed', error }),
    );
    if (answerBy !== undefined) {
      // Not unref'd: with a handler that never settles, this timer is what ends the invocation.
      timer = setTimeout(() => resolve({ end: 'unfinished' }), Math.max(0, answerBy - Date.now()));
    }
  });
  if (timer !== undefined) clearTimeout(timer);
  answered = true;
  const source = ended.end === 'done' ? undefined : safely(() => recordSource(inputs), undefined);
  const record = source === undefined ? undefined : firstNotDone(progress, source);
  progress.answered = true;
  if (ended.end === 'done' && ended.result !== undefined) return { result: ended.result, end: 'done' };

  // processBatch has not answered (or cannot): stop it, and report what is known.
  const now = Date.now();
  const error =
    record === undefined
      ? undefined
      : ended.end === 'unfinished'
        ? new UnfinishedRecordError(record, options.responseMarginMs, now)
        : new UnexpectedFailureError(record, ended.error);
  abort.abort(error ?? new Error('the batch was abandoned'));
  if (ended.end === 'crashed') {
    logger.error(
      { code: 'UNEXPECTED_FAILURE', error: describeThrown(ended.error) },
      'processBatch failed unexpectedly; the batch is answered from what is known to be done',
    );
  }
  const result = partialResult(source, record, error, ended.end, performance.now() - startedAt);
  if (userOnBatch !== undefined) {
    try {
      userOnBatch(result);
    } catch (hookError) {
      logger.warn({ error: describeThrown(hookError) }, 'onBatch hook threw; ignored');
    }
  }
  return { result, end: ended.end };
}

/** The first record not known to be done; when even that cannot be told, the first record. */
function firstNotDone<T>(progress: Progress<T>, source: RecordSource): StreamRecord<unknown> | undefined {
  return safely(() => progress.firstNotDone(source), source.length === 0 ? undefined : source.identityAt(0));
}

/** The result answered for a batch processBatch did not finish: every record before `record` done. */
function partialResult(
  source: RecordSource | undefined,
  record: StreamRecord<unknown> | undefined,
  error: unknown,
  end: BatchEnd,
  durationMs: number,
): BatchResult {
  const total = source?.length ?? 0;
  if (record === undefined) {
    return { checkpoint: undefined, failed: undefined, total, succeeded: total, deadLettered: 0, durationMs };
  }
  const failed: FailedRecord = {
    record,
    error,
    reason: end === 'unfinished' ? 'deadline' : 'handler',
    attempts: 0,
  };
  // The records of the event before the one reported (KPL user records count as their aggregate).
  const before = source === undefined ? 0 : safely(() => indexOf(source, record.sequenceNumber), 0);
  return { checkpoint: undefined, failed, total, succeeded: before, deadLettered: 0, durationMs };
}

/** The position of the first record with this sequence number, or 0. */
function indexOf(source: RecordSource, sequenceNumber: string): number {
  for (let i = 0; i < source.length; i++) {
    if (source.identityAt(i).sequenceNumber === sequenceNumber) return i;
  }
  return 0;
}

function safely<R>(fn: () => R, fallback: R): R {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
