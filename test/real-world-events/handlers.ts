import { type StreamRecord, StreamshareError, silentLogger } from '@streamshare/core';
import {
  eventBridgeHandler,
  InvalidEventError,
  type KinesisHandlerOptions,
  kinesisHandler,
} from '@streamshare/lambda-adapter';
import { expect } from 'vitest';

/** What a Kinesis Lambda handler answers. */
export interface BatchResponse {
  readonly batchItemFailures: readonly { readonly itemIdentifier: string }[];
}

/**
 * Runs `event` through a `kinesisHandler` as Lambda would call it (no context: no deadline), with
 * a handler that records what it gets and throws on the records `failOn` picks (by the order the
 * handler sees them). One attempt per record, no log output.
 */
export async function runKinesis(
  event: unknown,
  options: KinesisHandlerOptions = {},
  failOn: (index: number) => boolean = () => false,
): Promise<{ response: BatchResponse; seen: StreamRecord<unknown>[] }> {
  const seen: StreamRecord<unknown>[] = [];
  const handler = kinesisHandler(
    (record) => {
      const index = seen.push(record) - 1;
      if (failOn(index)) throw new Error(`record ${index} fails on purpose`);
    },
    { logger: silentLogger, retry: { attempts: 1 }, ...options },
  );
  const response = await handler(event as Parameters<typeof handler>[0]);
  return { response, seen };
}

/** Runs `run`, which must reject with the adapter's typed InvalidEventError (INVALID_EVENT, not retryable). */
export async function refusal(run: () => Promise<unknown>): Promise<InvalidEventError> {
  let thrown: unknown;
  let resolved = false;
  try {
    await run();
    resolved = true;
  } catch (error) {
    thrown = error;
  }
  expect(resolved, 'the handler took the event instead of refusing it').toBe(false);
  expect(thrown).toBeInstanceOf(InvalidEventError);
  expect(thrown).toBeInstanceOf(StreamshareError);
  const error = thrown as InvalidEventError;
  expect(error.code).toBe('INVALID_EVENT');
  expect(error.retryable).toBe(false);
  expect(error.message).toContain(error.received);
  return error;
}

/**
 * The Lambda handler `make` builds around a counting record handler refuses `event` before any
 * record runs; resolves to its InvalidEventError.
 */
async function refusedBeforeAnyRecord(
  make: (handler: () => void) => (event: never) => Promise<unknown>,
  event: unknown,
): Promise<InvalidEventError> {
  let calls = 0;
  const lambda = make(() => {
    calls++;
  });
  const error = await refusal(() => lambda(event as never));
  expect(calls, 'a record handler ran for a refused event').toBe(0);
  return error;
}

/** `kinesisHandler` refuses `event` before any record runs; resolves to its InvalidEventError. */
export function kinesisRefuses(event: unknown): Promise<InvalidEventError> {
  return refusedBeforeAnyRecord((handler) => kinesisHandler(handler, { logger: silentLogger }), event);
}

/** `eventBridgeHandler` refuses `event` before its record runs; resolves to its InvalidEventError. */
export function eventBridgeRefuses(event: unknown): Promise<InvalidEventError> {
  return refusedBeforeAnyRecord((handler) => eventBridgeHandler(handler, { logger: silentLogger }), event);
}
