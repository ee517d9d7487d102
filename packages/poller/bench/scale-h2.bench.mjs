// HTTP/1.1 or HTTP/2 to Kinesis, at scale (issue 15). The local Kinesis server (lib/kinesis-server.mjs,
// a process of its own) answers on two ports with the same handlers and stream: HTTP/1.1, and cleartext
// HTTP/2 (h2c) advertising SETTINGS_MAX_CONCURRENT_STREAMS 100. N open shards each hold a backlog of
// RECORDS × 1 KiB records in pages of 100; four consumers drain it, each in a fresh process:
//
// - bare-h1: a plain AWS SDK loop per shard (GetShardIterator, then GetRecords at most 5 times a second,
//   1 s after an empty page, again after 100 ms on an error) over HTTP/1.1 keep-alive, one socket per
//   shard, 5 s connection timeout, 1 attempt;
// - bare-h2: the same loop over HTTP/2 (NodeHttp2Handler, 30 s request timeout, the poller's streams per
//   connection: BENCH_H2_STREAMS, default 50 as HTTP2_STREAMS_PER_CONNECTION; 0: all on one connection);
// - poller-h1: `createPoller` with its default client (HTTP/1.1), file checkpoints, a counting handler;
// - poller-h2: the same with a `kinesisClient` over HTTP/2 as `createKinesisClient({ http2: true })`
//   builds it (50 streams per connection) and `maxRequestsInFlight` 510, the poller's own bound.
//
// Per shard count and added latency, one JSON line: for each consumer the drain time (until the last
// record), GetRecords per second while draining (server side), time until every shard gave a record,
// peak RSS, CPU while draining, timeouts (HTTP/1.1 "did not establish a connection", HTTP/2 "Stream
// timed out") and other errors, idle reads per shard per second and idle CPU once drained, CPU per
// GetRecords, and the connections the server saw open at once; then h2/h1 drain ratios. With BENCH_H2_RUNS > 1 each
// figure is the median, with [min, max] in `spread`.
//
// Latency two ways: BENCH_H2_LATENCY_MS delays each answer at the server (a slow server: every
// request waits, nothing else does); BENCH_H2_RTT_MS puts a TCP proxy in between that delays every
// chunk by half of it each way (a far region: HTTP/2's flow-control windows, 64 KiB per connection in
// Node, then take a round trip to refill; a TCP window over loopback does not run dry).
//
// Env: BENCH_H2_SHARDS (default "256"), BENCH_H2_LATENCY_MS (default "0"; the full comparison:
// BENCH_H2_SHARDS=256,1024 BENCH_H2_LATENCY_MS=0,100), BENCH_H2_RTT_MS (default "0", e.g. "0,100"), BENCH_H2_RECORDS (per shard, default 200),
// BENCH_H2_IDLE_MS (idle window, default 3000), BENCH_H2_MODES (default all four), BENCH_H2_RUNS
// (default 1), BENCH_H2_STREAMS (default 50), BENCH_H2_SERVER_STREAMS (the server's limit, default 100).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_STREAM_ARN, shardIdOf } from './lib/kinesis-server.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const round = (n, digits = 1) => (n === undefined ? undefined : Math.round(n * 10 ** digits) / 10 ** digits);
const numbers = (text) =>
  text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const STREAMS = Number(process.env.BENCH_H2_STREAMS ?? 50);

if (process.argv[2] === 'run') await consume(JSON.parse(process.argv[3]));
else await main();

// ─── the orchestrator ──────────────────────────────────────────────────────────────────────────────

async function main() {
  const shardCounts = numbers(process.env.BENCH_H2_SHARDS ?? '256').map(Number);
  const latencies = numbers(process.env.BENCH_H2_LATENCY_MS ?? '0').map(Number);
  const rtts = numbers(process.env.BENCH_H2_RTT_MS ?? '0').map(Number);
  const modes = numbers(process.env.BENCH_H2_MODES ?? 'bare-h1,bare-h2,poller-h1,poller-h2');
  const records = Number(process.env.BENCH_H2_RECORDS ?? 200);
  const idleMs = Number(process.env.BENCH_H2_IDLE_MS ?? 3000);
  const runs = Number(process.env.BENCH_H2_RUNS ?? 1);
  const server = spawn(process.execPath, [join(here, 'lib', 'kinesis-server.mjs'), '--h2'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, KINESIS_SERVER_H2_MAX_STREAMS: process.env.BENCH_H2_SERVER_STREAMS ?? '100' },
  });
  try {
    const ports = await new Promise((resolve, reject) => {
      server.stdout.once('data', (chunk) => resolve(JSON.parse(String(chunk))));
      server.once('exit', () => reject(new Error('the Kinesis server exited')));
    });
    const control = `http://127.0.0.1:${ports.port}`;
    for (const [latencyMs, rttMs] of latencies.flatMap((l) => rtts.map((r) => [l, r]))) {
      const proxies =
        rttMs > 0 ? { h1: await delayProxy(ports.port, rttMs / 2), h2: await delayProxy(ports.h2Port, rttMs / 2) } : {};
      for (const shards of shardCounts) {
        const line = {
          bench: 'poller-scale-h2',
          shards,
          latencyMs,
          rttMs,
          recordsPerShard: records,
          runs,
          load: load(),
        };
        for (const mode of modes) {
          const results = [];
          for (let run = 0; run < runs; run++) {
            await call(`${control}/__setup`, 'POST', {
              shards,
              records,
              pageRecords: 100,
              latencyMs,
              recordBytes: 1024,
            });
            const h2 = mode.endsWith('h2');
            const port = rttMs > 0 ? (h2 ? proxies.h2 : proxies.h1).port : h2 ? ports.h2Port : ports.port;
            results.push(await runChild(control, `http://127.0.0.1:${port}`, { mode, shards, records, idleMs }));
          }
          line[mode] = summarize(results);
        }
        for (const kind of ['bare', 'poller']) {
          const h1 = line[`${kind}-h1`]?.drainMs;
          const h2 = line[`${kind}-h2`]?.drainMs;
          if (h1 && h2) line[`${kind}DrainH2OverH1`] = round(h2 / h1, 2);
        }
        for (const transport of ['h1', 'h2']) {
          const bare = line[`bare-${transport}`]?.drainMs;
          const poller = line[`poller-${transport}`]?.drainMs;
          if (bare && poller) line[`drainBareOverPoller${transport.toUpperCase()}`] = round(bare / poller, 2);
        }
        console.log(JSON.stringify(line));
      }
      await proxies.h1?.close();
      await proxies.h2?.close();
    }
  } finally {
    server.kill();
  }
}

/** A TCP proxy on 127.0.0.1 to `port` that delays every chunk by `delayMs`, each way, in order. */
async function delayProxy(port, delayMs) {
  const sockets = new Set();
  const delayed = (from, to) =>
    from.on('data', (chunk) =>
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, delayMs),
    );
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        setTimeout(() => (socket === client ? upstream : client).destroy(), delayMs);
      });
    }
    delayed(client, upstream);
    delayed(upstream, client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function load() {
  return loadavg().map((x) => round(x));
}

/** The median of each numeric figure of `results`, with [min, max] in `spread` when there are several. */
function summarize(results) {
  if (results.length === 1) return results[0];
  const out = { ...results[0] };
  const spread = {};
  for (const [key, value] of Object.entries(results[0])) {
    if (typeof value !== 'number') continue;
    const values = results
      .map((r) => r[key])
      .filter((v) => typeof v === 'number')
      .sort((a, b) => a - b);
    out[key] = values[Math.floor(values.length / 2)];
    if (values[0] !== values.at(-1)) spread[key] = [values[0], values.at(-1)];
  }
  return { ...out, spread };
}

function call(url, method = 'GET', body = undefined) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, timeout: 10_000 }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve(JSON.parse(text || '{}')));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Runs one consumer process against `endpoint`; adds the server's counts. */
async function runChild(control, endpoint, config) {
  const child = spawn(
    process.execPath,
    ['--expose-gc', fileURLToPath(import.meta.url), 'run', JSON.stringify(config)],
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
  let result;
  let drained;
  let buffer = '';
  for await (const chunk of child.stdout) {
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
      if (!line.startsWith('{')) process.stderr.write(`${line}\n`);
      else if (JSON.parse(line).drained) drained = await call(`${control}/__stats`);
      else result = JSON.parse(line).result;
    }
  }
  if (!result) return { error: 'the consumer process gave no result' };
  const drainSeconds = result.drainMs / 1000;
  return {
    ...result,
    getRecordsPerSecond: drained ? round(drained.GetRecords / drainSeconds, 0) : undefined,
    cpuMsPerGetRecords: drained ? round(result.cpuDrainMs / drained.GetRecords, 2) : undefined,
    peakConnections: config.mode.endsWith('h2') ? drained?.h2PeakSessions : drained?.h1PeakConnections,
  };
}

// ─── one consumer (a child process) ───────────────────────────────────────────────────────────────

async function consume(config) {
  const { mode, shards, records } = config;
  const total = shards * records;
  const firstAt = new Set();
  let handled = 0;
  let started = 0;
  let firstFromEveryShardMs;
  let drained;
  const drainedNow = new Promise((resolve) => {
    drained = resolve;
  });
  const errors = { timeouts: 0, other: 0, sample: undefined };
  let reads = 0;
  const onRecord = (shardId) => {
    if (!firstAt.has(shardId)) {
      firstAt.add(shardId);
      if (firstAt.size === shards) firstFromEveryShardMs = performance.now() - started;
    }
    if (++handled === total) drained(performance.now() - started);
  };
  const onError = (text) => {
    if (/did not establish a connection|Stream timed out|TimeoutError/.test(text)) errors.timeouts++;
    else {
      errors.other++;
      errors.sample ??= text.slice(0, 200);
    }
  };
  const counted = () => reads++;
  const consumer = mode.startsWith('bare')
    ? await bareLoop(config, onRecord, onError, counted)
    : await pollerConsumer(config, onRecord, onError, counted);
  globalThis.gc?.();
  const cpu0 = process.cpuUsage();
  started = performance.now();
  await consumer.start();
  const drainMs = await Promise.race([drainedNow, sleep(300_000).then(() => undefined)]);
  const cpuDrain = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ drained: true })}\n`);
  const readsBefore = reads;
  const cpu1 = process.cpuUsage();
  await sleep(config.idleMs);
  const cpuIdle = process.cpuUsage(cpu1);
  const idleReads = reads - readsBefore;
  await consumer.stop();
  const cpuMs = (u) => (u.user + u.system) / 1000;
  const result = {
    drainMs: round(drainMs, 0),
    handled,
    firstFromEveryShardMs: round(firstFromEveryShardMs, 0),
    timeouts: errors.timeouts,
    otherErrors: errors.other,
    ...(errors.sample ? { errorSample: errors.sample } : {}),
    peakRssMb: round(process.resourceUsage().maxRSS / 1024),
    cpuDrainMs: round(cpuMs(cpuDrain), 0),
    idleCpuPercent: round((cpuMs(cpuIdle) / config.idleMs) * 100),
    idleReadsPerShardPerSecond: round(idleReads / shards / (config.idleMs / 1000), 2),
  };
  process.stdout.write(`${JSON.stringify({ result })}\n`);
  process.exit(0);
}

async function bareLoop(config, onRecord, onError, counted) {
  const { KinesisClient, GetRecordsCommand, GetShardIteratorCommand } = await import('@aws-sdk/client-kinesis');
  const { NodeHttpHandler, NodeHttp2Handler } = await import('@smithy/node-http-handler');
  const { Agent } = await import('node:http');
  const requestHandler = config.mode.endsWith('h2')
    ? new NodeHttp2Handler({ requestTimeout: 30_000, ...(STREAMS > 0 ? { maxConcurrentStreams: STREAMS } : {}) })
    : new NodeHttpHandler({
        httpAgent: new Agent({ keepAlive: true, maxSockets: config.shards }),
        connectionTimeout: 5_000,
        requestTimeout: 30_000,
      });
  const client = new KinesisClient({ region: 'us-east-1', maxAttempts: 1, requestHandler });
  let stopped = false;
  let loops = [];
  const send = async (command) => {
    for (;;) {
      try {
        return await client.send(command);
      } catch (error) {
        onError(error instanceof Error ? `${error.name} ${error.message}` : 'error');
        if (stopped) throw error;
        await sleep(100);
      }
    }
  };
  const loop = async (s) => {
    const shardId = shardIdOf(s);
    const first = new GetShardIteratorCommand({
      StreamARN: BENCH_STREAM_ARN,
      ShardId: shardId,
      ShardIteratorType: 'TRIM_HORIZON',
    });
    let iterator = (await send(first)).ShardIterator;
    let last = 0;
    while (!stopped) {
      const wait = last + 200 - performance.now();
      if (wait > 0) await sleep(wait);
      last = performance.now();
      const out = await send(
        new GetRecordsCommand({ StreamARN: BENCH_STREAM_ARN, ShardIterator: iterator, Limit: 10_000 }),
      );
      counted();
      for (const record of out.Records ?? []) if (record.Data) onRecord(shardId);
      iterator = out.NextShardIterator;
      if ((out.Records ?? []).length === 0) await sleep(1000);
    }
  };
  return {
    async start() {
      loops = Array.from({ length: config.shards }, (_, s) => loop(s).catch(() => {}));
    },
    async stop() {
      stopped = true;
      await Promise.allSettled(loops);
      client.destroy();
    },
  };
}

/**
 * The poller's own client (region, one attempt, the endpoint from the environment) over HTTP/2 as
 * `createKinesisClient({ http2: true })` builds it, with the scheduler's bound of the poller's own
 * client (510 in flight).
 */
async function http2Client() {
  const { KinesisClient } = await import('@aws-sdk/client-kinesis');
  const { NodeHttp2Handler } = await import('@smithy/node-http-handler');
  const requestHandler = new NodeHttp2Handler({
    requestTimeout: 30_000,
    ...(STREAMS > 0 ? { maxConcurrentStreams: STREAMS } : {}),
  });
  return {
    kinesisClient: new KinesisClient({ region: 'us-east-1', maxAttempts: 1, requestHandler }),
    maxRequestsInFlight: 510,
  };
}

async function pollerConsumer(config, onRecord, onError, counted) {
  const { createPoller } = await import('../dist/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'streamshare-bench-h2-'));
  const describe = (error) =>
    error instanceof Error
      ? `${error.name} ${error.message} ${error.cause instanceof Error ? `${error.cause.name} ${error.cause.message}` : ''}`
      : 'error';
  const poller = createPoller({
    streamArn: BENCH_STREAM_ARN,
    checkpointDir: dir,
    codec: 'bytes',
    ...(config.mode.endsWith('h2') ? await http2Client() : {}),
    handler: (record) => onRecord(record.shardId),
    observer: {
      onGetRecords: () => counted(),
      onRetry: (_shard, _action, error) => onError(describe(error)),
    },
  });
  return {
    start: () => poller.start(),
    async stop() {
      await poller.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
