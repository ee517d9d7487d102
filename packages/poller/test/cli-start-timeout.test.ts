/**
 * `streamshare poll --start-timeout-ms N` (STREAMSHARE_START_TIMEOUT_MS): parsed, mapped to
 * createPoller's `startTimeoutMs`, documented in --help and in the README, and bounding a real start
 * against an endpoint that does not answer.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSUMER_ACCOUNT, freePort } from '@streamshare/testkit';
import { describe, expect, it } from 'vitest';
import { pollerOptionsFrom } from '../src/cli/commands/poll.js';
import { envNameOf, readFlags } from '../src/cli/flags.js';
import { classifyHandler } from '../src/cli/load-handler.js';
import { POLL_FLAGS, pollConfigFrom } from '../src/cli/poll-config.js';
import { runCli } from '../src/cli/run.js';
import { UsageError } from '../src/cli/usage-error.js';
import { spawnCli } from './fixtures-cli/cli-process.js';
import { ensureBuilt, ROOT } from './fixtures-cli/ensure-built.js';
import { memoryIo } from './helpers/memory-io.js';

const ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const base = ['--stream-arn', ARN, '--handler', './handler.mjs'];
const fixtures = fileURLToPath(new URL('./fixtures-cli/', import.meta.url));

function config(argv: string[], env: Record<string, string> = {}) {
  return pollConfigFrom(readFlags(POLL_FLAGS, [...base, ...argv], env));
}

function options(argv: string[], env: Record<string, string> = {}) {
  return pollerOptionsFrom(config(argv, env), classifyHandler(() => undefined)!, {
    cwd: '/srv/app',
    logger: undefined as never,
    observer: undefined,
  });
}

function usageMessage(argv: string[], env: Record<string, string> = {}): string {
  try {
    config(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

describe('--start-timeout-ms', () => {
  it('maps the flag, or STREAMSHARE_START_TIMEOUT_MS, to startTimeoutMs; the flag wins', () => {
    expect(envNameOf('start-timeout-ms')).toBe('STREAMSHARE_START_TIMEOUT_MS');
    expect(options(['--start-timeout-ms', '5000']).startTimeoutMs).toBe(5_000);
    expect(options([], { STREAMSHARE_START_TIMEOUT_MS: '120000' }).startTimeoutMs).toBe(120_000);
    expect(options(['--start-timeout-ms', '2500'], { STREAMSHARE_START_TIMEOUT_MS: '120000' }).startTimeoutMs).toBe(
      2_500,
    );
  });

  it("leaves the poller's default (60 s) when not given", () => {
    expect(config([]).startTimeoutMs).toBeUndefined();
    expect('startTimeoutMs' in options([])).toBe(false);
    expect(options([], { STREAMSHARE_START_TIMEOUT_MS: '' }).startTimeoutMs).toBeUndefined();
  });

  it('refuses what is not a whole number of milliseconds in range, naming the flag or the variable', () => {
    expect(usageMessage(['--start-timeout-ms', 'soon'])).toBe(
      '--start-timeout-ms: "soon" is not a whole number from 100 to 86400000',
    );
    expect(usageMessage(['--start-timeout-ms', '50'])).toContain('--start-timeout-ms: "50"');
    expect(usageMessage([], { STREAMSHARE_START_TIMEOUT_MS: '1.5' })).toContain('STREAMSHARE_START_TIMEOUT_MS: "1.5"');
  });

  it('is documented in `streamshare poll --help` with its variable and default', async () => {
    const { io, out: printed } = memoryIo();
    expect(await runCli(['poll', '--help'], io)).toBe(0);
    const out = printed();
    const line = out.split('\n').find((l) => l.includes('--start-timeout-ms'));
    expect(line).toContain('--start-timeout-ms N');
    expect(line).toContain('env STREAMSHARE_START_TIMEOUT_MS');
    expect(line).toContain('default 60000');
    expect(out).toContain('START_TIMEOUT');
  });

  it("is in the README's flag table, as every flag of poll is, with its variable", () => {
    const readme = readFileSync(join(ROOT, 'packages/poller/README.md'), 'utf8');
    const start = readme.indexOf('| flag | environment | default | meaning |');
    expect(start).toBeGreaterThan(-1);
    const table = readme.slice(start, readme.indexOf('\n\n', start));
    for (const flag of POLL_FLAGS) {
      const row = table.split('\n').find((l) => l.startsWith(`| \`--${flag.name}`));
      expect(row, `README flag table has no row for --${flag.name}`).toBeDefined();
      if (flag.type === 'string') expect(row).toContain(`\`${envNameOf(flag.name)}\``);
      if (flag.defaultText !== undefined && /^\d+$/.test(flag.defaultText)) {
        expect(row, `README default of --${flag.name}`).toContain(`\`${flag.defaultText}\``);
      }
    }
  });

  it('bounds the start of the CLI against a Kinesis endpoint that does not answer: exit 1, START_TIMEOUT', async () => {
    await ensureBuilt();
    const port = await freePort(); // nothing listens there: every call is refused
    const work = await mkdtemp(join(tmpdir(), 'ss-start-timeout-'));
    try {
      const startedAt = Date.now();
      const cli = spawnCli(
        [
          'poll',
          '--stream-arn',
          ARN,
          '--handler',
          'record-handler.mjs',
          '--checkpoint-dir',
          work,
          '--metrics-port',
          '0',
          '--start-timeout-ms',
          '1500',
        ],
        {
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: CONSUMER_ACCOUNT,
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_ENDPOINT_URL_KINESIS: `http://127.0.0.1:${port}`,
        },
        fixtures,
      );
      const { code } = await cli.exited;
      const elapsed = Date.now() - startedAt;
      expect(code, cli.stderr()).toBe(1);
      const fatal = cli.logs().find((l) => l.msg === 'poller failed to start');
      expect(fatal, cli.stdout().slice(-3000)).toBeDefined();
      expect(fatal?.code).toBe('START_TIMEOUT');
      const message = String((fatal?.err as { message?: unknown } | undefined)?.message);
      expect(message).toContain('gave up after 1500 ms');
      expect(message).toContain(`127.0.0.1:${port}`);
      // Well before the 60 s default; generous for a loaded machine (node start, module loading).
      expect(elapsed).toBeLessThan(20_000);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 240_000);
});
