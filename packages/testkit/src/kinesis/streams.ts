import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Which stream a helper acts on: its ARN (cross-account safe) or, in the client's own account, its name. */
export type StreamRef = { readonly streamArn: string } | { readonly streamName: string };

function refParams(ref: StreamRef | string): { StreamARN?: string; StreamName?: string } {
  if (typeof ref === 'string') return ref.startsWith('arn:') ? { StreamARN: ref } : { StreamName: ref };
  return 'streamArn' in ref ? { StreamARN: ref.streamArn } : { StreamName: ref.streamName };
}

/**
 * Polls DescribeStreamSummary until the stream is ACTIVE (after creation or a reshard) and
 * returns its ARN. `stream` is an ARN or a name in the client's account.
 */
export async function waitForStreamActive(
  client: KinesisClient,
  stream: StreamRef | string,
  timeoutMs = 30_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let status: string | undefined;
  for (;;) {
    const { StreamDescriptionSummary: summary } = await client.send(
      new DescribeStreamSummaryCommand(refParams(stream)),
    );
    status = summary?.StreamStatus;
    if (status === 'ACTIVE' && summary?.StreamARN) return summary.StreamARN;
    if (Date.now() > deadline) {
      throw new Error(`stream ${JSON.stringify(stream)} is still ${status} after ${timeoutMs} ms`);
    }
    await sleep(20);
  }
}

/**
 * Creates a provisioned stream with `shards` shards in the client's account, waits until it is
 * ACTIVE and returns its ARN.
 */
export async function createStream(client: KinesisClient, name: string, shards: number): Promise<string> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  return waitForStreamActive(client, { streamName: name });
}

/** One record for {@link putRecords}. A string `data` is sent as its UTF-8 bytes. */
export interface PutRecordInput {
  readonly data: Uint8Array | string;
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
}

/** Where {@link putRecords} stored one record, in input order. */
export interface PutRecordResult {
  readonly shardId: string;
  readonly sequenceNumber: string;
}

/** Options of {@link putRecords}. */
export interface PutRecordsOptions {
  /** Rounds of re-sending only the failed entries before giving up. Default 20. */
  readonly maxRounds?: number;
  /** Records per PutRecords call. Default 500 (the API maximum). */
  readonly chunkSize?: number;
}

/**
 * Writes records with PutRecords (by StreamARN), in chunks of 500 and in order of chunks. Entries
 * that fail inside a successful call (FailedRecordCount, e.g. throttling) are re-sent alone with
 * a growing pause; the call throws once an entry still fails after `maxRounds`. Returns where each
 * record went, in input order. Note that a re-sent entry lands after the chunk's other entries
 * of its shard, so with failures the per-key order may differ from the input order.
 */
export async function putRecords(
  client: KinesisClient,
  streamArn: string,
  records: readonly PutRecordInput[],
  options: PutRecordsOptions = {},
): Promise<PutRecordResult[]> {
  const chunkSize = options.chunkSize ?? 500;
  const maxRounds = options.maxRounds ?? 20;
  const results: PutRecordResult[] = new Array(records.length);
  for (let start = 0; start < records.length; start += chunkSize) {
    let pending = records.slice(start, start + chunkSize).map((record, i) => ({ index: start + i, record }));
    for (let round = 1; pending.length > 0; round++) {
      const entries: PutRecordsRequestEntry[] = pending.map(({ record }) => ({
        Data: typeof record.data === 'string' ? new TextEncoder().encode(record.data) : record.data,
        PartitionKey: record.partitionKey,
        ExplicitHashKey: record.explicitHashKey,
      }));
      const output = await client.send(new PutRecordsCommand({ StreamARN: streamArn, Records: entries }));
      const failed: typeof pending = [];
      let lastError = '';
      pending.forEach((item, i) => {
        const entry = output.Records?.[i];
        if (entry?.SequenceNumber && entry.ShardId && !entry.ErrorCode) {
          results[item.index] = { shardId: entry.ShardId, sequenceNumber: entry.SequenceNumber };
        } else {
          failed.push(item);
          lastError = `${entry?.ErrorCode ?? 'no result'}: ${entry?.ErrorMessage ?? ''}`;
        }
      });
      if (failed.length > 0 && round >= maxRounds) {
        throw new Error(
          `putRecords: ${failed.length} record(s) still failed after ${round} rounds on ${streamArn} (last: ${lastError})`,
        );
      }
      pending = failed;
      if (failed.length > 0) await sleep(Math.min(1000, 20 * 2 ** round));
    }
  }
  return results;
}
