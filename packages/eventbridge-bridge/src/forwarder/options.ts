import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { StreamRecord } from '@streamshare/core';
import type { PerRecord } from '../entry/build-entry.js';
import type { ForwarderRetryOptions } from '../send/backoff.js';

/** Options of {@link eventBridgeForwarder}. Give the bus by `eventBusArn`, or by `eventBusName` and `region`. */
export interface EventBridgeForwarderOptions<T = unknown> {
  /**
   * The target bus, `arn:aws:events:<region>:<account>:event-bus/<name>`. Its region is the
   * client's region, and the ARN is each entry's `EventBusName` (required for a bus in another
   * account or region).
   */
  readonly eventBusArn?: string;
  /** The bus by name (in the caller's account) or by ARN; with a name, `region` is required. */
  readonly eventBusName?: string;
  /** Region of a bus given by `eventBusName`. */
  readonly region?: string;
  /**
   * The EventBridge client. Default: `new EventBridgeClient({ region })` for the bus's region, with
   * the default credential chain. Give one to set credentials (e.g. an assumed role), an endpoint,
   * or the SDK's own retry settings.
   */
  readonly client?: EventBridgeClient;
  /** The events' `Source` (default `streamshare.kinesis`): 1 to 256 characters, not starting with `aws.`. */
  readonly source?: PerRecord<T, string>;
  /** The events' `DetailType` (default `Kinesis Record`): 1 to 128 characters. */
  readonly detailType?: PerRecord<T, string>;
  /**
   * Records for which it returns false are not sent and count as done. A filter that throws makes
   * the record a poison record.
   */
  readonly filter?: (record: StreamRecord<T>) => boolean | Promise<boolean>;
  /**
   * Replaces the data put in the envelope; the record's identity (stream, shard, partition key,
   * sequence numbers, arrival time) is kept. Return bytes (`Uint8Array`), a string (sent as its
   * UTF-8 text) or any JSON value. The receiving side gets the transformed data as the record's data.
   */
  readonly transform?: (record: StreamRecord<T>) => unknown;
  /**
   * Largest request by EventBridge's entry size formula (default 262 144 = 256 KiB, the PutEvents
   * limit). A request whose entries total exactly this many bytes is sent. Raise it only for a bus
   * whose limit is larger (at most 1 048 576).
   */
  readonly maxRequestBytes?: number;
  /** Most entries per PutEvents call (default 10, the PutEvents limit; 1 to 10). */
  readonly maxEntriesPerRequest?: number;
  /**
   * Retries of failed entries (`ThrottlingException`, `InternalFailure`) and of calls that failed
   * transiently (throttling, 5xx, network), with exponential backoff and jitter. Defaults:
   * 5 attempts, 100 ms first delay, 5 s at most, factor 2, jitter on. The SDK client retries calls
   * on its own as well (its `maxAttempts`).
   */
  readonly retry?: ForwarderRetryOptions;
  /** Source of randomness for the jitter (tests). Default `Math.random`. */
  readonly random?: () => number;
}

/** Default `Source`. */
export const DEFAULT_SOURCE = 'streamshare.kinesis';
/** Default `DetailType`. */
export const DEFAULT_DETAIL_TYPE = 'Kinesis Record';
/** PutEvents' request size limit, 256 KiB. */
export const PUT_EVENTS_MAX_REQUEST_BYTES = 262_144;
/** PutEvents' limit of entries per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/** The largest `maxRequestBytes` accepted (1 MiB). */
export const MAX_REQUEST_BYTES_CEILING = 1_048_576;
