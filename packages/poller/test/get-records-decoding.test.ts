// The poller decodes GetRecords responses itself (wire/records-response.ts): over kinesis-mock, the
// page it gets is the AWS SDK's own, field for field and byte for byte (small pages parsed whole,
// large ones a record at a time), with and without the response slice; an error response keeps the
// SDK's modeled exception.
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { putRecords } from '@streamshare/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoopSlices } from '../src/scheduling/loop-slices.js';
import { sliceResponse } from '../src/scheduling/response-slice.js';
import { decodeRecordsResponse } from '../src/wire/records-response.js';
import { consumerClient, deleteProducerStream, producerClient, producerStream } from './helpers/engine-env.js';

let streamArn: string;
let client: KinesisClient;
const shardId = 'shardId-000000000000';

beforeAll(async () => {
  streamArn = await producerStream('get-records-decoding', 1);
  // 80 records of about 1.5 KiB of every byte value, keys with quotes, backslashes and non-BMP text:
  // one page of about 170 KB of JSON (over the 64 KiB parsed whole).
  await putRecords(
    producerClient(),
    streamArn,
    Array.from({ length: 80 }, (_, i) => {
      const data = Buffer.alloc(1500 + i);
      for (let j = 0; j < data.length; j++) data[j] = (j * 7 + i) & 0xff;
      return { data: new Uint8Array(data), partitionKey: `k"${i}\\\u00e9\ud83d\ude00` };
    }),
  );
  client = consumerClient();
}, 120_000);
afterAll(async () => {
  client?.destroy();
  if (streamArn) await deleteProducerStream(streamArn);
});

async function iterator(): Promise<string> {
  const out = await client.send(
    new GetShardIteratorCommand({ StreamARN: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
  );
  return out.ShardIterator ?? '';
}

/** What a comparison looks at of a page (the iterator is a new one each call on kinesis-mock: its presence only). */
function summary(page: Awaited<ReturnType<KinesisClient['send']>> & Record<string, unknown>) {
  const records = (page.Records ?? []) as {
    Data?: Uint8Array;
    PartitionKey?: string;
    SequenceNumber?: string;
    ApproximateArrivalTimestamp?: Date;
    EncryptionType?: string;
  }[];
  return {
    keys: Object.keys(page)
      .filter((k) => k !== '$metadata' && k !== 'NextShardIterator')
      .sort(),
    httpStatus: (page.$metadata as { httpStatusCode?: number }).httpStatusCode,
    next: typeof page.NextShardIterator,
    behind: page.MillisBehindLatest,
    children: page.ChildShards,
    records: records.map((r) => ({
      data: Buffer.from(r.Data ?? []).toString('hex'),
      uint8: r.Data?.constructor === Uint8Array,
      key: r.PartitionKey,
      sequence: r.SequenceNumber,
      arrival: r.ApproximateArrivalTimestamp instanceof Date ? r.ApproximateArrivalTimestamp.getTime() : 'not a Date',
      encryption: r.EncryptionType,
    })),
  };
}

describe("the poller's GetRecords decoding", () => {
  it.each([10, 80])(
    'gives the SDK page, to the byte (Limit %i), with and without the response slice',
    async (limit) => {
      const sdk = await client.send(
        new GetRecordsCommand({ StreamARN: streamArn, ShardIterator: await iterator(), Limit: limit }),
      );
      expect(sdk.Records).toHaveLength(limit);

      const decoded = new GetRecordsCommand({ StreamARN: streamArn, ShardIterator: await iterator(), Limit: limit });
      decodeRecordsResponse(decoded.middlewareStack);
      const ours = await client.send(decoded);

      const sliced = new GetRecordsCommand({ StreamARN: streamArn, ShardIterator: await iterator(), Limit: limit });
      decodeRecordsResponse(sliced.middlewareStack);
      let released = 0;
      sliceResponse(sliced.middlewareStack, { release: () => released++ } as never, new LoopSlices());
      const oursSliced = await client.send(sliced);

      expect(summary(ours as never)).toEqual(summary(sdk as never));
      expect(summary(oursSliced as never)).toEqual(summary(sdk as never));
      expect(released).toBe(1);
    },
  );

  it('an error response keeps the SDK modeled exception', async () => {
    const command = new GetRecordsCommand({ StreamARN: streamArn, ShardIterator: 'not-an-iterator' });
    decodeRecordsResponse(command.middlewareStack);
    const error = await client.send(command).catch((e: unknown) => e);
    const plain = await client
      .send(new GetRecordsCommand({ StreamARN: streamArn, ShardIterator: 'not-an-iterator' }))
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe((plain as Error).name);
    expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(
      (plain as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode,
    );
  });
});
