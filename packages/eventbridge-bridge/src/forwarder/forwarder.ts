import type { BatchContext, BatchHandler, StreamRecord } from '@streamshare/core';
import type { BatchHandlerResult } from '@streamshare/core/internal';
import { resolveEventBus } from '../bus/event-bus.js';
import { EventBridgeClient } from '../deps/commonjs.cjs';
import { fieldProblem } from '../entry/build-entry.js';
import { ForwarderOptionError } from '../errors.js';
import { retrySchedule } from '../send/backoff.js';
import { type ForwardSettings, forwardShard, type IndexedRecord, type ShardStop } from './forward-shard.js';
import {
  DEFAULT_DETAIL_TYPE,
  DEFAULT_SOURCE,
  type EventBridgeForwarderOptions,
  MAX_REQUEST_BYTES_CEILING,
  PUT_EVENTS_MAX_ENTRIES,
  PUT_EVENTS_MAX_REQUEST_BYTES,
} from './options.js';

function check(option: string, ok: boolean, expected = 'is invalid'): void {
  if (!ok) throw new ForwarderOptionError('INVALID_FORWARDER_OPTION', option, expected);
}

/** An option's value for a message, whatever it is (`String()` throws on a null-prototype object). */
function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function integerIn(option: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  check(
    option,
    Number.isInteger(value) && value >= min && value <= max,
    `must be an integer from ${min} to ${max}, got ${showValue(value)}`,
  );
  return value;
}

/** An EventBridge forwarder: a batch handler that also tells where it sends. */
export interface EventBridgeForwarder<T = unknown> extends BatchHandler<T> {
  /** The value put in each entry's `EventBusName` (the bus ARN when given by ARN). */
  readonly eventBus: string;
  /** The region the default client is built for. */
  readonly region: string;
  /** The EventBridge client in use. */
  readonly client: EventBridgeClient;
}

function groupByShard<T>(records: readonly StreamRecord<T>[]): IndexedRecord<T>[][] {
  const shards = new Map<string, IndexedRecord<T>[]>();
  for (const [index, record] of records.entries()) {
    let list = shards.get(record.shardId);
    if (!list) {
      list = [];
      shards.set(record.shardId, list);
    }
    list.push({ record, index });
  }
  return [...shards.values()];
}

/**
 * Makes a batch handler that forwards each record as one event to an EventBridge bus, possibly in
 * another account or region, keeping the checkpoint safe. Plug it into `kinesisHandler` of
 * @streamshare/lambda-adapter or into the poller unchanged.
 *
 * - Each record becomes one PutEvents entry: `Detail` is core's record envelope (identity, the
 *   dedupe `id`, the data as JSON when it is exactly JSON, else base64), `Resources` is
 *   `[streamArn]`, `Time` the arrival time, `EventBusName` the bus.
 * - Entries are packed in order, greedily, into calls of at most `maxEntriesPerRequest` entries and
 *   `maxRequestBytes` bytes (EventBridge's entry size formula). The calls of one shard go one after
 *   another; the shards of one batch go in parallel.
 * - Only failed entries are re-sent (`ThrottlingException`, `InternalFailure`), with backoff; a call
 *   that failed transiently is re-sent whole. These are the only retries: the handler is marked
 *   `ownRetries`, so processBatch does not call it again in place; what still fails after
 *   `retry.attempts` ends the batch there, for the transport to redeliver. Other error codes, and entries too large for any
 *   call, go to the poison policy: the batch's dead-letter handler (then the record is done), or
 *   the batch stops there.
 * - The result is the longest prefix of records done: `{ done, error }` with `done` the position of
 *   the first record not done, even if later entries were accepted (they are sent again on
 *   redelivery; the envelope `id` lets the receiver drop duplicates).
 *
 * Records may arrive decoded: bytes are forwarded as they are; a string as its UTF-8 text; any
 * other value as its JSON. Use the `bytes` codec upstream to forward the stream's bytes (JSON
 * inlined in the envelope comes back without insignificant whitespace; anything else byte for byte).
 *
 * @throws ForwarderOptionError for a malformed bus ARN or an out-of-range option.
 */
export function eventBridgeForwarder<T = unknown>(options: EventBridgeForwarderOptions<T>): EventBridgeForwarder<T> {
  if (typeof options !== 'object' || options === null) {
    throw new ForwarderOptionError('INVALID_FORWARDER_OPTION', 'options', 'must be an object with eventBusArn');
  }
  const bus = resolveEventBus(options);
  const source = options.source ?? DEFAULT_SOURCE;
  const detailType = options.detailType ?? DEFAULT_DETAIL_TYPE;
  for (const [name, value] of [
    ['source', source],
    ['detailType', detailType],
  ] as const) {
    if (typeof value !== 'function') {
      const problem = fieldProblem(name, value);
      if (problem) check(name, false, problem);
    }
  }
  for (const name of ['filter', 'transform', 'random'] as const) {
    check(name, options[name] === undefined || typeof options[name] === 'function', 'must be a function');
  }
  const maxBytes = integerIn(
    'maxRequestBytes',
    options.maxRequestBytes,
    PUT_EVENTS_MAX_REQUEST_BYTES,
    1,
    MAX_REQUEST_BYTES_CEILING,
  );
  const maxEntries = integerIn(
    'maxEntriesPerRequest',
    options.maxEntriesPerRequest,
    PUT_EVENTS_MAX_ENTRIES,
    1,
    PUT_EVENTS_MAX_ENTRIES,
  );
  const retry = retrySchedule(options.retry, (name, ok) => check(name, ok));
  const client = options.client ?? new EventBridgeClient({ region: bus.region });

  const settings: ForwardSettings<T> = {
    entry: { eventBusName: bus.eventBusName, source, detailType, transform: options.transform },
    filter: options.filter,
    maxEntries,
    maxBytes,
    client,
    retry,
    eventBus: bus.eventBusName,
    random: options.random,
  };

  return {
    kind: 'batch',
    // Throttling and transient failures are re-sent here, entry by entry: processBatch must not
    // call the forwarder again on top of that.
    ownRetries: true,
    eventBus: bus.eventBusName,
    region: bus.region,
    client,
    async handle(records: readonly StreamRecord<T>[], context: BatchContext): Promise<void | BatchHandlerResult> {
      const stops = await Promise.all(groupByShard(records).map((items) => forwardShard(items, settings, context)));
      let first: ShardStop | undefined;
      for (const stop of stops) if (stop && (!first || stop.index < first.index)) first = stop;
      return first === undefined ? undefined : { done: first.index, error: first.error };
    },
  };
}
