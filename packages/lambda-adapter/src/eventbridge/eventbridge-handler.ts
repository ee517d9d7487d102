import type { CodecNameFor, Handler, RecordDataFor } from '@streamshare/core';
import { describeThrown, errorFromThrown, readThrownProperty } from '@streamshare/core/internal';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { BatchFailedError } from '../errors/batch-failed-error.js';
import { InvalidEventError } from '../errors/invalid-event-error.js';
import { describeInput } from '../event/describe-input.js';
import { type AdapterOptions, handlerSettings, logRun, runBatch } from '../options/adapter-options.js';
import { EVENTBRIDGE_EVENT_EXPECTED, readDetail } from './read-detail.js';

/**
 * Options of {@link eventBridgeHandler} (those of every adapter, `T` and `N` as there; `concurrency`
 * has nothing to do for one record).
 */
export type EventBridgeHandlerOptions<T = unknown, N extends CodecNameFor<T> = CodecNameFor<T>> = AdapterOptions<T, N>;

/** The Lambda handler made by {@link eventBridgeHandler}. Resolves when the record is done; rejects otherwise. */
export type EventBridgeLambdaHandler = (event: EventBridgeEvent<string, unknown>, context?: Context) => Promise<void>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field of the event, or `undefined` (a hostile event may put anything there). */
function stringField(event: unknown, key: string): string | undefined {
  const value = readThrownProperty(event, key);
  return typeof value === 'string' ? value : undefined;
}

/**
 * Makes a Lambda handler for an EventBridge rule whose events carry Kinesis records, so that the
 * record handler written for `kinesisHandler` runs unchanged in another region or account:
 *
 * - events forwarded by @streamshare/eventbridge-bridge: the detail is a record envelope, unwrapped
 *   with core's `fromEnvelope` (same bytes, identity and arrival time as on the stream);
 * - events put on a bus by EventBridge Pipes from a Kinesis source: the detail is the pipe's flat
 *   Kinesis record (base64 data), normalized like a Lambda record.
 *
 * The record then goes through core's processBatch like any other (KPL expansion, `codec`,
 * retries, dead letters, the deadline). When it is not done, the handler throws a
 * {@link BatchFailedError}, so that the event is retried (EventBridge invokes Lambda
 * asynchronously: Lambda retries a failed invocation up to twice, then sends the event to the
 * function's on-failure destination or dead-letter queue).
 *
 * An event that is not one of these (not an EventBridge event, a malformed or hostile envelope: a
 * wrong field, data that cannot be read back) is an {@link InvalidEventError}, logged with its code
 * and thrown: it will never get better, but throwing is what sends it, after Lambda's retries
 * (which cost little: no handler runs), to the on-failure destination where it is kept whole;
 * returning would make Lambda discard it. Nothing else is ever thrown.
 *
 * The records' data type is inferred from the `codec` as for `kinesisHandler` (`T` given, a
 * `schema(...)` codec, an annotated handler, else what the codec named `N` produces).
 *
 * @typeParam T - The record data type the handler gets (`unknown` when nothing says more).
 * @typeParam N - The codec name given, inferred.
 * @throws InvalidEventError (rejects) when the event is not an EventBridge event, or its detail is
 *   neither format; BatchFailedError when the record is not done.
 * @example
 * ```ts
 * export const handler = eventBridgeHandler(async (record, { logger }) => {
 *   logger.info({ data: record.data, seq: record.sequenceNumber }, 'record from another region');
 * });
 * ```
 */
export function eventBridgeHandler<T = unknown, N extends CodecNameFor<T> = CodecNameFor<T>>(
  handler: Handler<RecordDataFor<T, N>>,
  options: EventBridgeHandlerOptions<T, N> = {},
): EventBridgeLambdaHandler {
  const settings = handlerSettings(handler, options);
  return async (event: EventBridgeEvent<string, unknown>, context?: Context): Promise<void> => {
    let detail: ReturnType<typeof readDetail>;
    try {
      detail = readEvent(event);
    } catch (error) {
      const invalid = error as InvalidEventError; // readEvent throws nothing else
      settings.logger.error(
        { code: invalid.code, received: invalid.received, eventId: stringField(event, 'id') },
        invalid.message,
      );
      throw invalid;
    }
    const record = 'kind' in detail.input ? detail.input.record : detail.input;
    let run: Awaited<ReturnType<typeof runBatch>>;
    try {
      run = await runBatch([detail.input], handler, settings, context, record.shardId);
    } catch (thrown) {
      // processBatch settles every record itself; should it ever reject, the event still fails
      // with a typed error and a log line, and is retried.
      const error = new BatchFailedError(
        { record, reason: 'handler', error: errorFromThrown(thrown) },
        'the record pipeline failed unexpectedly; throwing so that the event is retried',
      );
      settings.logger.error({ code: error.code, eventId: stringField(event, 'id') }, error.message);
      throw error;
    }
    logRun(
      settings,
      {
        transport: 'eventbridge',
        streamArn: record.streamArn,
        shardId: record.shardId,
        invokeIdentityArn: detail.invokeIdentityArn,
        awsRegion: stringField(event, 'region'),
        eventRecords: 1,
        lastArrival: record.approximateArrivalTimestamp,
        extra: {
          format: detail.format,
          eventId: stringField(event, 'id'),
          source: event.source,
          detailType: event['detail-type'],
          eventAccount: stringField(event, 'account'),
        },
      },
      run,
    );
    if (run.result.failed !== undefined) {
      throw new BatchFailedError(run.result.failed, 'throwing so that the event is retried');
    }
  };
}

/** Why an event cannot be described (describeInput itself failed on it). */
const UNDESCRIBABLE = 'an event that cannot be described';

function describeEvent(event: unknown): string {
  try {
    return describeInput(event);
  } catch {
    return UNDESCRIBABLE; // e.g. a Records field nested thousands of levels deep
  }
}

/**
 * The record of an event, or an InvalidEventError, whatever the event is (a Proxy, a throwing
 * getter, JSON nested without limit): nothing else is thrown.
 */
function readEvent(event: unknown): ReturnType<typeof readDetail> {
  let received: string | undefined;
  try {
    if (!isObject(event) || typeof event['detail-type'] !== 'string' || typeof event.source !== 'string') {
      throw new InvalidEventError(describeEvent(event), EVENTBRIDGE_EVENT_EXPECTED);
    }
    received = describeEvent(event);
    return readDetail(event.detail, received);
  } catch (error) {
    if (error instanceof InvalidEventError) throw error;
    throw new InvalidEventError(received ?? UNDESCRIBABLE, EVENTBRIDGE_EVENT_EXPECTED, {
      cause: error,
      detail: `it cannot be read: ${describeThrown(error)}`,
    });
  }
}
