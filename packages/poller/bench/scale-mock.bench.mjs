// Scale on kinesis-mock, cross-account (issue 15): a stream of SHARDS shards in the producer account,
// one record put on every shard (by ExplicitHashKey), read by the consumer account by ARN. Time until
// a record came from every shard: the poller (its default client, file checkpoints) against a bare
// SDK loop (ListShards paged by ExclusiveStartShardId, then per shard GetShardIterator TRIM_HORIZON
// and GetRecords, at most 5 a second, 1 s after an empty page; one socket per shard, 5 s connection
// timeout). Target: the poller within 1.5 × the bare loop's time, no queue timeouts.
// The bare loop stops reading a shard at its first record (the loop), which no consumer can
// do: the poller reads on, and on kinesis-mock, which answers a few dozen calls a second on a shared
// machine (a handful at 1,000 shards), those reads take turns with the first reads of the other shards.
// BENCH_SCALE_MOCK_BARE=consumer makes the bare loop read on too (1 s after an empty page).
// Progress lines (every 10 s, stderr): shards with a record, calls, the poller's shard states.
// kinesis-mock itself is not slower at 1,000 shards (single calls 12-25 ms as at 10 shards, a stream
// of 1,000 shards ACTIVE within a second with the testkit's 10 ms state changes, 50-170 calls/s from
// 50 to 1,000 concurrent requests); it is one Node process whose rate follows the CPU it gets, so the
// JSON line gives, per phase, the load average and the CPU seconds kinesis-mock used (Linux /proc).
// The poller gives up (and reports how far it got) after 4 × the bare loop's time, at least 2 minutes.
// Env: BENCH_SCALE_MOCK_SHARDS (default 100; the figure is at 1000: a heavy run, 2-5 minutes),
// BENCH_SCALE_MOCK_POLLER_OPTIONS (JSON merged into the poller's options, e.g. '{"maxRequestsInFlight":50}').

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { putRecords, waitForStreamActive } from '@streamshare/testkit';
import { createPoller } from '../dist/index.js';
import { bound, CONSUMER_ACCOUNT, round, sleep, startEmulator } from './lib/kinesis-setup.mjs';

const SHARDS = Number(process.env.BENCH_SCALE_MOCK_SHARDS ?? 100);
const BARE_STOPS_AT_FIRST_RECORD = process.env.BENCH_SCALE_MOCK_BARE !== 'consumer';
const isQueueTimeout = (text) => /did not establish a connection/.test(text);
const benchStarted = performance.now();
/** A progress line on stderr (every 10 s while a consumer runs): how many shards gave a record so far. */
const progress = (phase, shardsWithARecord, details) =>
  process.stderr.write(
    `${JSON.stringify({ t: round((performance.now() - benchStarted) / 1000), phase, shardsWithARecord, ...details })}\n`,
  );

/** CPU seconds process `pid` used so far (user + system, Linux /proc at 100 ticks a second), undefined elsewhere. */
function cpuSecondsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
/** What a phase cost the machine: the 1-minute load average at its end and kinesis-mock's CPU seconds in it. */
function phaseCost(pid, cpuAtStart) {
  const cpu = cpuSecondsOf(pid);
  return {
    loadAverage: round(loadavg()[0]),
    mockCpuSeconds: cpu === undefined || cpuAtStart === undefined ? undefined : round(cpu - cpuAtStart),
  };
}

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
  // kinesis-mock builds a stream of 1,000 shards slowly: wait up to 10 minutes for it to be ACTIVE.
  const name = `bench-scale-${Date.now()}`;
  const creating = performance.now();
  await producer.send(new CreateStreamCommand({ StreamName: name, ShardCount: SHARDS }));
  const arn = await waitForStreamActive(producer, { streamName: name }, 600_000);
  const createSeconds = (performance.now() - creating) / 1000;
  progress('created', 0, { seconds: round(createSeconds) });
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
  const bareCalls = { GetShardIterator: 0, GetRecords: 0, errors: 0 };
  const bareSeen = new Set();
  const call = async (command) => {
    for (;;) {
      try {
        bareCalls[command.constructor.name.replace('Command', '')]++;
        return await client.send(command);
      } catch (error) {
        bareCalls.errors++;
        if (isQueueTimeout(error instanceof Error ? error.message : '')) bareTimeouts++;
        await sleep(100);
      }
    }
  };
  let started = performance.now();
  let mockCpu = cpuSecondsOf(mock.pid);
  let timeline = setInterval(() => progress('bare', bareSeen.size, { ...bareCalls }), 10_000);
  const listed = await listShards(client, arn);
  let bareDone;
  const bareAll = new Promise((resolve) => {
    bareDone = resolve;
  });
  const loops = listed.map(async ({ ShardId }) => {
    let iterator = (
      await call(new GetShardIteratorCommand({ StreamARN: arn, ShardId, ShardIteratorType: 'TRIM_HORIZON' }))
    ).ShardIterator;
    let last = 0;
    while (bareSeen.size < SHARDS) {
      const wait = last + 200 - performance.now();
      if (wait > 0) await sleep(wait);
      last = performance.now();
      const page = await call(new GetRecordsCommand({ StreamARN: arn, ShardIterator: iterator, Limit: 10_000 }));
      iterator = page.NextShardIterator;
      if ((page.Records ?? []).length > 0) {
        bareSeen.add(ShardId);
        if (bareSeen.size === SHARDS) bareDone();
        if (BARE_STOPS_AT_FIRST_RECORD) return;
      } else await sleep(1_000);
    }
  });
  await Promise.race([bareAll, bound(900_000, 'bare loop')]);
  const bareSeconds = (performance.now() - started) / 1000;
  const bareCost = phaseCost(mock.pid, mockCpu);
  await Promise.allSettled(loops);
  clearInterval(timeline);
  client.destroy();
  progress('bare done', bareSeen.size, { seconds: round(bareSeconds), ...bareCalls });

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
      onGetRecords: () => pollerCalls.GetRecords++,
      onShardStarted: () => pollerCalls.readersStarted++,
      onRetry: (_shard, action, error) => {
        pollerCalls.retries[action] = (pollerCalls.retries[action] ?? 0) + 1;
        const text = `${error instanceof Error ? error.message : ''} ${error instanceof Error && error.cause instanceof Error ? error.cause.message : ''}`;
        if (isQueueTimeout(text)) pollerTimeouts++;
        else pollerCalls.errorSample ??= text.slice(0, 200);
      },
    },
    ...JSON.parse(process.env.BENCH_SCALE_MOCK_POLLER_OPTIONS ?? '{}'),
  });
  const pollerCalls = { GetRecords: 0, readersStarted: 0, retries: {}, errorSample: undefined };
  const states = () => {
    const count = {};
    for (const shard of poller.status().shards) count[shard.state] = (count[shard.state] ?? 0) + 1;
    return count;
  };
  started = performance.now();
  mockCpu = cpuSecondsOf(mock.pid);
  timeline = setInterval(() => progress('poller', seen.size, { ...pollerCalls, states: states() }), 10_000);
  await poller.start();
  const startSeconds = (performance.now() - started) / 1000;
  progress('poller started', seen.size, { seconds: round(startSeconds), states: states() });
  // Not bounded by a rejection: a poller that takes too long is reported (with how far it got).
  let giveUp;
  const finished = await Promise.race([
    all.then(() => true),
    new Promise((resolve) => {
      giveUp = setTimeout(() => resolve(false), Math.max(120_000, 4 * bareSeconds * 1000));
    }),
  ]);
  clearTimeout(giveUp);
  const pollerSeconds = (performance.now() - started) / 1000;
  const pollerCost = phaseCost(mock.pid, mockCpu);
  clearInterval(timeline);
  const pollerSeen = seen.size;
  await poller.stop();
  console.log(
    JSON.stringify({
      bench: 'poller-scale-kinesis-mock',
      shards: SHARDS,
      crossAccount: true,
      pollerOptions: JSON.parse(process.env.BENCH_SCALE_MOCK_POLLER_OPTIONS ?? '{}'),
      bareLoop: BARE_STOPS_AT_FIRST_RECORD ? 'stops a shard at its first record' : 'reads on, as a consumer',
      createSeconds: round(createSeconds),
      recordFromEveryShardSeconds: { bare: round(bareSeconds), poller: finished ? round(pollerSeconds) : undefined },
      ...(finished ? {} : { pollerGaveUpAfterSeconds: round(pollerSeconds), pollerShardsWithARecord: pollerSeen }),
      pollerStartSeconds: round(startSeconds),
      pollerOverBare: finished ? round(pollerSeconds / bareSeconds) : undefined,
      target: '≤ 1.5',
      timeouts: { bare: bareTimeouts, poller: pollerTimeouts },
      calls: { bare: bareCalls.GetShardIterator + bareCalls.GetRecords, pollerGetRecords: pollerCalls.GetRecords },
      machine: { bare: bareCost, poller: pollerCost },
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  producer.destroy();
  await mock.stop();
}
