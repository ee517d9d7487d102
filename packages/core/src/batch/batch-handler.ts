import type { StreamRecord } from '../record/stream-record.js';
import type { BatchContext, BatchHandler, BatchHandlerOptions, BatchHandlerResult, Handler } from './types.js';

/**
 * Makes a handler that gets the whole decoded batch at once, in sequence order. It reports how
 * many records (from the start) it finished: return nothing for all, `{ done, error }` for a
 * prefix, or throw (none done; a retryable error retries the call, unless `ownRetries`).
 */
export function batchHandler<T = unknown>(
  fn: (
    records: readonly StreamRecord<T>[],
    context: BatchContext,
  ) => void | BatchHandlerResult | Promise<void | BatchHandlerResult>,
  options: BatchHandlerOptions = {},
): BatchHandler<T> {
  if (typeof fn !== 'function') throw new TypeError('batchHandler(fn): fn must be a function');
  const ownRetries = options.ownRetries ?? false;
  if (typeof ownRetries !== 'boolean') throw new TypeError('batchHandler(fn, options): ownRetries must be a boolean');
  return ownRetries ? { kind: 'batch', handle: fn, ownRetries } : { kind: 'batch', handle: fn };
}

/** True when `handler` is a batch handler (made by {@link batchHandler} or shaped like one). */
export function isBatchHandler<T>(handler: Handler<T>): handler is BatchHandler<T> {
  return typeof handler === 'object' && handler !== null && (handler as BatchHandler<T>).kind === 'batch';
}
