import { type CodecNameFor, type Handler, KINESIS_LAMBDA_HANDLER, type RecordDataFor } from '@streamshare/core';
import { describeThrown } from '@streamshare/core/internal';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { BatchFailedError } from '../errors/batch-failed-error.js';
import { InvalidEventError } from '../errors/invalid-event-error.js';
import { KINESIS_EVENT_EXPECTED, readKinesisEvent } from '../event/read-kinesis-event.js';
import { checkReportable } from '../event/reportable.js';
import { scanKinesisEvent } from '../event/scan-kinesis-event.js';
import {
  type AdapterOptions,
  handlerSettings,
  logRun,
  type ResolvedOptions,
  runBatch,
} from '../options/adapter-options.js';
import { booleanOption } from '../options/validate.js';
import { toBatchResponse } from './response.js';

/** Options of {@link kinesisHandler}; `T` and `N` as in {@link AdapterOptions}. */
export interface KinesisHandlerOptions<T = unknown, N extends CodecNameFor<T> = CodecNameFor<T>>
  extends AdapterOptions<T, N> {
  /**
   * Return Lambda's partial batch response (default true). Needs `FunctionResponseTypes:
   * ["ReportBatchItemFailures"]` on the event source mapping. When false (a trigger without it),
   * a batch with a record not done throws a {@link BatchFailedError} instead, so that Lambda
   * retries the whole batch.
   */
  readonly reportBatchItemFailures?: boolean;
}

/**
 * The Lambda handler made by {@link kinesisHandler}: takes a Kinesis event and a Lambda context,
 * resolves to the partial batch response. It carries core's `KINESIS_LAMBDA_HANDLER` marker, so
 * that @streamshare/poller can run it in a container with Lambda-format events.
 */
export type KinesisLambdaHandler = ((
  event: KinesisStreamEvent,
  context?: Context,
) => Promise<KinesisStreamBatchResponse>) & {
  readonly [KINESIS_LAMBDA_HANDLER]: true;
};

/** Adds core's marker to a Lambda handler function. */
export function markKinesisHandler<F extends (...args: never[]) => unknown>(
  fn: F,
): F & { readonly [KINESIS_LAMBDA_HANDLER]: true } {
  Object.defineProperty(fn, KINESIS_LAMBDA_HANDLER, { value: true, enumerable: false });
  return fn as F & { readonly [KINESIS_LAMBDA_HANDLER]: true };
}

/**
 * Makes a Lambda handler for a Kinesis trigger (the function of the consumer account that reads
 * a shared stream). For each invocation it:
 *
 * 1. recognises the event by its first record (an SQS, EventBridge or other event is an
 *    {@link InvalidEventError} that says what arrived); every record is checked at its turn, and
 *    one that is malformed, of another shard, or whose data is not base64 fails as that record only;
 * 2. runs core's `processBatch`: KPL aggregates expanded, payloads decoded with `codec`, the handler
 *    called in sequence order (per partition key with `concurrency`), retries, dead letters, and a
 *    deadline `deadlineMarginMs` before Lambda's timeout (no record starts after it);
 * 3. answers by `responseMarginMs` before Lambda's timeout whatever happens: a record still
 *    unfinished then (a handler that never settles) is reported as the first record not done
 *    (`RECORD_UNFINISHED`), and the batch is aborted; any value a handler throws fails its record;
 * 4. writes one log line (stream, shard, owner account, reading role, count, failures, lag);
 * 5. resolves to `{ batchItemFailures: [] }`, or to the sequence number of the first record not
 *    done, so that Lambda checkpoints before it and retries from it. A first record not done
 *    without a valid sequence number (a malformed record of a hand-made event) cannot be named:
 *    the handler throws an {@link InvalidEventError} then, and Lambda retries the whole batch.
 *
 * The records' data type `T` is inferred from the `codec` (a `schema(...)` codec gives its output
 * type, a name what that codec produces: `string` for `'text'`, `unknown` for `'auto'`) or from an
 * annotated handler, or given: `kinesisHandler<Order>(handler, { codec: 'json' })`.
 *
 * @typeParam T - The record data type the handler gets (`unknown` when nothing says more).
 * @typeParam N - The codec name given, inferred (what it produces types the data when `T` is not given).
 * @param handler A record handler `(record, context) => void | Promise<void>` or a batch handler
 *   (`batchHandler` of @streamshare/core).
 * @throws InvalidOptionError (when called) for a bad option.
 * @example
 * ```ts
 * import { kinesisHandler } from '@streamshare/lambda-adapter';
 * export const handler = kinesisHandler(async (record, { logger }) => {
 *   logger.info({ data: record.data }, 'got a record');
 * });
 * ```
 */
export function kinesisHandler<T = unknown, N extends CodecNameFor<T> = CodecNameFor<T>>(
  handler: Handler<RecordDataFor<T, N>>,
  options: KinesisHandlerOptions<T, N> = {},
): KinesisLambdaHandler {
  const settings = handlerSettings(handler, options);
  const report = booleanOption('reportBatchItemFailures', options.reportBatchItemFailures, true);
  return markKinesisHandler(async (event: KinesisStreamEvent, context?: Context) => {
    const result = await handleKinesisEvent(event, handler, settings, context);
    if (result.failed !== undefined && !report) {
      throw new BatchFailedError(
        result.failed,
        'throwing so that Lambda retries the whole batch (reportBatchItemFailures is false)',
      );
    }
    if (result.failed !== undefined)
      logInvalid(settings, () => checkReportable(result.failed!, event, KINESIS_EVENT_EXPECTED));
    return toBatchResponse(result);
  });
}

async function handleKinesisEvent<T>(
  event: unknown,
  handler: Handler<T>,
  settings: ResolvedOptions<T>,
  context: Context | undefined,
) {
  const batch = logInvalid(settings, () => scanKinesisEvent(event));
  const run = await runBatch(batch.inputs, handler, settings, context, batch.shardId);
  logRun(settings, { transport: 'kinesis', ...origin(batch), eventRecords: batch.count }, run);
  return run.result;
}

/** Reads the event; an invalid one is logged (without payloads) before it is thrown. */
export function readEventOrLog(
  event: unknown,
  settings: { readonly logger: ResolvedOptions<unknown>['logger'] },
  expected?: string,
) {
  return logInvalid(settings, () => readKinesisEvent(event, expected), expected);
}

/**
 * Runs `read`; an InvalidEventError it throws is logged (without payloads) before it is thrown. Any
 * other thrown value (an event that cannot even be read: a getter that throws) becomes an
 * InvalidEventError too: the handler never rejects with a raw TypeError.
 */
export function logInvalid<R>(
  settings: { readonly logger: ResolvedOptions<unknown>['logger'] },
  read: () => R,
  expected: string = KINESIS_EVENT_EXPECTED,
): R {
  try {
    return read();
  } catch (thrown) {
    const error = isInvalidEvent(thrown)
      ? thrown
      : new InvalidEventError('an event that cannot be read', expected, {
          cause: thrown,
          detail: describeThrown(thrown),
        });
    settings.logger.error({ code: error.code, received: error.received }, error.message);
    throw error;
  }
}

/** `instanceof InvalidEventError`, false for a value that cannot be asked (a Proxy whose traps throw). */
function isInvalidEvent(value: unknown): value is InvalidEventError {
  try {
    return value instanceof InvalidEventError;
  } catch {
    return false;
  }
}

/** The origin fields of a read event, for the log line. */
export function origin(batch: Omit<ReturnType<typeof readKinesisEvent>, 'inputs'>) {
  return {
    streamArn: batch.streamArn,
    shardId: batch.shardId,
    invokeIdentityArn: batch.invokeIdentityArn,
    awsRegion: batch.awsRegion,
    lastArrival: batch.lastArrival,
  };
}
