/** `streamshare poll --consumer-arn` (enhanced fan-out): parsed, checked against --stream-arn, passed to createPoller. */
import { describe, expect, it } from 'vitest';
import { pollerOptionsFrom } from '../src/cli/commands/poll.js';
import { readFlags } from '../src/cli/flags.js';
import { POLL_FLAGS, pollConfigFrom } from '../src/cli/poll-config.js';
import { UsageError } from '../src/cli/usage-error.js';

const ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/orders';
const CONSUMER = `${ARN}/consumer/efo-reader:1700000000`;
const base = ['--stream-arn', ARN, '--handler', './handler.mjs'];

function config(argv: string[], env: Record<string, string> = {}) {
  return pollConfigFrom(readFlags(POLL_FLAGS, argv, env));
}

function usage(argv: string[], env: Record<string, string> = {}): UsageError {
  try {
    config(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('CLI_USAGE');
    return error as UsageError;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

describe('streamshare poll --consumer-arn', () => {
  it('takes a consumer of the stream, from the flag or STREAMSHARE_CONSUMER_ARN, and gives it to createPoller', () => {
    expect(config([...base, '--consumer-arn', CONSUMER]).consumerArn).toBe(CONSUMER);
    const fromEnv = config(base, { STREAMSHARE_CONSUMER_ARN: CONSUMER });
    expect(fromEnv.consumerArn).toBe(CONSUMER);
    expect(config(base).consumerArn).toBeUndefined();
    const options = pollerOptionsFrom(fromEnv, { handler: () => {} } as never, {
      cwd: '/',
      logger: undefined as never,
      observer: undefined,
    });
    expect(options.consumerArn).toBe(CONSUMER);
    expect(
      'consumerArn' in
        pollerOptionsFrom(config(base), { handler: () => {} } as never, {
          cwd: '/',
          logger: undefined as never,
          observer: undefined,
        }),
    ).toBe(false);
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
