/**
 * `streamshare poll` with several streams: repeated `--stream-arn`, a `--config` file giving each
 * stream its own role, `--on-stream-failure`; the flags and the file checked with messages naming the
 * setting at fault; and a run in process reading two streams of two producer accounts with two roles.
 */
import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { multiStreamOptionsFrom, pollCommand, pollerOptionsFrom } from '../src/cli/commands/poll.js';
import { readFlags } from '../src/cli/flags.js';
import { POLL_FLAGS, type PollConfig, pollConfigFrom } from '../src/cli/poll-config.js';
import { parseStreamsFile } from '../src/cli/streams-file.js';
import { UsageError } from '../src/cli/usage-error.js';
import { waitFor } from './helpers/engine-env.js';
import { EXTERNAL_ID, fleetTests, PRODUCERS, producerStreamOf, putTexts, tempDir } from './multi-stream-support.js';

const ARN_A = 'arn:aws:kinesis:us-east-1:999900009999:stream/orders';
const ARN_B = 'arn:aws:kinesis:us-west-2:777700007777:stream/payments';
const ROLE_A = 'arn:aws:iam::999900009999:role/reader-a';
const ROLE_B = 'arn:aws:iam::777700007777:role/reader-b';

function config(argv: string[], file?: object | string, env: Record<string, string> = {}): PollConfig {
  const text = file === undefined ? undefined : typeof file === 'string' ? file : JSON.stringify(file);
  return pollConfigFrom(
    readFlags(POLL_FLAGS, [...argv, ...(text === undefined ? [] : ['--config', 'fleet.json'])], env),
    text === undefined ? undefined : { text, source: '--config fleet.json' },
  );
}

function usage(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('no usage error');
}

const extra = { cwd: '/work', logger: undefined as never, observer: undefined };

/** The createPoller options `streamshare poll` builds for a configuration of several streams. */
function multiOptions(given: PollConfig) {
  const { streams } = given;
  if (streams === undefined) throw new Error('not a configuration of several streams');
  return multiStreamOptionsFrom({ ...given, streams }, { handler: () => {} } as never, extra);
}

describe('streamshare poll: several streams, the flags', () => {
  it('one --stream-arn (flag or variable) is the single-stream poller, as before', () => {
    expect(config(['--stream-arn', ARN_A, '--handler', 'h.mjs']).streams).toBeUndefined();
    const fromEnv = config(['--handler', 'h.mjs'], undefined, { STREAMSHARE_STREAM_ARN: ARN_A });
    expect(fromEnv.streamArn).toBe(ARN_A);
    expect(fromEnv.streams).toBeUndefined();
  });

  it('several --stream-arn: one poller of several streams, --role-arn for each, --on-stream-failure', () => {
    const given = config([
      '--stream-arn',
      ARN_A,
      '--stream-arn',
      ARN_B,
      '--handler',
      'h.mjs',
      '--role-arn',
      ROLE_A,
      '--on-stream-failure',
      'stop',
      '--lease-table',
      'fleet-leases',
    ]);
    expect(given.streams).toEqual([{ streamArn: ARN_A }, { streamArn: ARN_B }]);
    const options = multiOptions(given);
    expect(options.streams.map((s) => [s.streamArn, s.assumeRole?.roleArn])).toEqual([
      [ARN_A, ROLE_A],
      [ARN_B, ROLE_A],
    ]);
    expect(options.onStreamFailure).toBe('stop');
    expect(options.leaseTable?.tableName).toBe('fleet-leases');
    expect('streamArn' in options).toBe(false);
    expect('assumeRole' in options).toBe(false);
  });

  it('a --config file gives each stream its own role, external id and start; flags add streams', () => {
    const given = config(['--stream-arn', ARN_A, '--handler', 'h.mjs', '--from', 'latest'], {
      streams: [{ streamArn: ARN_B, roleArn: ROLE_B, externalId: 'ext-b', sessionName: 'fleet', from: 'trim-horizon' }],
      onStreamFailure: 'continue',
    });
    const options = multiOptions(given);
    expect(options.streams).toEqual([
      { streamArn: ARN_A },
      {
        streamArn: ARN_B,
        assumeRole: { roleArn: ROLE_B, externalId: 'ext-b', sessionName: 'fleet' },
        startingPosition: 'TRIM_HORIZON',
      },
    ]);
    expect(options.startingPosition).toBe('LATEST');
    expect(options.onStreamFailure).toBe('continue');
    // One stream in a config file is still read as a poller of several streams (stream-qualified keys).
    expect(config(['--handler', 'h.mjs'], { streams: [{ streamArn: ARN_B }] }).streams).toEqual([{ streamArn: ARN_B }]);
  });

  it('refuses, naming the setting: no stream, a stream twice, --consumer-arn with several, bad config files', () => {
    expect(usage(() => config(['--handler', 'h.mjs'])).message).toMatch(
      /--stream-arn \(or STREAMSHARE_STREAM_ARN\) is required/,
    );
    expect(usage(() => config(['--stream-arn', ARN_A, '--stream-arn', ARN_A, '--handler', 'h.mjs'])).message).toContain(
      `${ARN_A} is named twice`,
    );
    expect(
      usage(() =>
        config([
          '--stream-arn',
          ARN_A,
          '--stream-arn',
          ARN_B,
          '--handler',
          'h.mjs',
          '--consumer-arn',
          `${ARN_A}/consumer/c:1`,
        ]),
      ).message,
    ).toMatch(/--consumer-arn names a consumer of one stream, but 2 streams/);
    expect(usage(() => config(['--stream-arn', 'orders', '--stream-arn', ARN_B, '--handler', 'h'])).message).toMatch(
      /--stream-arn: "orders" is not a stream ARN/,
    );
    expect(
      usage(() => config(['--stream-arn', ARN_A, '--handler', 'h.mjs', '--on-stream-failure', 'stop'])).message,
    ).toMatch(/--on-stream-failure applies to several streams/);
    const file = (text: object | string) => usage(() => parseStreamsFile(JSON.stringify(text), '--config f.json'));
    expect(usage(() => parseStreamsFile('{', '--config f.json')).message).toMatch(/^--config f.json: not JSON/);
    expect(file({ streams: [] }).message).toContain('"streams" must be a non-empty array');
    expect(file({ streams: [{ streamArn: ARN_A }], stop: true }).message).toContain('unknown setting "stop"');
    expect(file({ streams: [{ streamArn: ARN_A, rolearn: ROLE_A }] }).message).toContain(
      'streams[0]: unknown setting "rolearn"',
    );
    expect(file({ streams: [{ streamArn: ARN_A }, { streamArn: 'arn:aws:kinesis:x' }] }).message).toMatch(
      /--config f.json streams\[1\].streamArn: "arn:aws:kinesis:x" is not a stream ARN/,
    );
    expect(file({ streams: [{ streamArn: ARN_A, roleArn: 42 }] }).message).toContain(
      'streams[0].roleArn: expected a non-empty string',
    );
    expect(file({ streams: [{ streamArn: ARN_A, externalId: 'x' }] }).message).toContain(
      'externalId and sessionName need roleArn',
    );
    expect(file({ streams: [{ streamArn: ARN_A }, { streamArn: ARN_A }] }).message).toContain('named twice');
    expect(file({ streams: [{ streamArn: ARN_A }], onStreamFailure: 'ignore' }).message).toMatch(
      /onStreamFailure: "ignore" is not one of continue, stop/,
    );
    // The single-stream options are unchanged.
    expect(
      pollerOptionsFrom(config(['--stream-arn', ARN_A, '--handler', 'h.mjs']), { handler: () => {} } as never, extra),
    ).toMatchObject({ streamArn: ARN_A });
  });
});

const fleet = fleetTests();

describe('streamshare poll: several streams, a run', () => {
  it('reads two streams of two producer accounts, each with the role its --config entry names', async () => {
    const [a, b] = PRODUCERS;
    const streamA = await producerStreamOf(a, 'cli-multi-a', 1);
    const streamB = await producerStreamOf(b, 'cli-multi-b', 1);
    const sts = await fleet.environment();
    const texts = [...(await putTexts(a, streamA, 'a', 4)), ...(await putTexts(b, streamB, 'b', 4))];

    const dir = await tempDir();
    const seen: string[] = [];
    const key = `__streamshareSeen${process.pid}`;
    (globalThis as Record<string, unknown>)[key] = seen;
    await writeFile(
      join(dir, 'handler.mjs'),
      `export default (record) => { globalThis[${JSON.stringify(key)}].push(record.streamArn + ' ' + record.data); };\n`,
    );
    await writeFile(
      join(dir, 'fleet.json'),
      JSON.stringify({
        streams: [
          { streamArn: streamA, roleArn: a.roleArn, externalId: EXTERNAL_ID },
          { streamArn: streamB, roleArn: b.roleArn, externalId: EXTERNAL_ID },
        ],
      }),
    );
    const signals = new EventEmitter();
    const out: string[] = [];
    const io = {
      env: {},
      cwd: dir,
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => out.push(text) },
      signals: signals as never,
    };
    const run = pollCommand.run(
      [
        '--config',
        'fleet.json',
        '--handler',
        'handler.mjs',
        '--codec',
        'text',
        '--checkpoint-dir',
        'ckpt',
        '--metrics-port',
        '0',
        '--idle-ms',
        '50',
        '--log-level',
        'silent',
      ],
      io,
    );
    const expected = texts.map((text) => `${text.startsWith('a-') ? streamA : streamB} ${text}`);
    await waitFor(() => expected.every((line) => seen.includes(line)), 'every record of both streams');
    signals.emit('SIGTERM', 'SIGTERM');
    expect(await run).toBe(0);
    const roles = new Set(sts.calls.filter((call) => call.outcome === 'ok').map((call) => call.roleArn));
    expect(roles).toEqual(new Set([a.roleArn, b.roleArn]));
  });
});
