import { checkDecodeLimits } from '../codec/limits.js';
import { resolveCodec } from '../codec/resolve-codec.js';
import { silentLogger } from '../logging/logger.js';
import { isBatchHandler } from './batch-handler.js';
import { walkBatch } from './batch-walk.js';
import { type Items, layOut, layOutKinesis, layOutLambda } from './items.js';
import { asKinesisRecords, fromKinesisRecords, mayHoldAggregates } from './kinesis-records.js';
import { asLambdaRecords } from './lambda-records.js';
import { logSafely } from './log.js';
import { walkByKey, walkInOrder } from './record-walk.js';
import { resultOf } from './result.js';
import { retryPolicy } from './retry.js';
import type { BatchInput, BatchResult, Handler, KinesisRecords, LambdaRecords, ProcessBatchOptions } from './types.js';
import { Walker } from './walker.js';

const MAX_TIMER_MS = 2_147_483_647;

/**
 * Walks a batch of one shard's records, in sequence order, through `handler`, keeping the
 * checkpoint invariant: the result's `checkpoint` is the last record such that it and every record
 * before it are done (handled or dead-lettered), and `failed` is the first record that is not.
 *
 * Per input, at its turn: a rejected input fails to decode; a KPL aggregate is expanded (a corrupt
 * one fails whole); the payload is decoded with the codec (default `auto`); the handler runs, with
 * retries in place for retryable errors; after the retries, the poison policy blocks (default)
 * or dead-letters the record and goes on. Never rejects because of a record: every failure is in
 * the result, whatever a callback throws (any value becomes a readable `HandlerError` or
 * `DecodeError`), and decoding is bounded per record by `decodeLimits`.
 *
 * @param inputs one shard's records in sequence order (raw bytes, possibly KPL aggregates) or rejected
 *   inputs; or the records of a Lambda Kinesis event wrapped by `lambdaRecords`, or of a GetRecords
 *   page wrapped by `kinesisRecords`, read at their turn
 * @param handler a per-record handler `(record, context) => void | Promise<void>`, or a `batchHandler(...)`
 */
export async function processBatch<T = unknown>(
  inputs: readonly BatchInput[] | LambdaRecords | KinesisRecords,
  handler: Handler<T>,
  options: ProcessBatchOptions<T> = {},
): Promise<BatchResult> {
  const startedAt = performance.now();
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`processBatch: concurrency must be an integer >= 1, got ${String(options.concurrency)}`);
  }
  if (options.deadline !== undefined && !Number.isFinite(options.deadline)) {
    throw new RangeError(`processBatch: deadline must be epoch milliseconds, got ${String(options.deadline)}`);
  }
  const batch = isBatchHandler(handler);
  if (!batch && typeof handler !== 'function') {
    throw new TypeError('processBatch: handler must be a function (record, context) or a batchHandler(...)');
  }
  const policy = retryPolicy(options.retry);
  const codec = resolveCodec<T>(options.codec);
  const limits = checkDecodeLimits(options.decodeLimits, 'processBatch: decodeLimits');
  const logger = options.logger ?? silentLogger;

  // One signal for handlers and retries: aborted by the caller's signal or at the deadline.
  const controller = new AbortController();
  const external = options.signal;
  const externalAbort = { aborted: false };
  const onAbort = () => {
    externalAbort.aborted = true;
    controller.abort(external?.reason);
  };
  if (external?.aborted) onAbort();
  else external?.addEventListener('abort', onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (options.deadline !== undefined && !controller.signal.aborted) {
    const deadline = options.deadline;
    const wait = deadline - Date.now();
    const expire = () => controller.abort(new Error(`batch deadline ${new Date(deadline).toISOString()} passed`));
    if (wait <= 0) expire();
    else if (wait <= MAX_TIMER_MS) {
      timer = setTimeout(expire, wait);
      timer.unref?.();
    }
  }

  const expand = options.deaggregate ?? true;
  // With concurrency, an unreadable Lambda record must be known up front (a barrier): read them all now.
  const lambda = asLambdaRecords(inputs);
  const page = lambda === undefined ? asKinesisRecords(inputs) : undefined;
  let items: Items;
  if (lambda !== undefined) items = layOutLambda(lambda, expand, !batch && concurrency > 1);
  else if (page === undefined) items = layOut(inputs as readonly BatchInput[], expand);
  // A page read at each record's turn, unless the walk needs every record up front (partition keys
  // for concurrency, a batch handler, aggregates to expand).
  else if (!batch && concurrency === 1 && !(expand && mayHoldAggregates(page.records))) items = layOutKinesis(page);
  else items = layOut(fromKinesisRecords(page.records, page), expand);
  const walker = new Walker<T>(items, {
    codec,
    limits,
    policy,
    deadLetter: options.deadLetter,
    deadline: options.deadline,
    external,
    externalAbort,
    signal: controller.signal,
    logger,
    onRecord: options.onRecord,
  });
  try {
    if (walker.items.records.length > 0) {
      if (batch) await walkBatch(walker, handler);
      else if (concurrency === 1) await walkInOrder(walker, handler);
      else await walkByKey(walker, handler, concurrency);
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    external?.removeEventListener('abort', onAbort);
  }
  const result = resultOf(walker, startedAt);
  walker.retire();
  if (result.failed !== undefined) {
    const { record, reason, error } = result.failed;
    logSafely(
      logger,
      'warn',
      {
        err: error,
        reason,
        shardId: record.shardId,
        sequenceNumber: record.sequenceNumber,
        subSequenceNumber: record.subSequenceNumber,
        checkpoint: result.checkpoint,
      },
      'batch stopped at a record that is not done',
    );
  }
  if (options.onBatch !== undefined) {
    try {
      options.onBatch(result);
    } catch (error) {
      logSafely(logger, 'warn', { err: error }, 'onBatch hook threw; ignored');
    }
  }
  return result;
}
