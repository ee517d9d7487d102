import { randomUUID } from 'node:crypto';
import {
  type BatchResult,
  type FailedRecord,
  HandlerError,
  type SequenceCheckpoint,
  type StreamRecord,
} from '@streamshare/core';
import {
  errorFromThrown,
  fromKinesisRecords,
  readThrownProperty,
  toLambdaKinesisEvent,
} from '@streamshare/core/internal';
import type { LambdaKinesisHandler } from '../poller/options.js';
import type { Delivery } from './delivery.js';

/** What the fake Lambda context says. */
export interface LambdaContextOptions {
  readonly functionName?: string;
  readonly region: string;
  readonly account?: string;
  /** What `getRemainingTimeInMillis()` answers (default 15 minutes, Lambda's maximum). */
  readonly remainingTimeMs?: number;
}

/**
 * A Lambda context object (the shape of `Context` of @types/aws-lambda) for a handler run by the poller.
 * @internal
 */
export function lambdaContext(options: LambdaContextOptions): Record<string, unknown> {
  const functionName = options.functionName ?? 'streamshare-poller';
  const remaining = options.remainingTimeMs ?? 900_000;
  const startedAt = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${options.region}:${options.account ?? '000000000000'}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'streamshare-poller',
    getRemainingTimeInMillis: () => Math.max(0, remaining - (Date.now() - startedAt)),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** Options of {@link lambdaDelivery}. */
export interface LambdaDeliveryOptions {
  /** The event's `invokeIdentityArn` (the role the poller reads as), default ''. */
  readonly invokeIdentityArn?: string | undefined;
  /** The event's `awsRegion` (the stream's region). */
  readonly awsRegion: string;
  /** The account of the fake function ARN (the consumer's, when known). */
  readonly account?: string | undefined;
}

/**
 * Maps a Lambda handler's answer onto the checkpoint invariant. `records` are the Kinesis records of
 * the event in order. `batchItemFailures` names the first record not done (the earliest listed one
 * counts); the checkpoint is the record just before it. An identifier that matches no record fails
 * the whole batch, as Lambda does. Nothing (or an empty list) means all done. Pure; never throws,
 * whatever the response is (a Proxy, getters that throw).
 * @internal
 */
export function outcomeOfLambdaResponse(
  records: readonly StreamRecord<Uint8Array>[],
  response: unknown,
): { done: number; error?: unknown } {
  const failures = readThrownProperty(response, 'batchItemFailures');
  let list: readonly unknown[];
  try {
    if (!Array.isArray(failures) || failures.length === 0) return { done: records.length };
    list = [...failures];
  } catch {
    return { done: 0, error: new Error('batchItemFailures cannot be read: the whole batch is retried') };
  }
  let first = records.length;
  for (const failure of list) {
    const id = readThrownProperty(failure, 'itemIdentifier');
    const index = typeof id === 'string' ? records.findIndex((record) => record.sequenceNumber === id) : -1;
    if (index < 0) {
      return {
        done: 0,
        error: new Error(
          `batchItemFailures names ${shownIdentifier(id)}, not a record of the batch: the whole batch is retried`,
        ),
      };
    }
    first = Math.min(first, index);
  }
  return { done: first, error: new Error('the Lambda handler reported this record in batchItemFailures') };
}

/** An itemIdentifier for a message: a string quoted (clipped), anything else by its kind. */
function shownIdentifier(id: unknown): string {
  if (typeof id === 'string') return JSON.stringify(id.length > 200 ? `${id.slice(0, 200)}…` : id);
  return id === undefined ? 'no itemIdentifier' : `a ${id === null ? 'null' : typeof id} itemIdentifier`;
}

function checkpointAfter(
  record: StreamRecord<Uint8Array> | undefined,
  resumeFrom: SequenceCheckpoint | undefined,
): SequenceCheckpoint | undefined {
  if (!record) return undefined;
  // A partly done aggregate delivered whole: keep its sub-sequence number so the checkpoint moves forward.
  const sub = resumeFrom && resumeFrom.sequenceNumber === record.sequenceNumber ? resumeFrom.subSequenceNumber : 0;
  return { sequenceNumber: record.sequenceNumber, subSequenceNumber: sub, complete: true };
}

/**
 * Delivery to a Lambda handler made by `kinesisHandler` of @streamshare/lambda-adapter: the raw
 * Kinesis records (aggregates not expanded, as Lambda delivers them) become a Lambda Kinesis event;
 * the handler's batchItemFailures set the checkpoint (the record before the first failure, whole
 * records only); a thrown error means nothing was done. A partly done aggregate is delivered whole
 * again (Lambda events carry whole Kinesis records). A record that could not be normalized ends the
 * event before it.
 * @internal
 */
export function lambdaDelivery(handler: LambdaKinesisHandler, options: LambdaDeliveryOptions): Delivery {
  return async (batch) => {
    const startedAt = performance.now();
    // The records normalized now (the event holds them all), aggregates whole, as Lambda delivers them.
    const inputs = fromKinesisRecords(batch.records.records, batch.records);
    const rejectedAt = inputs.findIndex((input) => 'kind' in input);
    const usable = (rejectedAt < 0 ? inputs : inputs.slice(0, rejectedAt)) as StreamRecord<Uint8Array>[];
    let done = 0;
    let error: unknown;
    if (usable.length > 0) {
      const event = toLambdaKinesisEvent(usable, {
        awsRegion: options.awsRegion,
        ...(options.invokeIdentityArn ? { invokeIdentityArn: options.invokeIdentityArn } : {}),
      });
      try {
        const response = await handler(event, lambdaContext({ region: options.awsRegion, account: options.account }));
        ({ done, error } = outcomeOfLambdaResponse(usable, response));
      } catch (thrown) {
        done = 0;
        error = thrown;
      }
    }
    let failed: FailedRecord | undefined;
    if (done < usable.length) {
      const record = usable[done]!;
      // Whatever the handler threw (a null-prototype object, a Proxy...) becomes an Error first.
      failed = { record, error: new HandlerError(record, 1, errorFromThrown(error)), reason: 'handler' };
    } else if (rejectedAt >= 0) {
      const rejected = inputs[rejectedAt] as { record: StreamRecord<Uint8Array>; error: unknown };
      failed = { record: rejected.record, error: rejected.error, reason: 'decode' };
    }
    const result: BatchResult = {
      checkpoint: checkpointAfter(usable[done - 1], batch.resumeFrom),
      failed,
      total: inputs.length,
      succeeded: done,
      deadLettered: 0,
      durationMs: performance.now() - startedAt,
    };
    return { result };
  };
}
