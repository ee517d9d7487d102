import {
  type BatchInput,
  type BatchResult,
  type Codec,
  type CodecNameFor,
  createLogger,
  type DeadLetterHandler,
  type Handler,
  type LambdaRecords,
  type ProcessBatchOptions,
  processBatch,
  type RecordDataFor,
  type RecordEvent,
  type RetryOptions,
  resolveCodec,
} from '@streamshare/core';
import type { Logger } from 'pino';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { type BatchOrigin, logBatch, summarizeBatch } from '../logging/batch-summary.js';
import { DEFAULT_DEADLINE_MARGIN_MS, deadlineOf, type RemainingTime } from './deadline.js';
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
}

/** The part of a Lambda context the adapters use. */
export interface InvocationContext extends RemainingTime {
  readonly awsRequestId?: string;
}

/** Checks the options shared by every adapter and resolves the codec once. */
export function resolveAdapterOptions<T, N extends CodecNameFor<T>>(
  options: AdapterOptions<T, N>,
  loggerName: string,
): ResolvedOptions<RecordDataFor<T, N>> {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object', options);
  const deadlineMarginMs = nonNegative('deadlineMarginMs', options.deadlineMarginMs, DEFAULT_DEADLINE_MARGIN_MS);
  const deaggregate = booleanOption('deaggregate', options.deaggregate, true);
  if (options.deadLetter !== undefined && typeof options.deadLetter !== 'function') {
    throw new InvalidOptionError('deadLetter', 'a function (record, error) => Promise<void>', options.deadLetter);
  }
  const logger = options.logger ?? createLogger({ name: loggerName });
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
  return { batch, logger, deadlineMarginMs };
}

/** Checks that `handler` is a record handler (a function) or a batch handler (`batchHandler(...)`). */
export function checkHandler(handler: unknown, option = 'handler'): void {
  if (typeof handler === 'function') return;
  if (typeof handler === 'object' && handler !== null && (handler as { kind?: unknown }).kind === 'batch') return;
  throw new InvalidOptionError(
    option,
    'a record handler (record, context) => void | Promise<void>, or a batch handler made with batchHandler()',
    handler,
  );
}

/** What one run of processBatch gave, and what its log line needs. */
export interface BatchRun {
  readonly result: BatchResult;
  /** The invocation's child logger (handlers got it as `context.logger`). */
  readonly logger: Logger;
  readonly awsRequestId: string | undefined;
}

/** Runs one batch through core's processBatch with the invocation's deadline and a child logger. */
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
  const deadline = deadlineOf(context, settings.deadlineMarginMs, Date.now());
  const result = await processBatch(inputs, handler, {
    ...settings.batch,
    logger,
    ...(deadline === undefined ? {} : { deadline }),
  });
  return { result, logger, awsRequestId };
}

/** Writes the one log line of a batch. */
export function logRun(
  settings: { readonly logger: Logger },
  origin: Omit<BatchOrigin, 'awsRequestId'>,
  run: Omit<BatchRun, 'logger'>,
): void {
  logBatch(settings.logger, summarizeBatch({ ...origin, awsRequestId: run.awsRequestId }, run.result, Date.now()));
}
