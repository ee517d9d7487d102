import type { CodecNameFor, Handler, RecordDataFor } from '@streamshare/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { BatchFailedError } from '../errors/batch-failed-error.js';
import { InvalidEventError } from '../errors/invalid-event-error.js';
import { describeInput } from '../event/describe-input.js';
import {
  type AdapterOptions,
  checkHandler,
  logRun,
  resolveAdapterOptions,
  runBatch,
} from '../options/adapter-options.js';
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
 * {@link BatchFailedError}, so that EventBridge retries the event (with the rule target's retry
 * policy and dead-letter queue).
 *
 * The records' data type is inferred from the `codec` as for `kinesisHandler` (`T` given, a
 * `schema(...)` codec, an annotated handler, else what the codec named `N` produces).
 *
 * @typeParam T - The record data type the handler gets (`unknown` when nothing says more).
 * @typeParam N - The codec name given, inferred.
 * @throws InvalidEventError (rejects) when the event is not an EventBridge event, or its detail is neither format.
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
  checkHandler(handler);
  const settings = resolveAdapterOptions(options, '@streamshare/lambda-adapter');
  return async (event: EventBridgeEvent<string, unknown>, context?: Context): Promise<void> => {
    let detail: ReturnType<typeof readDetail>;
    try {
      detail = readEvent(event);
    } catch (error) {
      if (error instanceof InvalidEventError) {
        settings.logger.error({ code: error.code, received: error.received }, error.message);
      }
      throw error;
    }
    const record = 'kind' in detail.input ? detail.input.record : detail.input;
    const run = await runBatch([detail.input], handler, settings, context, record.shardId);
    logRun(
      settings,
      {
        transport: 'eventbridge',
        streamArn: record.streamArn,
        shardId: record.shardId,
        invokeIdentityArn: detail.invokeIdentityArn,
        awsRegion: event.region,
        eventRecords: 1,
        lastArrival: record.approximateArrivalTimestamp,
        extra: {
          format: detail.format,
          eventId: event.id,
          source: event.source,
          detailType: event['detail-type'],
          eventAccount: event.account,
        },
      },
      run,
    );
    if (run.result.failed !== undefined) {
      throw new BatchFailedError(run.result.failed, 'throwing so that EventBridge retries the event');
    }
  };
}

function readEvent(event: unknown): ReturnType<typeof readDetail> {
  if (!isObject(event) || typeof event['detail-type'] !== 'string' || typeof event.source !== 'string') {
    throw new InvalidEventError(describeInput(event), EVENTBRIDGE_EVENT_EXPECTED);
  }
  return readDetail(event.detail, describeInput(event));
}
