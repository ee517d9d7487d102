import type {
  ChildShard,
  StartingPosition as SubscribeStartingPosition,
  SubscribeToShardEvent,
} from '@aws-sdk/client-kinesis';
import { kinesisRecords, type SequenceCheckpoint, type StreamshareError } from '@streamshare/core';
import { type BackoffOptions, backoffDelay, type KinesisRecords, sleep } from '@streamshare/core/internal';
import { type KinesisClient, SubscribeToShardCommand } from '../deps/commonjs.cjs';
import type { ReadPosition } from '../reader/position.js';
import {
  RESOURCE_IN_USE_BACKOFF,
  readShardEvent,
  type SubscriptionVerdict,
  subscriptionVerdict,
  TRANSIENT_BACKOFF,
} from './decide.js';
import { readEventStream } from './event-stream/read-event-stream.js';
import { shardEvents } from './event-stream/shard-events.js';
import { continuationStartingPosition, subscribeStartingPosition } from './position.js';

/** Why a subscription of a shard was made again. */
export type ResubscribeReason =
  /** The event stream ended without ChildShards: the 5-minute end, a reset stream or a dropped connection (the SDK cannot tell them apart). */
  | 'ended'
  /** No event for `silenceMs`: the request was aborted. */
  | 'silent'
  /** ResourceInUseException: waited at least 5 s. */
  | 'resource-in-use'
  /** A network or service failure, a corrupt message, KMS throttling: waited a backoff. */
  | 'transient';

/** Options of {@link subscribeShard}. */
export interface ShardSubscriptionOptions {
  /** A Kinesis client whose request handler speaks HTTP/2 (`NodeHttp2Handler`: the client's default). */
  readonly client: KinesisClient;
  /** The registered consumer (enhanced fan-out) that subscribes. */
  readonly consumerArn: string;
  /** The consumer's stream: records are identified with it, errors name it. */
  readonly streamArn: string;
  readonly shardId: string;
  /** The region of the client, for error messages. */
  readonly region: string;
  /** The principal the client signs as (the assumed role ARN), for AccessDenied messages. */
  readonly principal?: string | undefined;
  /** Where to start: the shard's checkpoint or its starting position. */
  readonly position: ReadPosition;
  /** Ends the reading: the open subscription is aborted and the generator returns. */
  readonly signal: AbortSignal;
  /** No event for this long (events come at least every 5 s) aborts the subscription and subscribes again. Default 15 000 ms. */
  readonly silenceMs?: number;
  /** The shortest time between two subscriptions of the shard (AWS refuses one within 5 s with ResourceInUseException). Default 5000 ms. */
  readonly minSubscribeIntervalMs?: number;
  /**
   * When the shard was last subscribed before this reading (`Date.now()` of an earlier subscription of
   * the same consumer and shard, closed since): the first subscription waits `minSubscribeIntervalMs`
   * after it. Default: none.
   */
  readonly previousSubscribeAt?: number;
  /** The backoff after ResourceInUseException. Default {@link RESOURCE_IN_USE_BACKOFF} (first wait 5-10 s). */
  readonly resourceInUseBackoff?: BackoffOptions;
  /** The backoff after a transient failure. Default {@link TRANSIENT_BACKOFF}. */
  readonly transientBackoff?: BackoffOptions;
  /** Told each time the shard is subscribed (starting position) and subscribed again (why). */
  readonly observer?: SubscriptionObserver;
}

/** Hooks of {@link subscribeShard}, for logs, metrics and tests. */
export interface SubscriptionObserver {
  onSubscribe?(shardId: string, startingPosition: SubscribeStartingPosition): void;
  onResubscribe?(
    shardId: string,
    reason: ResubscribeReason,
    error: StreamshareError | undefined,
    delayMs: number,
  ): void;
}

/** One event of a subscription, as a page for the record path. */
export interface SubscriptionPage {
  /** The event's records as core's record source (`kinesisRecords`), undefined for an event without records. */
  readonly records: KinesisRecords | undefined;
  /** The checkpoint the reading resumed from (a partly done aggregate's user records are skipped); only on the first page with records. */
  readonly resumeFrom: SequenceCheckpoint | undefined;
  /** The event's ContinuationSequenceNumber; undefined on the last page of a shard. */
  readonly continuation: string | undefined;
  readonly millisBehindLatest: number | undefined;
  /** Set on the last page of a shard (its end): the shards that follow it. */
  readonly childShards: readonly ChildShard[] | undefined;
}

/**
 * Reads a shard through enhanced fan-out: subscribes (SubscribeToShard) from `position` and yields
 * each event as a {@link SubscriptionPage} whose records go through core's record path like a
 * GetRecords page. It reads the next event only when the caller asks for the next page, so a slow
 * handler stops the reading and HTTP/2 flow control pushes back on the service (memory stays
 * bounded: one event in hand).
 *
 * It subscribes again, from the last ContinuationSequenceNumber (kept from events without records
 * too), whenever a subscription ends without ChildShards: the 5-minute end, a reset stream, a dropped
 * connection (the SDK ends the event stream without an error in all three), and a silent stream (no
 * event for `silenceMs`: aborted). Two subscriptions are at least `minSubscribeIntervalMs` apart;
 * ResourceInUseException waits at least 5 s; a transient failure (network, 5xx, a corrupt message)
 * a growing backoff. It returns after the page that ends the shard (ChildShards, null continuation),
 * or when `signal` aborts, and throws the poller's typed error for the fatal cases (ACCESS_DENIED,
 * STREAM_NOT_FOUND, KMS_ERROR...).
 *
 * Whatever way it is left (return, throw, the caller's `break`), the subscription's request is
 * aborted: breaking out of the SDK's `for await` alone leaves the HTTP/2 stream open.
 * @internal
 */
export async function* subscribeShard(options: ShardSubscriptionOptions): AsyncGenerator<SubscriptionPage, void, void> {
  const { client, consumerArn, streamArn, shardId, signal, observer } = options;
  const silenceMs = options.silenceMs ?? 15_000;
  const minIntervalMs = options.minSubscribeIntervalMs ?? 5_000;
  const context = {
    action: 'SubscribeToShard',
    streamArn,
    consumerArn,
    region: options.region,
    principal: options.principal,
  };
  let start = subscribeStartingPosition(options.position);
  let resumeFrom = options.position.kind === 'checkpoint' ? options.position.checkpoint : undefined;
  let lastSubscribeAt = options.previousSubscribeAt ?? Number.NEGATIVE_INFINITY;
  let failures = 0;
  let wait = 0;

  while (!signal.aborted) {
    await sleep(Math.max(wait, lastSubscribeAt + minIntervalMs - Date.now()), signal);
    if (signal.aborted) return;
    wait = 0;
    const request = new AbortController();
    const stop = () => request.abort();
    signal.addEventListener('abort', stop, { once: true });
    let silent = false;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        silent = true;
        request.abort();
      }, silenceMs);
    };
    let reason: ResubscribeReason = 'ended';
    let verdict: SubscriptionVerdict | undefined;
    try {
      arm();
      lastSubscribeAt = Date.now();
      observer?.onSubscribe?.(shardId, start);
      const command = new SubscribeToShardCommand({
        ConsumerARN: consumerArn,
        ShardId: shardId,
        StartingPosition: start,
      });
      // The events are decoded by shardEvents, not by the SDK (see readEventStream).
      const raw = readEventStream(command.middlewareStack);
      const output = await client.send(command, { abortSignal: request.signal });
      failures = 0;
      const body = raw.body();
      const events: AsyncIterable<{ SubscribeToShardEvent?: SubscribeToShardEvent | undefined }> | never[] =
        body === undefined ? (output.EventStream ?? []) : shardEvents(body);
      for await (const item of events) {
        const event = item.SubscribeToShardEvent;
        if (event === undefined) {
          arm();
          continue;
        }
        // The caller holds the page as long as its handler runs: no watchdog meanwhile.
        clearTimeout(watchdog);
        const reading = readShardEvent(event);
        const records =
          reading.records.length > 0 ? kinesisRecords(reading.records, { streamArn, shardId }) : undefined;
        const page: SubscriptionPage = {
          records,
          resumeFrom: records === undefined ? undefined : resumeFrom,
          continuation: reading.kind === 'records' ? reading.continuation : undefined,
          millisBehindLatest: reading.millisBehindLatest,
          childShards: reading.kind === 'shard-end' ? reading.childShards : undefined,
        };
        if (records !== undefined) resumeFrom = undefined;
        if (reading.kind === 'shard-end') {
          yield page;
          return;
        }
        start = continuationStartingPosition(reading.continuation);
        yield page;
        if (signal.aborted) return;
        arm();
      }
      if (silent) reason = 'silent';
    } catch (thrown) {
      if (signal.aborted) return;
      if (silent) reason = 'silent';
      else {
        verdict = subscriptionVerdict(thrown, context);
        if (verdict.kind === 'fatal') throw verdict.error;
        failures++;
        reason = verdict.backoff;
        wait = backoffDelay(
          failures,
          verdict.backoff === 'resource-in-use'
            ? (options.resourceInUseBackoff ?? RESOURCE_IN_USE_BACKOFF)
            : (options.transientBackoff ?? TRANSIENT_BACKOFF),
        );
      }
    } finally {
      clearTimeout(watchdog);
      signal.removeEventListener('abort', stop);
      // Closes the HTTP/2 stream and its session, whatever way the subscription was left.
      request.abort();
    }
    if (signal.aborted) return;
    observer?.onResubscribe?.(
      shardId,
      reason,
      verdict?.error,
      Math.max(wait, lastSubscribeAt + minIntervalMs - Date.now()),
    );
  }
}
