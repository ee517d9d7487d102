import { InvalidStreamArnError } from '@streamshare/core';
import {
  arnAccount,
  arnRegion,
  formatConsumerArn,
  formatRoleArn,
  formatStreamArn,
  InvalidArnError,
  parseConsumerArn,
  parseRoleArn,
  parseStreamArn,
  roleArnOfSession,
  splitArn,
} from '@streamshare/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileThrownValues } from './fixtures/hostile-thrown.js';

// Reference grammars, written independently of the parser: the oracle of the properties below.
const STREAM = /^arn:(aws|aws-cn|aws-us-gov):kinesis:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:stream\/[A-Za-z0-9_.-]{1,128}$/;
const CONSUMER =
  /^arn:(aws|aws-cn|aws-us-gov):kinesis:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:stream\/[A-Za-z0-9_.-]{1,128}\/consumer\/[A-Za-z0-9_.-]{1,128}:\d{1,20}$/;
const ROLE = /^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

const partition = fc.constantFrom('aws', 'aws-cn', 'aws-us-gov');
const region = fc.stringMatching(/^[a-z]{2}(-[a-z]{1,9}){1,3}-\d{1,2}$/);
const account = fc.stringMatching(/^\d{12}$/);
const kinesisName = fc.stringMatching(/^[A-Za-z0-9_.-]{1,128}$/);
const timestamp = fc.stringMatching(/^\d{1,20}$/);
const roleName = fc.stringMatching(/^[\w+=,.@-]{1,64}$/);
const rolePath = fc
  .array(fc.stringMatching(/^[\w+=,.@-]{1,20}$/), { maxLength: 4 })
  .map((segments) => `/${segments.map((s) => `${s}/`).join('')}`);

const streamParts = fc.record({ partition, region, account, streamName: kinesisName });
const consumerParts = fc.record({
  partition,
  region,
  account,
  streamName: kinesisName,
  consumerName: kinesisName,
  creationTimestamp: timestamp,
});
const roleParts = fc.record({ partition, account, path: rolePath, roleName });

/** A valid ARN with one change: a character replaced, inserted or removed, or the text cut. */
function mutated(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const char = fc.constantFrom(':', '/', '*', ' ', 'a', 'Z', '0', '-', '.', '_', '\u00e9', '');
  return fc.tuple(valid, fc.nat(), char, fc.constantFrom('replace', 'insert', 'cut')).map(([arn, at, c, how]) => {
    const i = at % (arn.length + 1);
    if (how === 'cut') return arn.slice(0, i);
    return arn.slice(0, i) + c + arn.slice(how === 'replace' ? i + 1 : i);
  });
}

/** What a parser did with a value: its result, or the error it threw. */
function attempt<T>(parse: () => T): { ok: true; value: T } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    return { ok: false, error };
  }
}

describe('splitArn', () => {
  it('gives back the six fields of any ARN, wildcards included', () => {
    const field = fc.string({ maxLength: 12 }).map((s) => s.replaceAll(':', ''));
    fc.assert(
      fc.property(field, field, field, field, fc.string({ maxLength: 30 }), (p, s, r, a, resource) => {
        expect(splitArn(`arn:${p}:${s}:${r}:${a}:${resource}`)).toEqual({
          partition: p,
          service: s,
          region: r,
          account: a,
          resource,
        });
      }),
    );
    expect(splitArn('arn:aws:iam::*:role/team-*')).toEqual({
      partition: 'aws',
      service: 'iam',
      region: '',
      account: '*',
      resource: 'role/team-*',
    });
  });

  it('says undefined for what is not an ARN, never throws', () => {
    for (const value of ['', 'arn', 'arn:aws:kinesis:us-east-1:999900009999', 'urn:a:b:c:d:e', '999900009999']) {
      expect(splitArn(value)).toBeUndefined();
    }
    fc.assert(
      fc.property(fc.string(), (value) => {
        const fields = splitArn(value);
        expect(fields === undefined).toBe(!value.startsWith('arn:') || value.split(':').length < 6);
        if (fields) {
          const { partition, service, region, account, resource } = fields;
          expect(`arn:${partition}:${service}:${region}:${account}:${resource}`).toBe(value);
        }
      }),
    );
  });

  it('reads the account and the region, or undefined', () => {
    expect(arnAccount('arn:aws:kinesis:us-east-1:999900009999:stream/x')).toBe('999900009999');
    expect(arnRegion('arn:aws:kinesis:us-east-1:999900009999:stream/x')).toBe('us-east-1');
    expect(arnRegion('arn:aws:iam::999900009999:role/r')).toBeUndefined();
    expect(arnAccount('arn:aws:s3:::bucket')).toBeUndefined();
    expect(arnAccount('not an arn')).toBeUndefined();
    expect(arnAccount(undefined)).toBeUndefined();
  });
});

describe('parseStreamArn', () => {
  it('round-trips any valid stream ARN', () => {
    fc.assert(
      fc.property(streamParts, (parts) => {
        const arn = formatStreamArn(parts);
        expect(arn).toMatch(STREAM);
        expect(parseStreamArn(arn)).toEqual({ ...parts, arn });
      }),
    );
  });

  it('takes exactly the strings of the stream ARN grammar; anything else is an InvalidStreamArnError', () => {
    const candidates = fc.oneof(
      fc.string(),
      mutated(streamParts.map(formatStreamArn)),
      mutated(consumerParts.map(formatConsumerArn)),
    );
    fc.assert(
      fc.property(candidates, (value) => {
        const result = attempt(() => parseStreamArn(value, 'streamArn'));
        expect(result.ok).toBe(STREAM.test(value));
        if (result.ok) {
          expect(formatStreamArn(result.value)).toBe(value);
        } else {
          expect(result.error).toBeInstanceOf(InvalidStreamArnError);
          const error = result.error as InvalidStreamArnError;
          expect(error.code).toBe('INVALID_STREAM_ARN');
          expect(error.setting).toBe('streamArn');
          expect(error.message.startsWith('streamArn: invalid stream ARN ')).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses any value that is not a string with the typed error', () => {
    fc.assert(
      fc.property(
        fc.anything().filter((v) => typeof v !== 'string'),
        (value) => {
          expect(() => parseStreamArn(value)).toThrow(InvalidStreamArnError);
        },
      ),
    );
    for (const [label, make] of Object.entries(hostileThrownValues)) {
      const result = attempt(() => parseStreamArn(make()));
      expect(result.ok, label).toBe(false);
      expect((result as { error: unknown }).error, label).toBeInstanceOf(InvalidArnError);
    }
  });

  it('names the setting, what was given, why, and the expected form', () => {
    const error = attempt(() => parseStreamArn('arn:aws:kinesis:us-east-1:9999:stream/x', '--stream-arn'));
    expect((error as { error: Error }).error.message).toBe(
      '--stream-arn: invalid stream ARN "arn:aws:kinesis:us-east-1:9999:stream/x": account "9999" is not 12 digits; ' +
        'expected arn:<aws|aws-cn|aws-us-gov>:kinesis:<region>:<12-digit account>:stream/<stream name>',
    );
    expect(() => parseStreamArn('x'.repeat(10_000))).toThrow(/"x{300}…": not an ARN/);
    expect(() => parseStreamArn(null)).toThrow(/invalid stream ARN \(a null, not a string\): a string is required/);
    expect(() => parseConsumerArn(7)).toThrow(/invalid consumer ARN \(a number, not a string\): a string is required/);
    expect(() => parseRoleArn(undefined)).toThrow(/invalid IAM role ARN nothing: a string is required/);
  });

  it('takes names of 1 to 128 characters, not 129', () => {
    const base = 'arn:aws:kinesis:us-east-1:999900009999:stream/';
    expect(parseStreamArn(base + 'n'.repeat(128)).streamName).toHaveLength(128);
    expect(() => parseStreamArn(base + 'n'.repeat(129))).toThrow(/is not 1-128 characters/);
    expect(parseConsumerArn(`${base}s/consumer/${'c'.repeat(128)}:1`).consumerName).toHaveLength(128);
    expect(() => parseConsumerArn(`${base}s/consumer/${'c'.repeat(129)}:1`)).toThrow(/consumer name "c+" is not 1-128/);
    expect(parseRoleArn(`arn:aws:iam::999900009999:role/${'r'.repeat(64)}`).roleName).toHaveLength(64);
    expect(() => parseRoleArn(`arn:aws:iam::999900009999:role/${'r'.repeat(65)}`)).toThrow(InvalidArnError);
  });
});

describe('parseConsumerArn', () => {
  it('round-trips any valid consumer ARN, and gives its stream ARN', () => {
    fc.assert(
      fc.property(consumerParts, (parts) => {
        const arn = formatConsumerArn(parts);
        expect(arn).toMatch(CONSUMER);
        const parsed = parseConsumerArn(arn);
        expect(parsed).toEqual({ ...parts, arn, streamArn: formatStreamArn(parts) });
        expect(parseStreamArn(parsed.streamArn).streamName).toBe(parts.streamName);
      }),
    );
  });

  it('takes exactly the strings of the consumer ARN grammar; anything else is an InvalidArnError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), mutated(consumerParts.map(formatConsumerArn))), (value) => {
        const result = attempt(() => parseConsumerArn(value, 'consumerArn'));
        expect(result.ok).toBe(CONSUMER.test(value));
        if (result.ok) expect(formatConsumerArn(result.value)).toBe(value);
        else {
          expect(result.error).toBeInstanceOf(InvalidArnError);
          expect((result.error as InvalidArnError).code).toBe('INVALID_CONSUMER_ARN');
          expect((result.error as Error).message).toMatch(/^consumerArn: invalid consumer ARN /);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseRoleArn', () => {
  it('round-trips any valid role ARN, with or without a path', () => {
    fc.assert(
      fc.property(roleParts, (parts) => {
        const arn = formatRoleArn(parts);
        expect(arn).toMatch(ROLE);
        expect(parseRoleArn(arn)).toEqual({ ...parts, arn });
      }),
    );
    expect(formatRoleArn({ partition: 'aws', account: '888800008888', roleName: 'reader' })).toBe(
      'arn:aws:iam::888800008888:role/reader',
    );
  });

  it('takes exactly the strings of the role ARN grammar; anything else is an InvalidArnError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), mutated(roleParts.map(formatRoleArn))), (value) => {
        const result = attempt(() => parseRoleArn(value, '--role-arn'));
        expect(result.ok).toBe(ROLE.test(value));
        if (!result.ok) {
          expect(result.error).toBeInstanceOf(InvalidArnError);
          expect(result.error).not.toBeInstanceOf(InvalidStreamArnError);
          expect((result.error as InvalidArnError).code).toBe('INVALID_ROLE_ARN');
        }
      }),
      { numRuns: 500 },
    );
    expect(() => parseRoleArn('arn:aws:iam:us-east-1:888800008888:role/r')).toThrow(/region "us-east-1" must be empty/);
    expect(() => parseRoleArn('arn:aws:iam::888800008888:user/r')).toThrow(/is not "role\/<name>"/);
  });
});

describe('roleArnOfSession', () => {
  it('gives the role ARN of an assumed-role session, undefined for anything else', () => {
    expect(roleArnOfSession('arn:aws:sts::888800008888:assumed-role/reader/session-1')).toBe(
      'arn:aws:iam::888800008888:role/reader',
    );
    expect(roleArnOfSession('arn:aws-cn:sts::888800008888:assumed-role/r/s')).toBe(
      'arn:aws-cn:iam::888800008888:role/r',
    );
    expect(roleArnOfSession('arn:aws:iam::888800008888:role/reader')).toBeUndefined();
    expect(roleArnOfSession('arn:aws:sts::8888:assumed-role/reader/s')).toBeUndefined();
    expect(roleArnOfSession('arn:aws:sts::888800008888:assumed-role/reader')).toBeUndefined();
    fc.assert(fc.property(fc.string(), (value) => void roleArnOfSession(value)));
  });
});
