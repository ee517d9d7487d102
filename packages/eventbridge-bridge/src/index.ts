/**
 * @streamshare/eventbridge-bridge: forwards Kinesis records to an EventBridge bus in another
 * region or account, as a batch handler with the checkpoint safety of the rest of streamshare.
 * @packageDocumentation
 */

export { type EventBusArn, type EventBusTarget, parseEventBusArn, resolveEventBus } from './bus/event-bus.js';
export { buildEntry, type EntrySettings, type PerRecord } from './entry/build-entry.js';
export { putEventsEntrySize } from './entry/entry-size.js';
export {
  EntryTooLargeError,
  ForwarderOptionError,
  ForwardingAbortedError,
  PutEventsCallError,
  PutEventsEntryError,
  RETRYABLE_ENTRY_ERROR_CODES,
  RecordNotForwardableError,
} from './errors.js';
export { type EventBridgeForwarder, eventBridgeForwarder } from './forwarder/forwarder.js';
export {
  DEFAULT_DETAIL_TYPE,
  DEFAULT_SOURCE,
  type EventBridgeForwarderOptions,
  MAX_REQUEST_BYTES_CEILING,
  PUT_EVENTS_MAX_ENTRIES,
  PUT_EVENTS_MAX_REQUEST_BYTES,
} from './forwarder/options.js';
export type { ForwarderRetryOptions } from './send/backoff.js';
export type { ForwarderLogger } from './send/put-chunk.js';
