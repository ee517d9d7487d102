import { describe, expect, it } from 'vitest';
import { pollerOptionsFrom } from '../src/cli/commands/poll.js';
import { envNameOf, readFlags } from '../src/cli/flags.js';
import { POLL_FLAGS, pollConfigFrom } from '../src/cli/poll-config.js';
import { UsageError } from '../src/cli/usage-error.js';

const ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const base = ['--stream-arn', ARN, '--handler', './handler.mjs'];

function config(argv: string[], env: Record<string, string> = {}) {
  return pollConfigFrom(readFlags(POLL_FLAGS, argv, env));
}

function usage(argv: string[], env: Record<string, string> = {}): UsageError {
  try {
    config(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).code).toBe('CLI_USAGE');
    return error as UsageError;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

describe('streamshare poll: flags and environment', () => {
  it('names every flag variable STREAMSHARE_<UPPER_SNAKE>', () => {
    expect(envNameOf('stream-arn')).toBe('STREAMSHARE_STREAM_ARN');
    expect(envNameOf('shutdown-timeout-ms')).toBe('STREAMSHARE_SHUTDOWN_TIMEOUT_MS');
  });

  it('applies the documented defaults', () => {
    const c = config(base);
    expect(c).toMatchObject({
      streamArn: ARN,
      handler: { path: './handler.mjs', exportName: 'default' },
      codec: 'auto',
      checkpoint: { kind: 'file', dir: './.streamshare' },
      startingPosition: 'TRIM_HORIZON',
      metricsPort: 9090,
      metricsHost: '0.0.0.0',
      logLevel: 'info',
      shutdownTimeoutMs: 25_000,
      idleMs: 1000,
      handlerLoadTimeoutMs: 30_000,
    });
    expect(c.assumeRole).toBeUndefined();
    expect(c.concurrency).toBeUndefined();
  });

  it('reads every string flag from the environment, and a flag wins over its variable', () => {
    const env = {
      STREAMSHARE_STREAM_ARN: ARN,
      STREAMSHARE_HANDLER: 'h.cjs#handle',
      STREAMSHARE_ROLE_ARN: 'arn:aws:iam::999900009999:role/reader',
      STREAMSHARE_EXTERNAL_ID: 'ext-1',
      STREAMSHARE_CODEC: 'json',
      STREAMSHARE_LEASE_TABLE: 'leases',
      STREAMSHARE_WORKER_ID: 'w1',
      STREAMSHARE_FAILOVER_MS: '12000',
      STREAMSHARE_FROM: 'latest',
      STREAMSHARE_CONCURRENCY: '4',
      STREAMSHARE_BATCH_SIZE: '100',
      STREAMSHARE_IDLE_MS: '250',
      STREAMSHARE_METRICS_PORT: '0',
      STREAMSHARE_METRICS_HOST: '127.0.0.1',
      STREAMSHARE_LOG_LEVEL: 'debug',
      STREAMSHARE_SHUTDOWN_TIMEOUT_MS: '5000',
      STREAMSHARE_HANDLER_LOAD_TIMEOUT_MS: '1500',
    };
    const fromEnv = config([], env);
    expect(fromEnv).toEqual({
      streamArn: ARN,
      handler: { path: 'h.cjs', exportName: 'handle' },
      handlerLoadTimeoutMs: 1500,
      assumeRole: {
        roleArn: 'arn:aws:iam::999900009999:role/reader',
        externalId: 'ext-1',
        sessionName: 'streamshare-poller',
      },
      codec: 'json',
      checkpoint: { kind: 'lease-table', tableName: 'leases', workerId: 'w1', failoverTimeMs: 12000 },
      startingPosition: 'LATEST',
      concurrency: 4,
      batchSize: 100,
      idleMs: 250,
      metricsPort: 0,
      metricsHost: '127.0.0.1',
      logLevel: 'debug',
      shutdownTimeoutMs: 5000,
    });
    const flagWins = config(['--codec', 'text', '--concurrency', '2', '--handler', 'other.mjs'], env);
    expect(flagWins.codec).toBe('text');
    expect(flagWins.concurrency).toBe(2);
    expect(flagWins.handler).toEqual({ path: 'other.mjs', exportName: 'default' });
  });

  it('treats an empty variable as unset', () => {
    expect(config(base, { STREAMSHARE_CODEC: '' }).codec).toBe('auto');
  });

  it('parses --from as trim-horizon, latest or an ISO-8601 time', () => {
    expect(config([...base, '--from', 'TRIM-HORIZON']).startingPosition).toBe('TRIM_HORIZON');
    expect(config([...base, '--from', '2024-02-28T06:15:00Z']).startingPosition).toEqual({
      timestamp: new Date('2024-02-28T06:15:00Z'),
    });
    expect(config([...base, '--from', '2024-02-28']).startingPosition).toEqual({ timestamp: new Date('2024-02-28') });
    const error = usage([...base, '--from', 'yesterday']);
    expect(error.message).toContain('--from');
    expect(error.message).toContain('trim-horizon, latest or an ISO-8601 time');
  });

  it('requires --stream-arn and --handler, naming flag and variable', () => {
    expect(usage(['--handler', 'h.mjs']).message).toMatch(/--stream-arn \(or STREAMSHARE_STREAM_ARN\) is required/);
    expect(usage(['--stream-arn', ARN]).message).toMatch(/--handler \(or STREAMSHARE_HANDLER\) is required/);
  });

  it('refuses a malformed stream ARN with the expected form', () => {
    const error = usage(['--handler', 'h.mjs'], { STREAMSHARE_STREAM_ARN: 'kds-sharing-example1' });
    expect(error.message).toContain('STREAMSHARE_STREAM_ARN');
    expect(error.message).toContain('arn:aws:kinesis:<region>:<12-digit account>:stream/<name>');
  });

  it('refuses bad values naming the flag or variable and the allowed values', () => {
    const codec = usage([...base, '--codec', 'xml']);
    expect(codec.message).toBe('--codec: "xml" is not one of auto, json, text, bytes, gzip, cloudwatch-logs');
    const level = usage(base, { STREAMSHARE_LOG_LEVEL: 'loud' });
    expect(level.message).toMatch(/^STREAMSHARE_LOG_LEVEL: "loud" is not one of trace, debug, info/);
    expect(usage([...base, '--concurrency', '0']).message).toBe(
      '--concurrency: "0" is not a whole number from 1 to 10000',
    );
    expect(usage([...base, '--concurrency', '1.5']).message).toContain('--concurrency');
    expect(usage([...base, '--metrics-port', '70000']).message).toContain('from 0 to 65535');
    expect(usage([...base, '--batch-size', '10001']).message).toContain('--batch-size');
    expect(usage([...base, '--role-arn', 'arn:aws:iam::1:user/x']).message).toContain('not an IAM role ARN');
    expect(usage([...base, '--lease-table', 'x']).message).toContain('not a DynamoDB table name');
    expect(usage(['--stream-arn', ARN, '--handler', 'h.mjs#not-an-identifier']).message).toContain('PATH[#EXPORT]');
  });

  it('makes --checkpoint-dir and --lease-table exclusive, also across flags and variables', () => {
    expect(usage([...base, '--checkpoint-dir', 'd', '--lease-table', 'leases']).message).toMatch(
      /--checkpoint-dir and --lease-table exclude each other/,
    );
    expect(usage([...base, '--checkpoint-dir', 'd'], { STREAMSHARE_LEASE_TABLE: 'leases' }).message).toMatch(
      /--checkpoint-dir and STREAMSHARE_LEASE_TABLE exclude each other/,
    );
  });

  it('refuses options that need another one', () => {
    expect(usage([...base, '--external-id', 'x']).message).toBe(
      '--external-id needs --role-arn (or STREAMSHARE_ROLE_ARN)',
    );
    expect(usage([...base, '--worker-id', 'w']).message).toContain('needs --lease-table');
  });

  it('refuses unknown flags, missing values and positionals', () => {
    expect(() => readFlags(POLL_FLAGS, ['--stream', ARN], {})).toThrow(UsageError);
    expect(() => readFlags(POLL_FLAGS, ['--stream-arn'], {})).toThrow(/--stream-arn/);
    expect(() => readFlags(POLL_FLAGS, ['extra'], {})).toThrow(UsageError);
  });

  it('sees --help and -h', () => {
    expect(readFlags(POLL_FLAGS, ['--help'], {}).switches.has('help')).toBe(true);
    expect(readFlags(POLL_FLAGS, ['-h'], {}).switches.has('help')).toBe(true);
  });
});

describe('streamshare poll: --max-buffered-mb (issue 15)', () => {
  it('maps MiB to the poller option maxBufferedBytes, from the flag or its variable; absent: the poller default', async () => {
    const { pollerOptionsFrom } = await import('../src/cli/commands/poll.js');
    const { pino } = await import('../src/deps/commonjs.cjs');
    const optionsOf = (argv: string[], env: Record<string, string> = {}) =>
      pollerOptionsFrom(config(argv, env), { handler: () => {} } as never, {
        cwd: '/',
        logger: pino({ level: 'silent' }),
        observer: undefined,
      });
    expect(optionsOf([...base, '--max-buffered-mb', '8']).maxBufferedBytes).toBe(8 * 1024 * 1024);
    expect(optionsOf(base, { STREAMSHARE_MAX_BUFFERED_MB: '256' }).maxBufferedBytes).toBe(256 * 1024 * 1024);
    expect(optionsOf(base).maxBufferedBytes).toBeUndefined();
    expect(usage([...base, '--max-buffered-mb', '0']).message).toBe(
      '--max-buffered-mb: "0" is not a whole number from 1 to 65536',
    );
  });
});

/** `--consumer-arn` (enhanced fan-out): a consumer of the stream read. */
const CONSUMER = `${ARN}/consumer/efo-reader:1700000000`;

describe('streamshare poll --consumer-arn', () => {
  it('takes a consumer of the stream, from the flag or STREAMSHARE_CONSUMER_ARN, and gives it to createPoller', () => {
    expect(config([...base, '--consumer-arn', CONSUMER]).consumerArn).toBe(CONSUMER);
    const fromEnv = config(base, { STREAMSHARE_CONSUMER_ARN: CONSUMER });
    expect(fromEnv.consumerArn).toBe(CONSUMER);
    expect(config(base).consumerArn).toBeUndefined();
    const optionsOf = (given: ReturnType<typeof config>) =>
      pollerOptionsFrom(given, { handler: () => {} } as never, {
        cwd: '/',
        logger: undefined as never,
        observer: undefined,
      });
    expect(optionsOf(fromEnv).consumerArn).toBe(CONSUMER);
    expect('consumerArn' in optionsOf(config(base))).toBe(false);
  });

  it('refuses a malformed consumer ARN and a consumer of another stream, naming the flag', () => {
    const malformed = usage([...base, '--consumer-arn', `${ARN}/consumer/efo-reader`]);
    expect(malformed.message).toMatch(/^--consumer-arn: ".*" is not a consumer ARN \(.+\); expected arn:aws:kinesis:/);
    const other = usage([
      ...base,
      '--consumer-arn',
      'arn:aws:kinesis:us-east-1:999900009999:stream/payments/consumer/c:1',
    ]);
    expect(other.message).toContain('--consumer-arn');
    expect(other.message).toContain('stream/payments');
    expect(other.message).toContain(ARN);
    const env = usage(base, { STREAMSHARE_CONSUMER_ARN: 'nope' });
    expect(env.message).toMatch(/^STREAMSHARE_CONSUMER_ARN: "nope" is not a consumer ARN/);
  });
});
