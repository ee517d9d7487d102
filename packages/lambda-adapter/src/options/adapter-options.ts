import {
  type BatchResult,
  type Codec,
  type CodecNameFor,
  createLogger,
  type DeadLetterHandler,
  type Handler,
  type ProcessBatchOptions,
  type RecordDataFor,
  type RetryOptions,
} from '@streamshare/core';
import { type BatchInput, type LambdaRecords, type RecordEvent, resolveCodec } from '@streamshare/core/internal';
import type { Logger } from 'pino';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { type BatchOrigin, logBatch, summarizeBatch } from '../logging/batch-summary.js';
import { type BatchEnd, guardedBatch } from '../run/guarded-batch.js';
import { DEFAULT_DEADLINE_MARGIN_MS, DEFAULT_RESPONSE_MARGIN_MS, type RemainingTime, remainingOf } from './deadline.js';
import { booleanOption, nonNegative } from './validate.js';

/**
 * Options every adapter handler takes. They are handed to core's `processBatch`.
 *
 * @typeParam T - The record data type the handler gets (`unknown` when nothing says more).
 * @typeParam N - The codec name given: what it produces types the data when `T` is not given (core's
 *   `RecordDataFor<T, N>`). Both are inferred by the handler factories.
 */
export interface AdapterOptions<T = unknown, N extends CodecNameFor<T> = CodecNameFor<T>> {
  /**
   * How record payloads are decoded: a codec of @streamshare/core (e.g. `schema(zod)`, which types
   * the records' data) or its name, `'auto'` (default: gzip is unpacked, then JSON if it parses, else
   * UTF-8 text, else bytes), `'json'`, `'text'`, `'bytes'`, `'gzip'`, `'cloudwatch-logs'`. A name
   * types the data with what it produces (`'text'` strings, `'bytes'` a Uint8Array,
   * `'cloudwatch-logs'` core's CloudWatchLogsData, the others unknown); a name that cannot give `T`
   * (`'bytes'` for an object type) is a type error.
   */
  readonly codec?: Codec<T> | N;
  /** Expand KPL aggregated records into their user records (default true). */
  readonly deaggregate?: boolean;
  /**
   * Partition keys handled at once (default 1: strict sequence order). Each key stays in order and
   * nothing after a failure in its key starts. Record handlers only.
   */
  readonly concurrency?: number;
  /** Retries of a failing record in place (core's defaults: 3 attempts for retryable errors). */
  readonly retry?: RetryOptions;
  /**
   * Poison policy. Without it a record that still fails after its retries is reported (the batch
   * stops there and Lambda retries from it). With it, the record and its error are handed over and,
   * once the returned promise resolves, the record counts as done and the walk goes on.
   */
  readonly deadLetter?: DeadLetterHandler<RecordDataFor<T, N>>;
  /**
   * Pino logger for the batch line and for handlers (`context.logger`). Default: core's
   * `createLogger`, which writes JSON to stdout (CloudWatch Logs in Lambda) and redacts credentials.
   */
  readonly logger?: Logger;
  /**
   * Time kept between the last record start and Lambda's timeout, in ms (default 1000): no record
   * starts after `now + context.getRemainingTimeInMillis() - deadlineMarginMs`; those left are
   * reported as not done. Set it above the time your slowest record takes.
   */
  readonly deadlineMarginMs?: number;
  /**
   * Time kept between the handler's answer and Lambda's timeout, in ms (default 500). A record still
   * unfinished `responseMarginMs` before the timeout (a handler or dead-letter callback that has not
   * settled) does not make the invocation time out: the handler answers then, with that record as
   * the first one not done (code `RECORD_UNFINISHED`), and the batch is aborted (no record starts
   * any more; handlers see `context.signal` aborted). Its work may still finish later: delivery is
   * at least once. Keep it below `deadlineMarginMs`, and above the time Lambda needs to send the
   * answer.
   */
  readonly responseMarginMs?: number;
  /** Called after each record settles (metrics). A hook that throws is logged and ignored. */
  readonly onRecord?: (event: RecordEvent) => void;
  /** Called once per batch with core's result (metrics). A hook that throws is logged and ignored. */
  readonly onBatch?: (result: BatchResult) => void;
}

/** Adapter options checked once, when the handler is built. */
export interface ResolvedOptions<T> {
  readonly batch: ProcessBatchOptions<T>;
  readonly logger: Logger;
  readonly deadlineMarginMs: number;
  readonly responseMarginMs: number;
}

/** The part of a Lambda context the adapters use. */
export interface InvocationContext extends RemainingTime {
  readonly awsRequestId?: string;
}

/** The name of the default logger of every adapter handler. */
const LOGGER_NAME = '@streamshare/lambda-adapter';

/**
 * What every handler factory does first: checks the record handler (see {@link checkHandler}), then the
 * options (see {@link resolveAdapterOptions}).
 * @throws InvalidOptionError for a handler or an option that is not valid.
 */
export function handlerSettings<T, N extends CodecNameFor<T>>(
  handler: Handler<RecordDataFor<T, N>>,
  options: AdapterOptions<T, N>,
): ResolvedOptions<RecordDataFor<T, N>> {
  checkHandler(handler);
  return resolveAdapterOptions(options);
}

/** Checks the options shared by every adapter and resolves the codec once. */
export function resolveAdapterOptions<T, N extends CodecNameFor<T>>(
  options: AdapterOptions<T, N>,
): ResolvedOptions<RecordDataFor<T, N>> {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object', options);
  const deadlineMarginMs = nonNegative('deadlineMarginMs', options.deadlineMarginMs, DEFAULT_DEADLINE_MARGIN_MS);
  const responseMarginMs = nonNegative('responseMarginMs', options.responseMarginMs, DEFAULT_RESPONSE_MARGIN_MS);
  const deaggregate = booleanOption('deaggregate', options.deaggregate, true);
  optionalFunction('deadLetter', options.deadLetter, 'a function (record, error) => Promise<void>');
  optionalFunction('onRecord', options.onRecord, 'a function (event) => void');
  optionalFunction('onBatch', options.onBatch, 'a function (result) => void');
  const concurrency = options.concurrency;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new InvalidOptionError('concurrency', 'an integer >= 1', concurrency);
  }
  checkRetry(options.retry);
  const logger = options.logger ?? createLogger({ name: LOGGER_NAME });
  const batch: ProcessBatchOptions<RecordDataFor<T, N>> = {
    // A Codec<T> or the codec named N: what it decodes to is RecordDataFor<T, N> (the factories' signatures).
    codec: resolveCodec<unknown>(options.codec) as Codec<RecordDataFor<T, N>>,
    deaggregate,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.deadLetter === undefined ? {} : { deadLetter: options.deadLetter }),
    ...(options.onRecord === undefined ? {} : { onRecord: options.onRecord }),
    ...(options.onBatch === undefined ? {} : { onBatch: options.onBatch }),
  };
  return { batch, logger, deadlineMarginMs, responseMarginMs };
}

/** Checks that an optional option is a function. */
function optionalFunction(option: string, value: unknown, expected: string): void {
  if (value !== undefined && typeof value !== 'function') throw new InvalidOptionError(option, expected, value);
}

/** Checks the retry options as core will read them, so that a bad one fails when the handler is built. */
function checkRetry(retry: unknown): void {
  if (retry === undefined) return;
  if (typeof retry !== 'object' || retry === null) throw new InvalidOptionError('retry', 'an object', retry);
  const r = retry as Record<string, unknown>;
  const minimums: [string, number][] = [
    ['attempts', 1],
    ['minDelayMs', 0],
    ['maxDelayMs', 0],
    ['factor', 1],
  ];
  for (const [name, min] of minimums) {
    const value = r[name];
    if (value !== undefined && (typeof value !== 'number' || Number.isNaN(value) || value < min)) {
      throw new InvalidOptionError(`retry.${name}`, `a number >= ${min}`, value);
    }
  }
  if (r.jitter !== undefined && typeof r.jitter !== 'boolean') {
    throw new InvalidOptionError('retry.jitter', 'true or false', r.jitter);
  }
  optionalFunction('retry.isRetryable', r.isRetryable, 'a function (error) => boolean');
}

/** Checks that `handler` is a record handler (a function) or a batch handler (`batchHandler(...)`). */
export function checkHandler(handler: unknown, option = 'handler'): void {
  if (typeof handler === 'function') return;
  if (
    typeof handler === 'object' &&
    handler !== null &&
    (handler as { kind?: unknown }).kind === 'batch' &&
    typeof (handler as { handle?: unknown }).handle === 'function'
  ) {
    return;
  }
  throw new InvalidOptionError(
    option,
    'a record handler (record, context) => void | Promise<void>, or a batch handler made with batchHandler()',
    handler,
  );
}

/** What one run of processBatch gave, and what its log line needs. */
export interface BatchRun {
  readonly result: BatchResult;
  /**
   * `done` when processBatch answered; `unfinished` when the answer time came first (the record
   * reported was still being worked on); `crashed` when processBatch rejected.
   */
  readonly end: BatchEnd;
  /** The invocation's child logger (handlers got it as `context.logger`). */
  readonly logger: Logger;
  readonly awsRequestId: string | undefined;
  /** Epoch ms by which the handler answers Lambda whatever happens, when the context tells the time left. */
  readonly answerBy: number | undefined;
}

/**
 * Runs one batch through core's processBatch with the invocation's deadline (no record starts
 * after it) and a child logger, guarded (see guardedBatch): it answers by `responseMarginMs`
 * before Lambda's timeout, and never rejects.
 */
export async function runBatch<T>(
  inputs: readonly BatchInput[] | LambdaRecords,
  handler: Handler<T>,
  settings: ResolvedOptions<T>,
  context: InvocationContext | undefined,
  shardId: string | undefined,
): Promise<BatchRun> {
  const awsRequestId = typeof context?.awsRequestId === 'string' ? context.awsRequestId : undefined;
  const logger = settings.logger.child({
    ...(awsRequestId === undefined ? {} : { awsRequestId }),
    ...(shardId === undefined ? {} : { shardId }),
  });
  const now = Date.now();
  const remaining = remainingOf(context);
  const deadline = remaining === undefined ? undefined : now + remaining - settings.deadlineMarginMs;
  const answerBy = remaining === undefined ? undefined : now + remaining - settings.responseMarginMs;
  const { result, end } = await guardedBatch(inputs, handler, {
    batch: { ...settings.batch, logger, ...(deadline === undefined ? {} : { deadline }) },
    answerBy,
    responseMarginMs: settings.responseMarginMs,
    logger,
  });
  return { result, end, logger, awsRequestId, answerBy };
}

/** Writes the one log line of a batch. */
export function logRun(
  settings: { readonly logger: Logger },
  origin: Omit<BatchOrigin, 'awsRequestId'>,
  run: Pick<BatchRun, 'result' | 'awsRequestId'>,
): void {
  try {
    logBatch(settings.logger, summarizeBatch({ ...origin, awsRequestId: run.awsRequestId }, run.result, Date.now()));
  } catch {
    // A logger that throws must not cost the batch its answer.
  }
}
