/**
 * @streamshare/eventbridge-bridge: forwards Kinesis records to an EventBridge bus in another
 * region or account, as a batch handler with the checkpoint safety of the rest of streamshare.
 * @packageDocumentation
 */

export { buildEntry, type EntrySettings, type PerRecord } from './entry/build-entry.js';
export { putEventsEntrySize } from './entry/entry-size.js';
export {
  EntryTooLargeError,
  ForwarderOptionError,
  ForwardingAbortedError,
  PutEventsCallError,
  PutEventsEntryError,
  RecordNotForwardableError,
} from './errors.js';
export { type EventBridgeForwarder, eventBridgeForwarder } from './forwarder/forwarder.js';
export type { EventBridgeForwarderOptions } from './forwarder/options.js';
export type { ForwarderRetryOptions } from './send/backoff.js';
