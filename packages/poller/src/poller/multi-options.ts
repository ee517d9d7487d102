import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { STSClient } from '@aws-sdk/client-sts';
import type { CodecNameFor, Handler, RecordDataFor } from '@streamshare/core';
import type { PollerState } from './lifecycle.js';
import type { AssumeRoleOptions, MarkedLambdaHandler, PollerOptions, StartingPosition } from './options.js';

/**
 * One stream of a poller of several streams (`createPoller({ streams })`): its ARN (region and
 * account come from it) and, optionally, its own role, handler, starting position and clients.
 */
export interface StreamOptions<T = unknown, N extends CodecNameFor<T> = CodecNameFor<T>> {
  /** `arn:aws:kinesis:<region>:<account>:stream/<name>`: the stream may be in any account and region. */
  readonly streamArn: string;
  /**
   * The role to assume for this stream's Kinesis calls (e.g. a reader role in its producer account,
   * with its own external id). Each stream has its own credentials: streams of several producer
   * accounts, each with its own role, share one poller. Default: the environment's credentials.
   */
  readonly assumeRole?: AssumeRoleOptions;
  /**
   * This stream's handler; default the poller's `handler`. Records of every stream are decoded by
   * the poller's one `codec`.
   */
  readonly handler?: Handler<RecordDataFor<T, N>> | MarkedLambdaHandler;
  /** Where this stream's shards without a checkpoint start; default the poller's `startingPosition`. */
  readonly startingPosition?: StartingPosition;
  /** Enhanced fan-out for this stream: a consumer registered on it (see PollerOptions.consumerArn). */
  readonly consumerArn?: string;
  /** A Kinesis client of your own for this stream (it carries its credentials: `assumeRole` is then ignored). */
  readonly kinesisClient?: KinesisClient;
  /** The HTTP/2 client for SubscribeToShard with `consumerArn` (see PollerOptions.subscribeClient). */
  readonly subscribeClient?: KinesisClient;
  /** The STS client for this stream's AssumeRole (default: the poller's `stsClient`, else one from the environment). */
  readonly stsClient?: STSClient;
}

/**
 * What a poller of several streams does when one stream fails for good (deleted, access revoked, its
 * KMS key disabled: any fatal error of its listing or readers, or of its start):
 *
 * - `'continue'` (default): that stream is stopped and reported `failed` (in `status().streams`,
 *   `/healthz`'s `streams` and the `streamshare_stream_up` metric) while the others go on; the poller
 *   fails (`done` rejects with the first error) only once no stream is left running.
 * - `'stop'`: the whole poller stops and `done` rejects with that error (for a fleet where the
 *   streams must be read together or not at all).
 */
export type StreamFailurePolicy = 'continue' | 'stop';

/**
 * Options of a poller of several streams: `streams` in place of `streamArn`, and what is left of
 * {@link PollerOptions}, shared by every stream (one handler unless a stream gives its own, one codec,
 * one lease table or checkpoint directory, one request scheduler and memory budget, one observer).
 *
 * The checkpoints of each stream are kept under a stream-qualified key, its ARN and creation time
 * (`<streamArn>:<epoch seconds>`, from DescribeStreamSummary at start), in the lease table (its
 * partition key) as in the file store (its file name): a stream deleted and created again under the
 * same name starts afresh from the starting position.
 */
export interface MultiStreamPollerOptions<T = unknown, N extends CodecNameFor<T> = CodecNameFor<T>>
  extends Omit<
    PollerOptions<T, N>,
    | 'streamArn'
    | 'streams'
    | 'handler'
    | 'assumeRole'
    | 'consumerArn'
    | 'kinesisClient'
    | 'subscribeClient'
    | 'coordinator'
  > {
  /** The streams to read: at least one, each ARN once. */
  readonly streams: readonly StreamOptions<T, N>[];
  /** Not with `streams`: each stream's ARN is in its entry. */
  readonly streamArn?: undefined;
  /** The handler of the streams that give none of their own (required unless every stream gives one). */
  readonly handler?: Handler<RecordDataFor<T, N>> | MarkedLambdaHandler;
  /** What happens when one stream fails for good (default `'continue'`): see {@link StreamFailurePolicy}. */
  readonly onStreamFailure?: StreamFailurePolicy;
}

/** One stream of a poller of several streams, as `status().streams` reports it. */
export interface StreamStatus {
  /** The stream, as `streams[]` named it. */
  readonly streamArn: string;
  /** The key its checkpoints are kept under (`<streamArn>:<creation epoch seconds>`), once started. */
  readonly checkpointKey?: string;
  /** Its own lifecycle: `running` while read; `failed` once it failed for good (see {@link StreamFailurePolicy}). */
  readonly state: PollerState;
  /** Why it failed, described (when `failed`). */
  readonly error?: string;
  /** The error's code, when it has one (e.g. `STREAM_NOT_FOUND`, `ACCESS_DENIED`). */
  readonly errorCode?: string;
  /** The shards of the stream being read now. */
  readonly shards: number;
}
