import { kinesisRecords, type StreamRecord } from '@streamshare/core';
import type { KinesisRecords, RejectedRecord } from '@streamshare/core/internal';

export const STREAM_ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
export const SHARD = 'shardId-000000000000';
const BASE = 49649683864473953433843496278632352517587667908684677122n;
const encoder = new TextEncoder();

/** Sequence number of the i-th record of a test batch. */
export function seq(i: number): string {
  return String(BASE + BigInt(i) * 1000n);
}

/** A plain record `i` with a JSON payload `{ i }` (or the given bytes / text). */
export function record(
  i: number,
  options: { key?: string; data?: Uint8Array | string } = {},
): StreamRecord<Uint8Array> {
  const data = options.data ?? JSON.stringify({ i });
  return {
    streamArn: STREAM_ARN,
    shardId: SHARD,
    partitionKey: options.key ?? `key-${i}`,
    sequenceNumber: seq(i),
    approximateArrivalTimestamp: new Date(1709100911667),
    data: typeof data === 'string' ? encoder.encode(data) : data,
  };
}

/** `n` records with keys from `keyOf` (default: all different). */
export function records(n: number, keyOf: (i: number) => string = (i) => `key-${i}`): StreamRecord<Uint8Array>[] {
  return Array.from({ length: n }, (_, i) => record(i, { key: keyOf(i) }));
}

/** A rejected input at position i (as a transport makes for data that is not base64). */
export function rejected(i: number, error: unknown): RejectedRecord {
  return { kind: 'rejected', record: { ...record(i), data: new Uint8Array() }, error };
}

/** The `i` of a decoded record `{ i }`. */
export function idOf(r: StreamRecord<unknown>): number {
  return (r.data as { i: number }).i;
}

/** The records as those of a GetRecords page (the SDK's fields), read through `kinesisRecords`. */
export function pageOf(batch: readonly StreamRecord<Uint8Array>[]): KinesisRecords {
  const page = batch.map((r) => ({
    SequenceNumber: r.sequenceNumber,
    PartitionKey: r.partitionKey,
    ApproximateArrivalTimestamp: r.approximateArrivalTimestamp,
    Data: r.data,
  }));
  return kinesisRecords(page, { streamArn: STREAM_ARN, shardId: SHARD });
}
