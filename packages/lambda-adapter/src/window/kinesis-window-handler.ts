import type { BatchResult, CodecNameFor, FailedRecord, RecordDataFor, StreamRecord } from '@streamshare/core';
import type { Context, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import type { Logger } from 'pino';
import { BatchFailedError } from '../errors/batch-failed-error.js';
import { InvalidEventError } from '../errors/invalid-event-error.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import type { ReducerError } from '../errors/reducer-error.js';
import { describeInput } from '../event/describe-input.js';
import { checkReportable } from '../event/reportable.js';
import { logInvalid, origin, readEventOrLog } from '../kinesis/kinesis-handler.js';
import { toBatchResponse } from '../kinesis/response.js';
import { type AdapterOptions, logRun, resolveAdapterOptions, runBatch } from '../options/adapter-options.js';
import { booleanOption } from '../options/validate.js';
import { type Folded, fold, keepState } from './fold.js';

/** A tumbling window's state: a JSON object (Lambda keeps at most 1 MB per shard). */
export type WindowState = { [key: string]: unknown };

/** What the reducer of {@link kinesisWindowHandler} gets. */
export interface WindowInput<S extends WindowState, T> {
  /**
   * The decoded records of this invocation, in sequence order (KPL user records expanded). When a
   * record does not decode, only the records before it are here; it is reported, and Lambda sends
   * it again in the next invocation.
   */
  readonly records: readonly StreamRecord<T>[];
  /** The state returned by the previous invocation of this window (or `initialState()` at its start). */
  readonly state: S;
  /** The window, ISO timestamps. */
  readonly window: { readonly start: string; readonly end: string };
  /**
   * True on the last invocation of the window: emit the aggregate now. False whenever a record of
   * this invocation was not done (Lambda will invoke again for this window, with the rest).
   */
  readonly isFinalInvokeForWindow: boolean;
  /** True when Lambda ended the window early (state over 1 MB); the next invocation starts fresh. */
  readonly isWindowTerminatedEarly: boolean;
  readonly streamArn: string | undefined;
  readonly shardId: string | undefined;
  /** The invocation's logger. */
  readonly logger: Logger;
}

/**
 * Folds a tumbling window's records into its state: a JSON object (Lambda sends it back). If it
 * throws, the state Lambda sent is returned as it came; a reducer still running at the answer time
 * goes on in the background, and must not count on its result being kept.
 */
export type WindowReducer<S extends WindowState, T> = (input: WindowInput<S, T>) => S | Promise<S>;

/**
 * Options of {@link kinesisWindowHandler}; `T` and `N` as in {@link AdapterOptions}. `concurrency`
 * is ignored: a window is folded in sequence order.
 */
export interface KinesisWindowHandlerOptions<
  S extends WindowState,
  T = unknown,
  N extends CodecNameFor<T> = CodecNameFor<T>,
> extends AdapterOptions<T, N> {
  /** Return `batchItemFailures` (default true); when false, a record not done throws {@link BatchFailedError}. */
  readonly reportBatchItemFailures?: boolean;
  /** The state at the start of a window, when Lambda sends none or `{}` (default: `{}`). */
  readonly initialState?: () => S;
}

/** What the window handler resolves to: Lambda's `TimeWindowEventResponse`. */
export interface WindowResponse<S extends WindowState> {
  readonly state: S;
  readonly batchItemFailures: { itemIdentifier: string }[];
}

/** The Lambda handler made by {@link kinesisWindowHandler}. */
export type KinesisWindowLambdaHandler<S extends WindowState> = (
  event: KinesisStreamTumblingWindowEvent,
  context?: Context,
) => Promise<WindowResponse<S>>;

const EXPECTED =
  'a Kinesis tumbling window event (a Kinesis stream event with window { start, end }, state, isFinalInvokeForWindow, isWindowTerminatedEarly; set TumblingWindowInSeconds on the event source mapping)';

/**
 * Makes a Lambda handler for a Kinesis trigger with tumbling windows (`TumblingWindowInSeconds`).
 *
 * Each invocation: the records are normalized, expanded and decoded by core's processBatch (in
 * sequence order), then the reducer is called once with the decoded records and the window's
 * state, and its result is returned as the new state. Failures follow the checkpoint invariant,
 * with the state always matching exactly the records Lambda counts as done:
 *
 * - a record that does not decode (or is not base64, or a corrupt KPL aggregate): the reducer gets
 *   only the records before it, and that record is reported in `batchItemFailures`; the returned
 *   state covers the records before it;
 * - the reducer throws (any value), returns a state Lambda cannot send back (not a JSON object:
 *   cyclic, a BigInt, `undefined`), or has not settled `responseMarginMs` before Lambda's timeout:
 *   a {@link ReducerError} (`REDUCER_FAILED`, `REDUCER_STATE_INVALID`, `REDUCER_UNFINISHED`); the
 *   first record of the invocation is reported and the state Lambda sent is returned as it came
 *   (even if the reducer changed it in place), so the whole batch is retried on the same state;
 *   with no records (the final invocation) the ReducerError is thrown and Lambda retries the
 *   invocation. The same when the records could not all be walked in time (a dead-letter callback
 *   that never settles: the reducer does not run, `RECORD_UNFINISHED`).
 *
 * The records' data type is inferred from the `codec` as for `kinesisHandler` (`T` given, a
 * `schema(...)` codec, an annotated reducer, else what the codec named `N` produces). Giving `S`
 * alone leaves the data `unknown` (TypeScript infers all type arguments or none): give `T` too, or
 * let `S` be inferred from `initialState`.
 *
 * @typeParam S - The window state.
 * @typeParam T - The record data type the reducer gets (`unknown` when nothing says more).
 * @typeParam N - The codec name given, inferred.
 * @example
 * ```ts
 * export const handler = kinesisWindowHandler<{ count: number }>(({ records, state, isFinalInvokeForWindow }) => {
 *   const count = (state.count ?? 0) + records.length;
 *   if (isFinalInvokeForWindow) console.log('window total', count);
 *   return { count };
 * }, { codec: 'json', initialState: () => ({ count: 0 }) });
 * ```
 */
export function kinesisWindowHandler<
  S extends WindowState = WindowState,
  T = unknown,
  N extends CodecNameFor<T> = CodecNameFor<T>,
>(
  reducer: WindowReducer<S, RecordDataFor<T, N>>,
  options: KinesisWindowHandlerOptions<S, T, N> = {},
): KinesisWindowLambdaHandler<S> {
  if (typeof reducer !== 'function') {
    throw new InvalidOptionError('reducer', 'a function ({ records, state, window, ... }) => newState', reducer);
  }
  const { concurrency: _ignored, ...rest } = options;
  const settings = resolveAdapterOptions<T, N>(rest);
  const report = booleanOption('reportBatchItemFailures', options.reportBatchItemFailures, true);
  if (options.initialState !== undefined && typeof options.initialState !== 'function') {
    throw new InvalidOptionError('initialState', 'a function () => state', options.initialState);
  }
  const initialState = options.initialState ?? (() => ({}) as S);

  return async (event: KinesisStreamTumblingWindowEvent, context?: Context): Promise<WindowResponse<S>> => {
    const window = readWindow(event, settings.logger);
    const batch = readEventOrLog(event, settings, EXPECTED);
    const fresh = isFresh(event.state);
    const sent = keepState<S>(event.state, fresh);

    const records: StreamRecord<RecordDataFor<T, N>>[] = [];
    const collect = (record: StreamRecord<RecordDataFor<T, N>>) => {
      records.push(record);
    };
    const shardId = batch.shardId ?? stringOr(event, 'shardId');
    const streamArn = batch.streamArn ?? stringOr(event, 'eventSourceARN');
    const run = await runBatch(batch.inputs, collect, settings, context, shardId);

    // processBatch did not finish (a dead-letter callback that never settled, ...): the reducer does
    // not run, and nothing of this invocation counts as done.
    const folded: Folded<S> | { readonly unfolded: unknown } =
      run.end !== 'done'
        ? { unfolded: run.result.failed?.error }
        : await fold<S>(
            () =>
              reducer({
                records,
                state: fresh ? initialState() : (event.state as S),
                window,
                isFinalInvokeForWindow: event.isFinalInvokeForWindow === true && run.result.failed === undefined,
                isWindowTerminatedEarly: event.isWindowTerminatedEarly === true,
                streamArn,
                shardId,
                logger: run.logger,
              }),
            { window, records: records.length, answerBy: run.answerBy, responseMarginMs: settings.responseMarginMs },
          );

    let state: S;
    let result: BatchResult = run.result;
    if ('state' in folded) state = folded.state;
    else {
      const error = 'error' in folded ? folded.error : folded.unfolded;
      const first = batch.inputs[0];
      if (first === undefined) {
        if ('error' in folded) run.logger.error({ code: folded.error.code, window }, folded.error.message);
        throw error;
      }
      // Nothing of this invocation counts as done: the first record is reported, the state Lambda sent returned.
      const failed: FailedRecord = {
        record: 'kind' in first ? first.record : first,
        error,
        reason: run.end === 'unfinished' ? 'deadline' : 'handler',
      };
      result = { ...run.result, failed, succeeded: 0, deadLettered: 0, checkpoint: undefined };
      state = sent();
    }

    logRun(
      settings,
      {
        transport: 'kinesis-window',
        ...origin(batch),
        streamArn,
        shardId,
        eventRecords: batch.inputs.length,
        extra: {
          window,
          isFinalInvokeForWindow: event.isFinalInvokeForWindow === true,
          isWindowTerminatedEarly: event.isWindowTerminatedEarly === true,
        },
      },
      { ...run, result },
    );
    if (result.failed !== undefined && !report) {
      throw new BatchFailedError(
        result.failed,
        'throwing so that Lambda retries the whole batch (reportBatchItemFailures is false)',
      );
    }
    if (result.failed !== undefined) {
      logInvalid(settings, () => checkReportable(result.failed!, event, EXPECTED), EXPECTED);
    }
    return { state, batchItemFailures: toBatchResponse(result).batchItemFailures };
  };
}

function readWindow(event: unknown, logger: Logger): { start: string; end: string } {
  const window = (event as { window?: unknown } | null | undefined)?.window as
    | { start?: unknown; end?: unknown }
    | undefined;
  if (
    typeof window === 'object' &&
    window !== null &&
    typeof window.start === 'string' &&
    typeof window.end === 'string'
  ) {
    return { start: window.start, end: window.end };
  }
  const received =
    typeof event === 'object' && event !== null && Array.isArray((event as { Records?: unknown }).Records)
      ? `${describeInput(event)} without a window`
      : describeInput(event);
  const error = new InvalidEventError(received, EXPECTED);
  logger.error({ code: error.code, received }, error.message);
  throw error;
}

function isFresh(state: unknown): boolean {
  return state === undefined || state === null || (typeof state === 'object' && Object.keys(state).length === 0);
}

function stringOr(event: object, key: string): string | undefined {
  const value = (event as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}
