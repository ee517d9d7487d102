// Enhanced fan-out drain: time and CPU to drain a backlog through SubscribeToShard with the poller
// (createPoller({ consumerArn }), no-op handler, json codec, file checkpoints) and with a bare SDK
// loop over the same server, same run. Target: the poller at least 0.9 times the bare loop's speed.
//
// The bare loop is the least a consumer has to do: ListShards, then per shard the real SDK
// SubscribeToShardCommand over NodeHttp2Handler from TRIM_HORIZON, `for await` over its events,
// JSON.parse of each record (the poller's json codec does the same), subscribing again from the
// last ContinuationSequenceNumber should the stream end, and aborting the request once its records
// are in (breaking out of `for await` would leave the HTTP/2 stream open).
//
// The events come from testkit's subscribe server in its `generate` mode (a backlog made in memory:
// kinesis-mock fills at a few hundred records per second), run in a child process of its own, so
// this process's CPU time is the client's alone: the SDK's event-stream decoding and JSON parsing,
// and, for the poller, its record path and checkpoints. kinesis-mock answers ListShards only. The
// ratio is taken on CPU time (the machine is shared; wall time is reported beside it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListShardsCommand, RegisterStreamConsumerCommand, SubscribeToShardCommand } from '@aws-sdk/client-kinesis';
import { MemoryCheckpointStore } from '@streamshare/core';
import { CONSUMER_ACCOUNT, createStream, kinesisHttp2Client } from '@streamshare/testkit';
import { createPoller } from '../dist/index.js';
import { startEfoServer } from './lib/efo-server.mjs';
import { bound, round, startEmulator } from './lib/kinesis-setup.mjs';

const SHARDS = 4;
const EVENTS = Number(process.env.BENCH_EFO_EVENTS ?? 100);
const PER_EVENT = Number(process.env.BENCH_EFO_RECORDS_PER_EVENT ?? 100);
const ROUNDS = Number(process.env.BENCH_EFO_ROUNDS ?? 4);
/** `memory`: the poller keeps its checkpoints in a MemoryCheckpointStore (to see the file store's share). */
const CHECKPOINTS = process.env.BENCH_EFO_CHECKPOINTS ?? 'file';
const RECORD_BYTES = 1024;
const PER_SHARD = EVENTS * PER_EVENT;
const TOTAL = SHARDS * PER_SHARD;

const { mock, producer } = await startEmulator();
const server = await startEfoServer({
  kinesisEndpoint: mock.endpoint,
  defaultScript: { kind: 'generate', events: EVENTS, recordsPerEvent: PER_EVENT, recordBytes: RECORD_BYTES },
});
try {
  const streamArn = await createStream(producer, `bench-efo-drain-${Date.now()}`, SHARDS);
  const registered = await producer.send(
    new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'bench' }),
  );
  const consumerArn = registered.Consumer.ConsumerARN;

  /** Wall seconds and CPU seconds (user + system) of this process for `run`. */
  async function measured(run) {
    globalThis.gc?.();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const extra = await run();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return { seconds, cpuSeconds: (used.user + used.system) / 1e6, ...extra };
  }

  async function bare() {
    const client = kinesisHttp2Client({ endpoint: server.endpoint, account: CONSUMER_ACCOUNT });
    const decoder = new TextDecoder();
    let subscriptions = 0;
    const result = await measured(async () => {
      const listed = await client.send(new ListShardsCommand({ StreamARN: streamArn }));
      const shardIds = listed.Shards.map((shard) => shard.ShardId);
      if (shardIds.length !== SHARDS) throw new Error(`ListShards: expected ${SHARDS} shards`);
      await Promise.all(
        shardIds.map(async (shardId) => {
          let n = 0;
          let start = { Type: 'TRIM_HORIZON' };
          while (n < PER_SHARD) {
            const request = new AbortController();
            subscriptions++;
            try {
              const output = await client.send(
                new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: start }),
                { abortSignal: request.signal },
              );
              for await (const item of output.EventStream) {
                const event = item.SubscribeToShardEvent;
                if (event === undefined) continue;
                for (const r of event.Records) if (JSON.parse(decoder.decode(r.Data)).pad.length >= 0) n++;
                start = { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: event.ContinuationSequenceNumber };
                if (n >= PER_SHARD) break;
              }
            } finally {
              request.abort();
            }
          }
        }),
      );
    });
    client.destroy();
    return { ...result, subscriptions };
  }

  async function poller() {
    const dir = mkdtempSync(join(tmpdir(), 'streamshare-bench-'));
    const client = kinesisHttp2Client({ endpoint: server.endpoint, account: CONSUMER_ACCOUNT });
    let n = 0;
    let events = 0;
    let finish;
    const all = new Promise((resolve) => {
      finish = resolve;
    });
    const p = createPoller({
      streamArn,
      consumerArn,
      kinesisClient: client,
      ...(CHECKPOINTS === 'memory' ? { checkpointStore: new MemoryCheckpointStore() } : { checkpointDir: dir }),
      codec: 'json',
      observer: { onGetRecords: () => events++ },
      handler: () => {
        if (++n === TOTAL) finish();
      },
    });
    const result = await measured(async () => {
      await p.start();
      await Promise.race([all, bound(90_000, 'poller drain')]);
    });
    await p.stop();
    client.destroy();
    rmSync(dir, { recursive: true, force: true });
    return { ...result, events };
  }

  const mode = process.env.PROBE_MODE ?? 'poller';
  const runs = [];
  for (let i = 0; i < 6; i++) runs.push(mode === 'bare' ? await bare() : await poller());
  console.log(mode, runs.map((r) => r.cpuSeconds.toFixed(3)).join(' '));
} finally {
  await server.close();
  producer.destroy();
  await mock.stop();
}
