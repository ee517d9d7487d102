/**
 * Operator mistakes through the built `streamshare` executable (`node packages/poller/dist/cli.js`):
 * each is one line on stderr naming the flag or module, and the documented exit code (2), never a
 * stack trace, a silent exit 0 or a poller that looks started and retries forever. Then, against the
 * project's kinesis-mock (globalSetup): two workers on one metrics port, a handler throwing a
 * null-prototype object, and the checkpoint directory made unusable while running (/healthz 503
 * with a reason, 200 again after); every stdout log line is checked for repeated keys.
 */
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileCheckpointStore } from '@streamshare/core';
import { CONSUMER_ACCOUNT, freePort, putRecords } from '@streamshare/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, runCliToEnd, spawnCli } from './fixtures-cli/cli-process.js';
import { readDelivered } from './fixtures-cli/delivery.js';
import { ensureBuilt } from './fixtures-cli/ensure-built.js';
import { deleteProducerStream, kinesisEndpoint, producerClient, producerStream } from './helpers/engine-env.js';
import { linesWithDuplicateKeys } from './helpers/json-keys.js';

const fixtures = fileURLToPath(new URL('./fixtures-cli/', import.meta.url));
const ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/orders';
const RECORD_HANDLER = join(fixtures, 'record-handler.mjs');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let work: string;
const running = new Set<CliProcess>();
const streams: string[] = [];

beforeAll(async () => {
  await ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'ss-adv-cli-'));
}, 240_000);

afterAll(async () => {
  for (const cli of running) cli.child.kill('SIGKILL');
  await Promise.all(streams.map((arn) => deleteProducerStream(arn)));
  if (work) rmSync(work, { recursive: true, force: true });
});

/**
 * No AWS call looks for credentials elsewhere; the AWS SDK's own one-time warning about Node 20
 * (emitted when a client is built, not an error of ours) is turned off so that stderr holds only
 * what the CLI says.
 */
const QUIET_ENV = {
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** `streamshare poll ...` run in `work`, to its end. */
function poll(args: string[], env: Record<string, string> = {}) {
  return runCliToEnd(['poll', ...args], { ...QUIET_ENV, ...env }, work);
}

/** The documented exit code 2 and exactly one line on stderr matching `pattern`; nothing on stdout, no stack. */
function expectOneLine(result: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(result.code, `stderr: ${result.stderr}\nstdout: ${result.stdout}`).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.endsWith('\n')).toBe(true);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr).toMatch(/^streamshare poll: /);
  expect(result.stderr).toMatch(pattern);
}

describe('one-line errors before anything starts (exit 2)', () => {
  it('a handler module whose top-level await never settles (it used to exit 0 with no output)', async () => {
    const module = join(fixtures, 'tla-never.mjs');
    const result = await poll([
      '--stream-arn',
      ARN,
      '--handler',
      module,
      '--handler-load-timeout-ms',
      '400',
      '--metrics-port',
      '0',
    ]);
    expectOneLine(result, /--handler: the handler module .*tla-never\.mjs did not finish loading within 400 ms/);
    expect(result.stderr).toContain('--handler-load-timeout-ms');
  });

  it('the load bound from its variable is named as the variable', async () => {
    const result = await poll(['--stream-arn', ARN, '--handler', join(fixtures, 'tla-never.mjs')], {
      STREAMSHARE_HANDLER_LOAD_TIMEOUT_MS: '300',
    });
    expectOneLine(result, /within 300 ms .*raise STREAMSHARE_HANDLER_LOAD_TIMEOUT_MS/);
  });

  it('a handler module that throws a null-prototype object at import (it used to print a stack trace)', async () => {
    const result = await poll(['--stream-arn', ARN, '--handler', join(fixtures, 'throws-null-prototype.mjs')]);
    expectOneLine(
      result,
      /--handler: the handler module .*throws-null-prototype\.mjs failed to load: a thrown null-prototype object$/m,
    );
  });

  it('--checkpoint-dir naming a regular file (it used to log "poller started" and retry forever)', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'not a directory');
    const result = await poll(['--stream-arn', ARN, '--handler', RECORD_HANDLER, '--checkpoint-dir', file]);
    expectOneLine(
      result,
      /--checkpoint-dir ".*a-file": the checkpoint directory .*a-file cannot be used: it is a regular file, not a directory/,
    );
  });

  it('STREAMSHARE_CHECKPOINT_DIR under a regular file: the variable is named', async () => {
    const file = join(work, 'another-file');
    writeFileSync(file, 'x');
    const result = await poll(['--stream-arn', ARN, '--handler', RECORD_HANDLER], {
      STREAMSHARE_CHECKPOINT_DIR: join(file, 'checkpoints'),
    });
    expectOneLine(
      result,
      /^streamshare poll: STREAMSHARE_CHECKPOINT_DIR ".*another-file\/checkpoints": .*regular file/,
    );
  });

  it('--from 2024-02-30T00:00:00Z (it used to be read as March 1)', async () => {
    const result = await poll(['--stream-arn', ARN, '--handler', RECORD_HANDLER, '--from', '2024-02-30T00:00:00Z']);
    expectOneLine(result, /--from: "2024-02-30T00:00:00Z" is not .*\(2024-02 has no day 30: it has 29 days\)/);
  });

  it('--metrics-host that is no address, or not one of this machine (it used to print a stack trace)', async () => {
    const dir = join(work, 'ckpt-host');
    const bad = await poll(['--stream-arn', ARN, '--handler', RECORD_HANDLER, '--metrics-host', 'not a host!']);
    expectOneLine(bad, /--metrics-host: "not a host!" is not an address to bind/);
    const foreign = await poll([
      '--stream-arn',
      ARN,
      '--handler',
      RECORD_HANDLER,
      '--checkpoint-dir',
      dir,
      '--metrics-host',
      '203.0.113.7', // TEST-NET-3: never an address of this machine
      '--metrics-port',
      String(await freePort()),
    ]);
    expectOneLine(foreign, /--metrics-host "203\.0\.113\.7": not an address of this machine/);
  });

  it('--metrics-port already taken (it used to die with EADDRINUSE and a stack trace)', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await poll([
        '--stream-arn',
        ARN,
        '--handler',
        RECORD_HANDLER,
        '--checkpoint-dir',
        join(work, 'ckpt-port'),
        '--metrics-host',
        '127.0.0.1',
        '--metrics-port',
        String(port),
      ]);
      expectOneLine(
        result,
        new RegExp(`--metrics-port ${port}: port ${port} is already in use on 127\\.0\\.0\\.1 .*--metrics-port`),
      );
    } finally {
      server.close();
    }
  });
});

/** Environment of a CLI in the consumer account reading the producer's stream through kinesis-mock. */
function consumerEnv(output: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...QUIET_ENV,
    AWS_ACCESS_KEY_ID: CONSUMER_ACCOUNT,
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_KINESIS: kinesisEndpoint(),
    CLI_TEST_OUTPUT: output,
    ...extra,
  };
}

function start(args: string[], env: Record<string, string>): CliProcess {
  const cli = spawnCli(['poll', ...args], env, work);
  running.add(cli);
  void cli.exited.then(() => running.delete(cli));
  return cli;
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, cli: CliProcess, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}\nstdout:\n${cli.stdout().slice(-3000)}\nstderr:\n${cli.stderr()}`);
    }
    await sleep(50);
  }
}

function jsonRecords(count: number, from = 0) {
  return Array.from({ length: count }, (_, k) => ({ data: JSON.stringify({ i: from + k }), partitionKey: `k${k}` }));
}

async function health(port: number): Promise<{ code: number; body: { status: string; reason?: string } }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    return { code: res.status, body: (await res.json()) as { status: string; reason?: string } };
  } catch {
    return { code: 0, body: { status: 'unreachable' } };
  }
}

/** Every stdout line is JSON and none repeats a key. */
function expectCleanLogs(cli: CliProcess): void {
  const lines = cli
    .stdout()
    .split('\n')
    .filter((line) => line !== '');
  expect(lines.length).toBeGreaterThan(0);
  expect(linesWithDuplicateKeys(lines)).toEqual([]);
}

describe('streamshare poll against kinesis-mock', () => {
  it('two workers on one host and one metrics port: the second exits 2 with one line naming the port', async () => {
    const arn = await producerStream('adv-cli-port', 1);
    streams.push(arn);
    const port = await freePort();
    const output = join(work, 'two-workers.jsonl');
    const args = (dir: string) => [
      '--stream-arn',
      arn,
      '--handler',
      join(fixtures, 'append-handler.mjs'),
      '--checkpoint-dir',
      join(work, dir),
      '--metrics-host',
      '127.0.0.1',
      '--metrics-port',
      String(port),
      '--idle-ms',
      '100',
    ];
    const first = start(args('w1'), consumerEnv(output));
    await first.waitForLog((line) => line.msg === 'poller started', 30_000);
    const second = await runCliToEnd(['poll', ...args('w2')], consumerEnv(output), work);
    expectOneLine(second, new RegExp(`--metrics-port ${port}: port ${port} is already in use .*--metrics-port`));
    // The first worker is untouched.
    expect((await health(port)).code).toBe(200);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    expectCleanLogs(first);
  });

  it('a handler that throws a null-prototype object: the shard is blocked and retried, the process keeps running', async () => {
    const arn = await producerStream('adv-cli-hostile', 1);
    streams.push(arn);
    const put = await putRecords(producerClient(), arn, jsonRecords(6));
    const output = join(work, 'hostile.jsonl');
    const cli = start(
      [
        '--stream-arn',
        arn,
        '--handler',
        join(fixtures, 'throws-hostile-once.mjs'),
        '--checkpoint-dir',
        join(work, 'hostile'),
        '--metrics-port',
        '0',
        '--idle-ms',
        '100',
      ],
      consumerEnv(output),
    );
    const firsts = () => [...new Set(readDelivered(output).map((d) => d.seq))];
    await waitUntil('all 6 records', () => firsts().length >= 6, cli, 60_000);
    // Every record, in order (at least once: records before a failed one may be handled again).
    expect(firsts()).toEqual(put.map((p) => p.sequenceNumber));
    expect(cli.logs().filter((l) => String(l.msg).startsWith('shard blocked at ')).length).toBeGreaterThanOrEqual(3);
    expect(cli.logs().some((l) => l.msg === 'shard reader failed: stopping the poller')).toBe(false);
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
    expectCleanLogs(cli);
  });

  it('the checkpoint directory made unusable while running: /healthz 503 with a reason, 200 once it is back', async () => {
    // Tests run as root, for whom chmod does not stop writes: the directory is replaced by a regular
    // file instead (every write under it then fails with ENOTDIR), and put back later.
    const arn = await producerStream('adv-cli-health', 1);
    streams.push(arn);
    await putRecords(producerClient(), arn, jsonRecords(4));
    const port = await freePort();
    const dir = join(work, 'health-ckpt');
    const output = join(work, 'health.jsonl');
    const cli = start(
      [
        '--stream-arn',
        arn,
        '--handler',
        join(fixtures, 'append-handler.mjs'),
        '--checkpoint-dir',
        dir,
        '--metrics-host',
        '127.0.0.1',
        '--metrics-port',
        String(port),
        '--idle-ms',
        '100',
      ],
      consumerEnv(output),
    );
    await waitUntil('the first records', () => readDelivered(output).length >= 4, cli);
    await waitUntil('/healthz 200', async () => (await health(port)).code === 200, cli);

    renameSync(dir, `${dir}.away`);
    writeFileSync(dir, 'not a directory');
    const later = await putRecords(producerClient(), arn, jsonRecords(2, 4));
    let sick = await health(port);
    await waitUntil(
      '/healthz 503',
      async () => {
        sick = await health(port);
        return sick.code === 503;
      },
      cli,
    );
    expect(sick.body.status).toBe('checkpoint-failing');
    expect(sick.body.reason).toMatch(
      /^checkpoint put of shardId-000000000000 has been failing for \d+ ms \(checkpoint file /,
    );
    expect(sick.body.reason).toContain(dir);

    unlinkSync(dir);
    renameSync(`${dir}.away`, dir);
    await waitUntil('/healthz 200 again', async () => (await health(port)).code === 200, cli);
    await waitUntil('the later records', () => readDelivered(output).length >= 6, cli);
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
    expect(cli.stdout()).toContain('checkpoint put of shardId-000000000000 failed');
    expectCleanLogs(cli);
    // The checkpoint reached the disk once the directory was back.
    const checkpoint = await new FileCheckpointStore({ directory: dir }).get(arn, 'shardId-000000000000');
    expect(checkpoint?.sequenceNumber).toBe(later[1]!.sequenceNumber);
  });
});
