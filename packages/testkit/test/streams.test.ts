import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import {
  createStream,
  kinesisClient,
  PRODUCER_ACCOUNT,
  putRecords,
  startFaultProxy,
  streamArnOf,
} from '@streamshare/testkit';
import { describe, expect, inject, it } from 'vitest';

const endpoint = inject('kinesisEndpoint');

async function readShard(streamArn: string, shardId: string): Promise<string[]> {
  const client = kinesisClient({ endpoint, account: PRODUCER_ACCOUNT });
  let iterator = (
    await client.send(
      new GetShardIteratorCommand({ StreamARN: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    )
  ).ShardIterator;
  const out: string[] = [];
  for (;;) {
    const page = await client.send(
      new GetRecordsCommand({ StreamARN: streamArn, ShardIterator: iterator, Limit: 10_000 }),
    );
    out.push(...(page.Records ?? []).map((r) => new TextDecoder().decode(r.Data)));
    if ((page.Records ?? []).length === 0 || page.MillisBehindLatest === 0) return out;
    iterator = page.NextShardIterator;
  }
}

describe('createStream / putRecords', () => {
  it('creates an ACTIVE stream and writes more than one chunk, reporting where each record went', async () => {
    const client = kinesisClient({ endpoint, account: PRODUCER_ACCOUNT });
    const name = `chunks-${Date.now()}`;
    const arn = await createStream(client, name, 2);
    expect(arn).toBe(streamArnOf(PRODUCER_ACCOUNT, name));
    const records = Array.from({ length: 120 }, (_, i) => ({ data: `r${i}`, partitionKey: `k${i % 7}` }));
    const results = await putRecords(client, arn, records, { chunkSize: 50 });
    expect(results).toHaveLength(120);
    const shards = (await client.send(new ListShardsCommand({ StreamARN: arn }))).Shards!.map((s) => s.ShardId!);
    const stored = (await Promise.all(shards.map((id) => readShard(arn, id)))).flat();
    expect(stored.sort()).toEqual(records.map((r) => r.data).sort());
    // Within a shard, records of one key keep their input order when nothing failed.
    for (const shard of shards) {
      const mine = results.map((r, i) => ({ ...r, i })).filter((r) => r.shardId === shard);
      const seqs = mine.map((r) => BigInt(r.sequenceNumber));
      expect([...seqs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(seqs);
    }
  });

  it('re-sends only the entries that failed inside a PutRecords call', async () => {
    const client = kinesisClient({ endpoint, account: PRODUCER_ACCOUNT });
    const arn = await createStream(client, `partial-${Date.now()}`, 1);
    const proxy = await startFaultProxy({
      target: endpoint,
      rules: [{ actions: 'PutRecords', fault: 'partial-failure', entryFailureRate: 0.5, count: 2 }],
    });
    try {
      const viaProxy = kinesisClient({ endpoint: proxy.endpoint, account: PRODUCER_ACCOUNT });
      const records = Array.from({ length: 30 }, (_, i) => ({ data: `p${i}`, partitionKey: 'one-key' }));
      const results = await putRecords(viaProxy, arn, records);
      expect(results.every((r) => r.shardId === 'shardId-000000000000')).toBe(true);
      expect(proxy.stats.injected['partial-failure']).toBe(2);
      expect(proxy.stats.byAction.PutRecords?.requests).toBe(3);
      const stored = await readShard(arn, 'shardId-000000000000');
      expect(stored.sort()).toEqual(records.map((r) => r.data).sort());
      expect(new Set(stored).size).toBe(30);
    } finally {
      await proxy.stop();
    }
  });

  it('gives up with an error naming the stream once entries keep failing', async () => {
    const client = kinesisClient({ endpoint, account: PRODUCER_ACCOUNT });
    const arn = await createStream(client, `stuck-${Date.now()}`, 1);
    const proxy = await startFaultProxy({
      target: endpoint,
      rules: [{ actions: 'PutRecords', fault: 'partial-failure', entryFailureRate: 1 }],
    });
    try {
      const viaProxy = kinesisClient({ endpoint: proxy.endpoint, account: PRODUCER_ACCOUNT });
      await expect(putRecords(viaProxy, arn, [{ data: 'x', partitionKey: 'k' }], { maxRounds: 3 })).rejects.toThrow(
        `1 record(s) still failed after 3 rounds on ${arn} (last: ProvisionedThroughputExceededException`,
      );
    } finally {
      await proxy.stop();
    }
  });
});
