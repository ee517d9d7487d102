import type { _Record, ChildShard, SubscribeToShardEvent } from '@aws-sdk/client-kinesis';
import type { StreamshareError } from '@streamshare/core';
import { type BackoffOptions, classifyAwsError } from '@streamshare/core/internal';
import { type CallContext, classifyKinesisError } from '../errors/classify.js';

/**
 * What one `SubscribeToShardEvent` says: records to deliver (maybe none: a heartbeat) and the
 * continuation to resume from, or the end of the shard (ChildShards and a null continuation). Pure.
 * @internal
 */
export type EventReading =
  | {
      readonly kind: 'records';
      readonly records: readonly _Record[];
      readonly continuation: string;
      readonly millisBehindLatest: number | undefined;
    }
  | {
      readonly kind: 'shard-end';
      readonly records: readonly _Record[];
      readonly childShards: readonly ChildShard[];
      readonly millisBehindLatest: number | undefined;
    };

/**
 * Reads one event. A null (or absent) continuation is the end of the shard whether or not
 * ChildShards came with it: there is nowhere to continue from. Pure.
 * @internal
 */
export function readShardEvent(event: SubscribeToShardEvent): EventReading {
  const records = event.Records ?? [];
  const continuation = event.ContinuationSequenceNumber;
  if (continuation === undefined || continuation === null || continuation === '') {
    return {
      kind: 'shard-end',
      records,
      childShards: event.ChildShards ?? [],
      millisBehindLatest: event.MillisBehindLatest,
    };
  }
  return { kind: 'records', records, continuation, millisBehindLatest: event.MillisBehindLatest };
}

/** The backoff after a ResourceInUseException: its first wait is at least 5 s (equal jitter: [5 s, 10 s]). */
export const RESOURCE_IN_USE_BACKOFF: BackoffOptions = { minMs: 10_000, maxMs: 30_000 };

/** The backoff after a transient failure (network, 5xx, a garbled stream, KMS throttling). */
export const TRANSIENT_BACKOFF: BackoffOptions = { minMs: 500, maxMs: 20_000 };

/**
 * What a subscription does about an error from SubscribeToShard (the call or its event stream).
 * @internal
 */
export type SubscriptionVerdict =
  /** Subscribe again from the last continuation after a backoff (`backoff` says which). */
  | {
      readonly kind: 'resubscribe';
      readonly backoff: 'resource-in-use' | 'transient';
      readonly error: StreamshareError;
    }
  /** Stop the shard's reading with this typed error (access denied, consumer or stream not found, KMS). */
  | { readonly kind: 'fatal'; readonly error: StreamshareError };

/**
 * Maps what SubscribeToShard threw to a verdict, with the poller's typed errors (`ACCESS_DENIED`,
 * `STREAM_NOT_FOUND`, `KMS_ERROR`, `KMS_THROTTLED`, `KINESIS_TRANSIENT`...): ResourceInUseException
 * (a subscription of the same consumer and shard less than 5 s old, or still open) is waited out;
 * network errors, 5xx, InternalFailureException, a corrupt message and KMS throttling re-subscribe
 * after a backoff; the rest is fatal. Pure.
 * @internal
 */
export function subscriptionVerdict(error: unknown, context: CallContext): SubscriptionVerdict {
  const classified = classifyKinesisError(error, context);
  if (classifyAwsError(error).kind === 'resource-in-use') {
    return { kind: 'resubscribe', backoff: 'resource-in-use', error: classified.error };
  }
  if (classified.kind === 'fatal') return { kind: 'fatal', error: classified.error };
  return { kind: 'resubscribe', backoff: 'transient', error: classified.error };
}
