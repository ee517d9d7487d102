// Scale: a worker with many shards. A local Kinesis HTTP server (lib/kinesis-server.mjs, a process of
// its own, real AWS SDK wire protocol on 127.0.0.1) serves one stream of N open shards, each with a
// backlog of RECORDS × 1 KiB records in pages of PAGE records, then empty pages. Two consumers drain
// it, each in a fresh process:
//
// - bare: a plain AWS SDK loop per shard (GetShardIterator, then GetRecords; at most 5 calls/s per
//   shard as Kinesis allows, 1 s after an empty page as the KCL does; a failed call again after
//   100 ms), with the client settings the poller had by default before issue 15 (HTTP/1.1 keep-alive,
//   5 s connection timeout, 1 attempt) and, by default, one socket per shard (BENCH_SCALE_BARE_SOCKETS,
//   e.g. 50 as the poller had: the agent then queues requests and they time out);
// - poller: `createPoller` with its default client (pointed at the server by AWS_ENDPOINT_URL_KINESIS)
//   and file checkpoints; a record handler that counts.
//
// Per shard count (and added latency), one JSON line: drain time (the last record handled) and
// bare/poller ratio, time until every shard gave a record, GetRecords calls (server side, during the
// drain and per shard per second once idle), "did not establish a connection" timeouts, peak RSS
// (and RSS after a full GC once idle: the cost of the shards without pages in hand),
// event-loop delay p99 (perf_hooks) and the CPU used between two ticks of a 10 ms timer (p99: the
// longest turns of the loop, without the time waited for a core on a busy machine), CPU, and /healthz answer time p99 while draining (probed from
// this process every 50 ms; the bare loop answers a trivial /healthz of the same node:http kind).
//
// Env: BENCH_SCALE_SHARDS (default "64,256,1024"), BENCH_SCALE_LATENCY_MS (default "0"; e.g. "0,100"),
// BENCH_SCALE_RECORDS (per shard, default 200), BENCH_SCALE_PAGE (records per page, default 100),
// BENCH_SCALE_IDLE_MS (idle window after the drain, default 3000), BENCH_SCALE_MODES ("bare,poller"),
// BENCH_SCALE_POLLER_OPTIONS (JSON merged into the poller's options), BENCH_SCALE_POLLER_DIST (the
// poller build to import, default ../dist/index.js), BENCH_SCALE_BARE_SOCKETS (default: one per shard),
// BENCH_SCALE_CPU_PROF (a directory: each consumer process writes a V8 CPU profile there, --cpu-prof),
// BENCH_SCALE_PROBE_MS (period of the /healthz probes, default 50; 0: no probes).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { BENCH_STREAM_ARN, shardIdOf } from './lib/kinesis-server.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const round = (n, digits = 2) => (n === undefined ? undefined : Math.round(n * 10 ** digits) / 10 ** digits);
const list = (text) =>
  text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const percentile = (sorted, p) =>
  sorted.length === 0 ? undefined : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const isQueueTimeout = (text) => /did not establish a connection/.test(text);
/** Period of the /healthz probes while draining (ms); 0: none (to compare CPU without the answers' cost). */
const PROBE_MS = Number(process.env.BENCH_SCALE_PROBE_MS ?? 50);

if (process.argv[2] === 'run') await runConsumer(JSON.parse(process.argv[3]));
else await main();

// ─── the orchestrator ──────────────────────────────────────────────────────────────────────────────

async function main() {
  const shardCounts = list(process.env.BENCH_SCALE_SHARDS ?? '64,256,1024').map(Number);
  const latencies = list(process.env.BENCH_SCALE_LATENCY_MS ?? '0').map(Number);
  const modes = list(process.env.BENCH_SCALE_MODES ?? 'bare,poller');
  const records = Number(process.env.BENCH_SCALE_RECORDS ?? 200);
  const pageRecords = Number(process.env.BENCH_SCALE_PAGE ?? 100);
  const idleMs = Number(process.env.BENCH_SCALE_IDLE_MS ?? 3000);
  const pollerOptions = JSON.parse(process.env.BENCH_SCALE_POLLER_OPTIONS ?? '{}');
  const server = spawn(process.execPath, [join(here, 'lib', 'kinesis-server.mjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise((resolve, reject) => {
      server.stdout.once('data', (chunk) => resolve(JSON.parse(String(chunk)).port));
      server.once('exit', () => reject(new Error('the Kinesis server exited')));
    });
    const endpoint = `http://127.0.0.1:${port}`;
    for (const latencyMs of latencies) {
      for (const shards of shardCounts) {
        const line = {
          bench: 'poller-scale',
          shards,
          latencyMs,
          recordsPerShard: records,
          pageRecords,
          load: loadAverage(),
        };
        for (const mode of modes) {
          await post(endpoint, '/__setup', { shards, records, pageRecords, latencyMs, recordBytes: 1024 });
          line[mode] = await runChild(endpoint, { mode, shards, records, idleMs, latencyMs, pollerOptions });
        }
        if (line.bare?.drainMs && line.poller?.drainMs)
          line.drainRatio = round(line.bare.drainMs / line.poller.drainMs);
        console.log(JSON.stringify(line));
      }
    }
  } finally {
    server.kill();
  }
}

function loadAverage() {
  return loadavg().map((x) => round(x, 1));
}

function post(endpoint, path, body) {
  return httpCall(`${endpoint}${path}`, 'POST', JSON.stringify(body)).then((r) => JSON.parse(r.body));
}

function httpCall(url, method = 'GET', body = undefined, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs one consumer process; probes its /healthz while it drains; adds the server's counts. */
async function runChild(endpoint, config) {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      ...(process.env.BENCH_SCALE_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${resolve(process.env.BENCH_SCALE_CPU_PROF)}`]
        : []),
      fileURLToPath(import.meta.url),
      'run',
      JSON.stringify(config),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        AWS_ENDPOINT_URL_KINESIS: endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    },
  );
  const probes = [];
  let probing;
  let drainedStats;
  let result;
  let buffer = '';
  const lines = (async function* () {
    for await (const chunk of child.stdout) {
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        yield buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
      }
    }
  })();
  for await (const line of lines) {
    if (!line.startsWith('{')) {
      process.stderr.write(`${line}\n`);
      continue;
    }
    const message = JSON.parse(line);
    if (message.healthPort && PROBE_MS > 0) {
      probing = { stop: false };
      probing.done = probe(`http://127.0.0.1:${message.healthPort}/healthz`, probes, probing);
    } else if (message.drained) {
      if (probing) probing.stop = true;
      drainedStats = await httpCall(`${endpoint}/__stats`).then((r) => JSON.parse(r.body));
    } else if (message.result) {
      result = message.result;
    }
  }
  await probing?.done;
  const finalStats = await httpCall(`${endpoint}/__stats`).then((r) => JSON.parse(r.body));
  if (!result) return { error: 'the consumer process gave no result' };
  probes.sort((a, b) => a - b);
  return {
    ...result,
    getRecordsDuringDrain: drainedStats?.GetRecords,
    emptyGetRecordsDuringDrain: drainedStats?.GetRecordsEmpty,
    getShardIterator: finalStats.GetShardIterator,
    listingCalls: finalStats.ListShards + finalStats.DescribeStream,
    healthzProbes: probes.length,
    healthzP99Ms: round(percentile(probes, 99), 1),
    healthzMaxMs: round(probes.at(-1), 1),
  };
}

async function probe(url, probes, state) {
  while (!state.stop) {
    const t = performance.now();
    try {
      await httpCall(url, 'GET', undefined, 5_000);
      probes.push(performance.now() - t);
    } catch {
      probes.push(performance.now() - t);
    }
    await sleep(PROBE_MS);
  }
}

// ─── one consumer (a child process) ───────────────────────────────────────────────────────────────

async function runConsumer(config) {
  const { mode, shards, records } = config;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  const total = shards * records;
  const firstAt = new Map();
  let handled = 0;
  let drained;
  const drainedNow = new Promise((resolve) => {
    drained = resolve;
  });
  const errors = { timeouts: 0, other: 0, sample: undefined };
  let getRecordsCalls = 0;
  let started = 0;
  let firstFromEveryShardMs;
  const onRecord = (shardId) => {
    if (!firstAt.has(shardId)) {
      firstAt.set(shardId, performance.now() - started);
      if (firstAt.size === shards) firstFromEveryShardMs = performance.now() - started;
    }
    handled++;
    if (handled === total) drained(performance.now() - started);
  };
  const onError = (text) => {
    if (isQueueTimeout(text)) errors.timeouts++;
    else {
      errors.other++;
      errors.sample ??= text.slice(0, 200);
    }
  };
  // Modules loaded and servers listening first: the clock starts with the consumer's start.
  const consumer =
    mode === 'bare'
      ? await bareLoop(config, onRecord, onError, () => getRecordsCalls++)
      : await pollerConsumer(config, onRecord, onError, () => getRecordsCalls++);
  globalThis.gc?.();
  const cpu0 = process.cpuUsage();
  const turns = loopTurnCpu();
  lag.enable();
  started = performance.now();
  process.stdout.write(`${JSON.stringify({ healthPort: consumer.healthPort })}\n`);
  await consumer.start();
  const drainMs = await Promise.race([drainedNow, sleep(300_000).then(() => undefined)]);
  const cpuDrain = process.cpuUsage(cpu0);
  const turnCpu = turns.stop();
  const lagP99 = lag.percentile(99) / 1e6;
  const lagMax = lag.max / 1e6;
  process.stdout.write(`${JSON.stringify({ drained: true })}\n`);
  // The idle window: every shard is at its tip.
  const callsBefore = getRecordsCalls;
  const cpu1 = process.cpuUsage();
  await sleep(config.idleMs);
  const cpuIdle = process.cpuUsage(cpu1);
  const idleCalls = getRecordsCalls - callsBefore;
  globalThis.gc?.();
  const settledRssMb = process.memoryUsage().rss / 2 ** 20;
  await consumer.stop();
  lag.disable();
  const cpuMs = (u) => (u.user + u.system) / 1000;
  const result = {
    drainMs: round(drainMs, 0),
    handled,
    firstRecordMs: round(Math.min(...firstAt.values()), 0),
    firstFromEveryShardMs: round(firstFromEveryShardMs, 0),
    timeouts: errors.timeouts,
    otherErrors: errors.other,
    ...(errors.sample ? { errorSample: errors.sample } : {}),
    peakRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
    settledRssMb: round(settledRssMb, 1),
    eventLoopDelayP99Ms: round(lagP99, 1),
    eventLoopDelayMaxMs: round(lagMax, 1),
    loopTurnCpuP99Ms: round(percentile(turnCpu, 99), 1),
    loopTurnCpuMaxMs: round(turnCpu.at(-1), 1),
    cpuDrainMs: round(cpuMs(cpuDrain), 0),
    idleCpuPercent: round((cpuMs(cpuIdle) / config.idleMs) * 100, 1),
    idleReadsPerShardPerSecond: round(idleCalls / shards / (config.idleMs / 1000), 2),
  };
  process.stdout.write(`${JSON.stringify({ result })}\n`);
  process.exit(0);
}

/**
 * The CPU this process used between two ticks of a 10 ms timer, for each tick while draining (sorted,
 * ms): the work done in the turns of the event loop between them. Unlike the event-loop delay, it
 * does not count the time the process waited for a core (other processes on a busy machine).
 */
function loopTurnCpu() {
  const cpus = [];
  let last = process.cpuUsage();
  const timer = setInterval(() => {
    const now = process.cpuUsage();
    cpus.push((now.user - last.user + now.system - last.system) / 1000);
    last = now;
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      return cpus.sort((a, b) => a - b);
    },
  };
}

async function bareLoop(config, onRecord, onError, counted) {
  const { KinesisClient, GetRecordsCommand, GetShardIteratorCommand } = await import('@aws-sdk/client-kinesis');
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  const { Agent } = await import('node:http');
  const client = new KinesisClient({
    region: 'us-east-1',
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: new Agent({
        keepAlive: true,
        maxSockets: Number(process.env.BENCH_SCALE_BARE_SOCKETS ?? config.shards),
      }),
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
    }),
  });
  const health = createServer((_req, res) => res.end('{"status":"ok"}'));
  await new Promise((resolve) => health.listen(0, '127.0.0.1', resolve));
  let stopped = false;
  let loops = [];
  const call = async (command) => {
    for (;;) {
      try {
        return await client.send(command);
      } catch (error) {
        onError(error instanceof Error ? error.message : 'error');
        if (stopped) throw error;
        await sleep(100);
      }
    }
  };
  const loop = async (s) => {
    const shardId = shardIdOf(s);
    let iterator = (
      await call(
        new GetShardIteratorCommand({
          StreamARN: BENCH_STREAM_ARN,
          ShardId: shardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    let last = 0;
    while (!stopped) {
      const wait = last + 200 - performance.now();
      if (wait > 0) await sleep(wait);
      last = performance.now();
      const out = await call(
        new GetRecordsCommand({ StreamARN: BENCH_STREAM_ARN, ShardIterator: iterator, Limit: 10_000 }),
      );
      counted();
      for (const record of out.Records ?? []) if (record.Data) onRecord(shardId);
      iterator = out.NextShardIterator;
      if ((out.Records ?? []).length === 0) await sleep(1000);
    }
  };
  return {
    healthPort: health.address().port,
    async start() {
      loops = Array.from({ length: config.shards }, (_, s) => loop(s));
    },
    async stop() {
      stopped = true;
      await Promise.allSettled(loops);
      health.close();
      client.destroy();
    },
  };
}

async function pollerConsumer(config, onRecord, onError, counted) {
  // BENCH_SCALE_POLLER_DIST: another build of the poller (e.g. of an older commit) to compare.
  const dist = process.env.BENCH_SCALE_POLLER_DIST ? resolve(process.env.BENCH_SCALE_POLLER_DIST) : '../dist/index.js';
  const { createPoller, startHttpServer } = await import(dist);
  const dir = mkdtempSync(join(tmpdir(), 'streamshare-bench-scale-'));
  const poller = createPoller({
    streamArn: BENCH_STREAM_ARN,
    checkpointDir: dir,
    codec: 'bytes',
    handler: (record) => onRecord(record.shardId),
    observer: {
      onGetRecords: () => counted(),
      onRetry: (_shard, _action, error) =>
        onError(
          error instanceof Error
            ? `${error.message} ${error.cause instanceof Error ? error.cause.message : ''}`
            : 'error',
        ),
    },
    ...config.pollerOptions,
  });
  const http = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    status: () => poller.status(),
    startedAt: () => 0,
    metrics: async () => '',
    metricsContentType: 'text/plain',
  });
  return {
    healthPort: http.port,
    start: () => poller.start(),
    async stop() {
      await poller.stop();
      await http.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
