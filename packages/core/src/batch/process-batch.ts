import type { SequenceCheckpoint } from '../checkpoint/checkpoint.js';
import { validateCheckpoint } from '../checkpoint/compare.js';
import { checkDecodeLimits } from '../codec/limits.js';
import { resolveCodec } from '../codec/resolve-codec.js';
import { InvalidInputError } from '../errors/record-errors.js';
import { Units } from '../expand/units.js';
import { KeyWalk } from '../handle/by-key.js';
import { walkInOrder } from '../handle/in-order.js';
import { walkBatch } from '../handle/whole-batch.js';
import { silentLogger } from '../logging/logger.js';
import { resultOf, type WalkEnd } from '../settle/result.js';
import { recordSource } from '../source/open-source.js';
import { keepShapes } from '../speed/keep-shapes.js';
import { isBatchHandler } from './batch-handler.js';
import { batchSignal } from './batch-signal.js';
import { logSafely } from './log.js';
import { retryPolicy } from './retry.js';
import { Run } from './run.js';
import type { BatchInput, BatchResult, Handler, KinesisRecords, LambdaRecords, ProcessBatchOptions } from './types.js';

/**
 * Walks a batch of one shard's records, in sequence order, through `handler`, keeping the
 * checkpoint invariant: the result's `checkpoint` is the last record such that it and every record
 * before it are done (handled or dead-lettered), and `failed` is the first record that is not.
 *
 * Each record, at its turn: read from its source (a record that cannot be read fails to decode); a
 * KPL aggregate expanded (a corrupt one fails whole; with `resumeFrom`, the user records a partly
 * done checkpoint covers are skipped); the payload decoded with the codec (default `auto`); the
 * handler run, with retries in place for retryable errors; after the retries, the poison policy
 * blocks (default) or dead-letters the record and goes on. Never rejects because of a record: every
 * failure is in the result, whatever a callback throws (any value becomes a readable `HandlerError`
 * or `DecodeError`), and decoding is bounded per record by `decodeLimits`.
 *
 * @param records one shard's records in sequence order: an array of records (raw bytes, possibly
 *   KPL aggregates) or rejected inputs; or the records of a Lambda Kinesis event (`lambdaRecords`)
 *   or of a GetRecords page (`kinesisRecords`), read at their turn
 * @param handler a per-record handler `(record, context) => void | Promise<void>`, or a `batchHandler(...)`
 */
export async function processBatch<T = unknown>(
  records: readonly BatchInput[] | LambdaRecords | KinesisRecords,
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
  const resumeFrom = options.resumeFrom === undefined ? undefined : resumePosition(options.resumeFrom);
  const logger = options.logger ?? silentLogger;
  const source = recordSource(records);

  const signal = batchSignal(options.signal, options.deadline);
  const run = new Run<T>({
    codec,
    limits,
    policy,
    deadLetter: options.deadLetter,
    deadline: options.deadline,
    external: options.signal,
    externalAbort: signal.externalAbort,
    signal: signal.signal,
    logger,
    onRecord: options.onRecord,
  });
  // Bytes of a plain record may be read into a scratch buffer when the codec keeps nothing of them
  // and the walk decodes each unit as soon as it is read.
  const sequential = batch || concurrency === 1;
  const units = new Units(source, options.deaggregate ?? true, resumeFrom, run.plan.transient && sequential);
  let end: WalkEnd;
  try {
    if (batch) end = await walkBatch(run, units, handler);
    else if (concurrency === 1) end = await walkInOrder(run, units, handler);
    else {
      const walk = new KeyWalk(run, units, handler, concurrency);
      walk.walk();
      end = await walk.end();
    }
  } finally {
    signal.dispose();
  }
  const result = resultOf(run, units, end, startedAt);
  keepShapes(run, units, !batch && concurrency > 1);
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

/** `options.resumeFrom` checked: a position at a record (a sentinel such as SHARD_END is not one). */
function resumePosition(checkpoint: unknown): SequenceCheckpoint {
  const checked = validateCheckpoint(checkpoint, 'processBatch: resumeFrom');
  if (checked.kind !== undefined) {
    throw new InvalidInputError(
      'INVALID_CHECKPOINT',
      `processBatch: resumeFrom must be a position at a record { sequenceNumber, subSequenceNumber, complete }, got the ${checked.kind} checkpoint`,
    );
  }
  return checked;
}
