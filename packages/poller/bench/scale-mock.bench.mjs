// Scale on kinesis-mock, cross-account (issue 15): a stream of SHARDS shards in the producer account,
// one record put on every shard (by ExplicitHashKey), read by the consumer account by ARN. Time until
// a record came from every shard: the poller (its default client, file checkpoints) against a bare
// SDK loop (ListShards paged by ExclusiveStartShardId, then per shard GetShardIterator TRIM_HORIZON
// and GetRecords, 1 s after an empty page; one socket per shard, 5 s connection timeout). Target:
// the poller within 1.5 × the bare loop's time, no queue timeouts.
// Env: BENCH_SCALE_MOCK_SHARDS (default 100; the figure is at 1000: a heavy run).

import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createStream, putRecords } from '@streamshare/testkit';
import { createPoller } from '../dist/index.js';
import { bound, CONSUMER_ACCOUNT, round, sleep, startEmulator } from './lib/kinesis-setup.mjs';

const SHARDS = Number(process.env.BENCH_SCALE_MOCK_SHARDS ?? 100);
const isQueueTimeout = (text) => /did not establish a connection/.test(text);

async function listShards(client, arn) {
  const shards = [];
  let after;
  for (;;) {
    const out = await client.send(
      new ListShardsCommand({ StreamARN: arn, ...(after ? { ExclusiveStartShardId: after } : {}) }),
    );
    shards.push(...(out.Shards ?? []));
    after = out.Shards?.at(-1)?.ShardId;
    if (!out.NextToken || !after) return shards;
  }
}

const { mock, producer } = await startEmulator();
const dir = mkdtempSync(join(tmpdir(), 'streamshare-bench-'));
try {
  const arn = await createStream(producer, `bench-scale-${Date.now()}`, SHARDS);
  const shards = await listShards(producer, arn);
  await putRecords(
    producer,
    arn,
    shards.map((shard, i) => ({
      data: JSON.stringify({ i }),
      partitionKey: `k${i}`,
      explicitHashKey: shard.HashKeyRange.StartingHashKey,
    })),
  );

  // The bare loop.
  let bareTimeouts = 0;
  const client = new KinesisClient({
    endpoint: mock.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: CONSUMER_ACCOUNT, secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: new Agent({ keepAlive: true, maxSockets: SHARDS }),
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
    }),
  });
  const call = async (command) => {
    for (;;) {
      try {
        return await client.send(command);
      } catch (error) {
        if (isQueueTimeout(error instanceof Error ? error.message : '')) bareTimeouts++;
        await sleep(100);
      }
    }
  };
  let started = performance.now();
  const listed = await listShards(client, arn);
  await Promise.race([
    Promise.all(
      listed.map(async ({ ShardId }) => {
        let iterator = (
          await call(new GetShardIteratorCommand({ StreamARN: arn, ShardId, ShardIteratorType: 'TRIM_HORIZON' }))
        ).ShardIterator;
        for (;;) {
          const page = await call(new GetRecordsCommand({ StreamARN: arn, ShardIterator: iterator, Limit: 10_000 }));
          if ((page.Records ?? []).length > 0) return;
          iterator = page.NextShardIterator;
          await sleep(1_000);
        }
      }),
    ),
    bound(600_000, 'bare loop'),
  ]);
  const bareSeconds = (performance.now() - started) / 1000;
  client.destroy();

  // The poller.
  let pollerTimeouts = 0;
  const seen = new Set();
  let finish;
  const all = new Promise((resolve) => {
    finish = resolve;
  });
  const poller = createPoller({
    streamArn: arn,
    checkpointDir: dir,
    codec: 'json',
    handler: (record) => {
      seen.add(record.shardId);
      if (seen.size === SHARDS) finish();
    },
    observer: {
      onRetry: (_shard, _action, error) => {
        const text = `${error instanceof Error ? error.message : ''} ${error instanceof Error && error.cause instanceof Error ? error.cause.message : ''}`;
        if (isQueueTimeout(text)) pollerTimeouts++;
      },
    },
  });
  started = performance.now();
  await poller.start();
  await Promise.race([all, bound(600_000, 'poller')]);
  const pollerSeconds = (performance.now() - started) / 1000;
  await poller.stop();
  console.log(
    JSON.stringify({
      bench: 'poller-scale-kinesis-mock',
      shards: SHARDS,
      crossAccount: true,
      recordFromEveryShardSeconds: { bare: round(bareSeconds), poller: round(pollerSeconds) },
      pollerOverBare: round(pollerSeconds / bareSeconds),
      target: '≤ 1.5',
      timeouts: { bare: bareTimeouts, poller: pollerTimeouts },
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  producer.destroy();
  await mock.stop();
}
