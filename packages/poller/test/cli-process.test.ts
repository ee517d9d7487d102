import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCliToEnd } from './fixtures-cli/cli-process.js';
import { ensureBuilt } from './fixtures-cli/ensure-built.js';

const fixtures = fileURLToPath(new URL('./fixtures-cli/', import.meta.url));
const ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/orders';

beforeAll(async () => {
  await ensureBuilt();
}, 240_000);

describe('the streamshare executable', () => {
  it('lists its subcommands with --help', async () => {
    const { code, stdout } = await runCliToEnd(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: streamshare <command>');
    expect(stdout).toMatch(/^ {2}poll +Read a Kinesis stream/m);
  });

  it('documents every flag of poll with its environment variable', async () => {
    const { code, stdout } = await runCliToEnd(['poll', '--help']);
    expect(code).toBe(0);
    for (const flag of [
      'stream-arn',
      'handler',
      'role-arn',
      'external-id',
      'codec',
      'checkpoint-dir',
      'lease-table',
      'from',
      'concurrency',
      'metrics-port',
      'log-level',
      'shutdown-timeout-ms',
    ]) {
      expect(stdout).toContain(`--${flag}`);
      expect(stdout).toContain(`STREAMSHARE_${flag.toUpperCase().replaceAll('-', '_')}`);
    }
    expect(stdout).toContain('auto|json|text|bytes|gzip|cloudwatch-logs');
    expect(stdout).toContain('Exit codes');
  });

  it('prints the package version with --version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const { code, stdout } = await runCliToEnd(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });

  it('exits 2 on an unknown command, naming the commands', async () => {
    const { code, stderr } = await runCliToEnd(['pol']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown command "pol"; commands: poll');
  });

  it('exits 2 on a bad flag value, naming the flag and the allowed values', async () => {
    const { code, stderr, stdout } = await runCliToEnd([
      'poll',
      '--stream-arn',
      ARN,
      '--handler',
      'h.mjs',
      '--codec',
      'xml',
    ]);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'streamshare poll: --codec: "xml" is not one of auto, json, text, bytes, gzip, cloudwatch-logs\n',
    );
    expect(stdout).toBe('');
  });

  it('exits 2 on a bad environment variable, naming it', async () => {
    const { code, stderr } = await runCliToEnd(['poll'], {
      STREAMSHARE_STREAM_ARN: 'orders',
      STREAMSHARE_HANDLER: 'h.mjs',
    });
    expect(code).toBe(2);
    expect(stderr).toContain('STREAMSHARE_STREAM_ARN: "orders" is not a stream ARN');
  });

  it('exits 2 when both --checkpoint-dir and --lease-table are given', async () => {
    const { code, stderr } = await runCliToEnd([
      'poll',
      '--stream-arn',
      ARN,
      '--handler',
      'h.mjs',
      '--checkpoint-dir',
      'x',
      '--lease-table',
      'leases',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('--checkpoint-dir and --lease-table exclude each other');
  });

  it('exits 2 when the handler module or export is missing', async () => {
    const missing = await runCliToEnd(['poll', '--stream-arn', ARN, '--handler', 'nope.mjs'], {}, fixtures);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--handler: no handler module at .*nope\.mjs/);
    const wrong = await runCliToEnd(
      ['poll', '--stream-arn', ARN, '--handler', 'record-handler.mjs#nope'],
      {},
      fixtures,
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('has no export "nope" (it exports: default, notAHandler)');
  });
});
