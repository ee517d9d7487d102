/**
 * Adversarial suite of operator mistakes, in process: impossible --from dates, --metrics-host values
 * that are no address, a checkpoint directory that is a file or lies under one, handler modules that
 * never finish loading or throw what is not an Error. The same mistakes through the built
 * `streamshare` executable are in adversarial-operator-cli.test.ts.
 */
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckpointError, FileCheckpointStore } from '@streamshare/core';
import { CheckpointDirectoryError, createPoller } from '@streamshare/poller';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { readFlags } from '../src/cli/flags.js';
import { loadHandler } from '../src/cli/load-handler.js';
import { POLL_FLAGS, pollConfigFrom } from '../src/cli/poll-config.js';
import { UsageError } from '../src/cli/usage-error.js';
import { parseIsoTime } from '../src/cli/values.js';
import { checkCheckpointDirectory } from '../src/coordination/checkpoint-directory.js';
import { consumerClient, countCalls } from './helpers/engine-env.js';

const fixtures = fileURLToPath(new URL('./fixtures-cli/', import.meta.url));
const ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/orders';
const base = ['--stream-arn', ARN, '--handler', './handler.mjs'];

function config(argv: string[]) {
  return pollConfigFrom(readFlags(POLL_FLAGS, argv, {}));
}

function usage(argv: string[]): UsageError {
  try {
    config(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ss-adv-op-'));
  dirs.push(dir);
  return dir;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
/** Days in a month (1..12) of a year >= 100. */
function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

describe('--from: impossible dates are refused, naming the flag', () => {
  it('refuses 2024-02-30 (Date.parse rolls it over to March 1)', () => {
    expect(new Date(Date.parse('2024-02-30T00:00:00Z')).toISOString()).toBe('2024-03-01T00:00:00.000Z');
    const error = usage([...base, '--from', '2024-02-30T00:00:00Z']);
    expect(error.message).toMatch(/^--from: "2024-02-30T00:00:00Z" is not .*2024-02 has no day 30: it has 29 days/);
  });

  it.each([
    ['2023-02-29T00:00:00Z', /2023-02 has no day 29/],
    ['2024-04-31', /2024-04 has no day 31/],
    ['2024-13-01T00:00:00Z', /month 13 does not exist/],
    ['2024-00-10T00:00:00Z', /month 00 does not exist/],
    ['2024-01-00T00:00:00Z', /no day 00/],
    ['2024-01-01T24:00:00Z', /not a time of day/],
    ['2024-01-01T23:60:00Z', /not a time of day/],
    ['2024-01-01T23:59:60Z', /not a time of day/],
    ['2024-01-01T00:00:00+25:00', /not a time-zone offset/],
    ['2024-01-01T00:00:00+01:75', /not a time-zone offset/],
    ['yesterday', /is not trim-horizon, latest or an ISO-8601 time; e\.g\./],
  ])('%s', (value, reason) => {
    const error = usage([...base, '--from', value]);
    expect(error.message.startsWith('--from: ')).toBe(true);
    expect(error.message).toMatch(reason);
  });

  it('names STREAMSHARE_FROM when the variable gave it', () => {
    const error = (() => {
      try {
        pollConfigFrom(readFlags(POLL_FLAGS, base, { STREAMSHARE_FROM: '2023-02-29' }));
      } catch (e) {
        return e as Error;
      }
      throw new Error('accepted');
    })();
    expect(error.message).toMatch(/^STREAMSHARE_FROM: "2023-02-29" .*no day 29/);
  });

  it('accepts every real time, in its ISO forms, as the same instant Date.parse gives', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9998-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        (date, offsetMinutes) => {
          const iso = date.toISOString();
          const parsed = parseIsoTime(iso);
          expect(parsed).toEqual({ time: date });
          // The same instant written with an offset.
          const shifted = new Date(date.getTime() + offsetMinutes * 60_000);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const withOffset = `${shifted.toISOString().slice(0, 23)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
          expect(parseIsoTime(withOffset)).toEqual({ time: date });
          expect(Date.parse(withOffset)).toBe(date.getTime());
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses every day past the end of its month, which Date.parse would roll over', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1970, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 3 }),
        (year, month, past) => {
          const day = daysIn(year, month) + 1 + past;
          if (day > 31) return;
          const text = `${year}-${pad(month)}-${pad(day)}T12:00:00Z`;
          expect(Number.isNaN(Date.parse(text))).toBe(false);
          expect(parseIsoTime(text)).toEqual({ reason: expect.stringMatching(/has no day/) });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('--metrics-host: a value that is no address is refused before anything starts', () => {
  it.each(['not a host!', 'host_name', '-leading.example', 'a..b', '999.1.1.1.1.x-', `${'a'.repeat(64)}.example`, ''])(
    '%j',
    (value) => {
      const error = usage([...base, `--metrics-host=${value}`]);
      expect(error.message).toMatch(/^--metrics-host: .* is not an address to bind/);
    },
  );

  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['::', '::'],
    ['[::1]', '::1'],
    ['localhost', 'localhost'],
    ['metrics.internal.example.com', 'metrics.internal.example.com'],
  ])('accepts %s', (value, bound) => {
    expect(config([...base, '--metrics-host', value]).metricsHost).toBe(bound);
  });
});

describe('the checkpoint directory is checked at start', () => {
  it('creates a missing directory and leaves no probe file behind', async () => {
    const dir = join(await tempDir(), 'a', 'b');
    await checkCheckpointDirectory(dir);
    expect((await stat(dir)).isDirectory()).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a regular file, naming it', async () => {
    const file = join(await tempDir(), 'checkpoints');
    await writeFile(file, 'not a directory');
    const error = await checkCheckpointDirectory(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointDirectoryError);
    expect(error).toBeInstanceOf(CheckpointError);
    expect(error).toMatchObject({ code: 'CHECKPOINT_IO', retryable: false, directory: file });
    expect((error as Error).message).toBe(
      `checkpoint directory ${file} cannot be used: it is a regular file, not a directory`,
    );
  });

  it('refuses a path under a regular file (a directory the process cannot create, even as root)', async () => {
    const file = join(await tempDir(), 'file');
    await writeFile(file, 'x');
    const error = await checkCheckpointDirectory(join(file, 'checkpoints')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointDirectoryError);
    expect((error as Error).message).toMatch(/a part of the path is a regular file, not a directory \(creating it\)/);
  });

  it('createPoller().start() rejects at once for such a directory, without calling Kinesis', async () => {
    const file = join(await tempDir(), 'checkpoints');
    await writeFile(file, 'x');
    const client = consumerClient('http://127.0.0.1:9');
    const calls = countCalls(client);
    const poller = createPoller({ streamArn: ARN, handler: () => {}, kinesisClient: client, checkpointDir: file });
    const started = Date.now();
    await expect(poller.start()).rejects.toThrow(CheckpointDirectoryError);
    await expect(poller.done).rejects.toThrow(/it is a regular file, not a directory/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(calls()).toBe(0);
    expect(poller.status().running).toBe(false);
  });

  it("a FileCheckpointStore of the user's own on such a directory also fails start() at once (not retried to the start timeout)", async () => {
    const file = join(await tempDir(), 'checkpoints');
    await writeFile(file, 'x');
    const client = consumerClient('http://127.0.0.1:9');
    const calls = countCalls(client);
    const checkpointStore = new FileCheckpointStore({ directory: file });
    const poller = createPoller({ streamArn: ARN, handler: () => {}, kinesisClient: client, checkpointStore });
    const started = Date.now();
    const error = await poller.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect(error).toMatchObject({ code: 'CHECKPOINT_IO', retryable: false });
    expect((error as Error).message).toContain(file);
    await poller.done.catch(() => undefined);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(calls()).toBe(0);
  });

  it('bad processBatch options reject start() at once, rather than block every shard at its first batch', async () => {
    const dir = await tempDir();
    const make = (extra: Record<string, unknown>) =>
      createPoller({
        streamArn: ARN,
        handler: () => {},
        kinesisClient: consumerClient('http://127.0.0.1:9'),
        checkpointDir: dir,
        ...extra,
      } as Parameters<typeof createPoller>[0]);
    await expect(make({ concurrency: 0 }).start()).rejects.toThrow(/concurrency must be an integer >= 1, got 0/);
    await expect(make({ retry: { attempts: -1 } }).start()).rejects.toThrow(/retry\.attempts must be a number >= 1/);
    await expect(make({ codec: 'xml' }).start()).rejects.toMatchObject({ code: 'UNKNOWN_CODEC' });
  });

  it('an existing writable directory passes', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'ok'));
    await expect(checkCheckpointDirectory(join(dir, 'ok'))).resolves.toBeUndefined();
  });
});

describe('handler modules that never finish loading or throw what is not an Error', () => {
  it('a top-level await that never settles: a UsageError naming the module and the bound', async () => {
    const started = Date.now();
    const error = await loadHandler({ path: 'tla-never.mjs', exportName: 'default' }, fixtures, '--handler', {
      timeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      `--handler: the handler module ${join(fixtures, 'tla-never.mjs')} did not finish loading within 300 ms (a top-level await that never settles?); if it needs longer, raise --handler-load-timeout-ms`,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('a null-prototype object thrown at import: one line naming the module', async () => {
    const error = await loadHandler({ path: 'throws-null-prototype.mjs', exportName: 'default' }, fixtures).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      `--handler: the handler module ${join(fixtures, 'throws-null-prototype.mjs')} failed to load: a thrown null-prototype object`,
    );
  });
});
