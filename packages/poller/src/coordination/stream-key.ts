import { InvalidInputError } from '@streamshare/core';
import { callWithRetries } from '../calls/call-with-retries.js';
import type { StreamCallOptions } from '../clients/stream-call-options.js';
import { DescribeStreamSummaryCommand } from '../deps/commonjs.cjs';

/**
 * The key a stream's checkpoints are kept under when a poller reads several streams
 * (`createPoller({ streams })`): its ARN, a colon and its creation time in epoch seconds
 * (DescribeStreamSummary's `StreamCreationTimestamp`), e.g.
 * `arn:aws:kinesis:us-east-1:999900009999:stream/orders:1709100000`.
 *
 * - The creation time: a stream deleted and created again under the same name is another stream
 *   (its shard ids start again at `shardId-000000000000`), so it must not inherit the checkpoints of
 *   the old one; its key differs, and it starts from the starting position.
 * - The whole ARN rather than the KCL's `account:stream:creationEpoch`: the ARN holds the partition
 *   and the region, so two streams of one name in two regions of one account (which the KCL's key
 *   mixes up) get two keys, and a lease item still names its stream in the form every tool and IAM
 *   policy uses. The creation time is in epoch seconds, as the KCL's, so that one can be read from
 *   the other.
 * - A stream name holds no colon (`[a-zA-Z0-9_.-]+`), so the key is read back without doubt
 *   ({@link parseStreamKey}).
 *
 * The key is a lease table item's partition key (`streamArn` attribute) and the stream the file
 * store names its file after (core's `checkpointFileName`: `<region>.<account>.<name>_<epoch>.<hash>.json`).
 * A poller of one stream keeps the stream ARN alone as its key, as it always did.
 */
export function streamKey(streamArn: string, createdAt: Date): string {
  const epochSeconds = Math.floor(createdAt.getTime() / 1000);
  if (!Number.isFinite(epochSeconds) || epochSeconds < 0) {
    throw new InvalidInputError(
      'INVALID_INPUT',
      `the creation time of stream ${streamArn} is not a valid time: ${String(createdAt)}`,
    );
  }
  return `${streamArn}:${epochSeconds}`;
}

/** Stream key: the ARN of a stream (name without colon), a colon, epoch seconds. */
const STREAM_KEY = /^(arn:[^:]+:kinesis:[^:]*:\d*:stream\/[^:/]+):(\d+)$/;

/**
 * The stream ARN and creation time (epoch seconds) of a {@link streamKey}; `undefined` for anything
 * else (the key of a single-stream poller is the plain ARN). Pure.
 */
export function parseStreamKey(key: string): { readonly streamArn: string; readonly epochSeconds: number } | undefined {
  const match = STREAM_KEY.exec(key);
  if (match === null) return undefined;
  return { streamArn: match[1]!, epochSeconds: Number(match[2]) };
}

/** Options of {@link resolveStreamKey}. */
export type ResolveStreamKeyOptions = StreamCallOptions;

/**
 * The {@link streamKey} of a stream: one DescribeStreamSummary by StreamARN (one of the five actions a
 * producer's resource policy grants), throttling and transient failures retried; AccessDenied,
 * stream not found and the like are thrown typed (as every Kinesis call of the poller).
 */
export async function resolveStreamKey(options: ResolveStreamKeyOptions): Promise<string> {
  const { client, streamArn, region, principal, logger, signal } = options;
  const output = await callWithRetries(
    (abortSignal) => client.send(new DescribeStreamSummaryCommand({ StreamARN: streamArn }), { abortSignal }),
    { context: { action: 'DescribeStreamSummary', streamArn, region, principal }, logger, signal, attempts: 4 },
  );
  const created = output.StreamDescriptionSummary?.StreamCreationTimestamp;
  if (!(created instanceof Date)) {
    throw new InvalidInputError(
      'INVALID_INPUT',
      `DescribeStreamSummary of ${streamArn} gave no StreamCreationTimestamp: the stream's checkpoint key cannot be made`,
    );
  }
  return streamKey(streamArn, created);
}
