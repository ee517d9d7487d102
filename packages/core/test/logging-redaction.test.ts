import { Writable } from 'node:stream';
import { createLogger, processBatch, silentLogger } from '@streamshare/core';
import { describe, expect, it } from 'vitest';
import { SECRET_PATHS } from '../src/logging/logger.js';
import { records } from './fixtures-batch/records.js';

const SECRETS = [
  'AKIAIOSFODNN7EXAMPLE',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'FwoGZXIvYXdzEXAMPLESESSIONTOKEN',
  'AWS4-HMAC-SHA256 Credential=AKIA',
];

function capture(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

describe('createLogger', () => {
  it('redacts credentials at any usual place and keeps the rest', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream, level: 'debug' });
    const [accessKeyId, secretAccessKey, sessionToken, authorization] = SECRETS;
    logger.info(
      {
        credentials: { accessKeyId, secretAccessKey, sessionToken },
        role: {
          Credentials: { AccessKeyId: accessKeyId, SecretAccessKey: secretAccessKey, SessionToken: sessionToken },
        },
        assumed: { AccessKeyId: accessKeyId, SecretAccessKey: secretAccessKey, SessionToken: sessionToken },
        client: { config: { accessKeyId, secretAccessKey, sessionToken } },
        headers: { authorization },
        request: { headers: { Authorization: authorization } },
        streamArn: 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1',
      },
      'assumed role',
    );
    const [line] = out.lines();
    expect(line).toBeDefined();
    for (const secret of SECRETS) expect(line).not.toContain(secret);
    const parsed = JSON.parse(line as string);
    expect(parsed.msg).toBe('assumed role');
    expect(parsed.streamArn).toContain('kds-sharing-example1');
    expect(parsed.credentials).toBe('[REDACTED]');
    expect(parsed.assumed.SessionToken).toBe('[REDACTED]');
    expect(parsed.client.config.secretAccessKey).toBe('[REDACTED]');
  });

  it('redacts extra paths and honours the level', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream, level: 'warn', redact: ['apiKey', '*.apiKey'] });
    logger.info({ x: 1 }, 'hidden by level');
    logger.warn({ sink: { apiKey: 'super-secret-key' } }, 'shown');
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('super-secret-key');
  });

  it('exports the secret paths for other loggers, and a silent logger', () => {
    expect(SECRET_PATHS).toEqual(expect.arrayContaining(['*.secretAccessKey', 'credentials', 'headers.authorization']));
    expect(silentLogger.isLevelEnabled('fatal')).toBe(false);
  });

  it('processBatch logs through the given logger without secrets', async () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream, level: 'debug' });
    await processBatch(
      records(1),
      () => {
        throw Object.assign(new Error('denied'), { credentials: { secretAccessKey: SECRETS[1] } });
      },
      { logger },
    );
    const text = out.lines().join('\n');
    expect(text).toContain('batch stopped');
    expect(text).not.toContain(SECRETS[1]);
  });
});

describe('createLogger and thrown values', () => {
  it('logs any thrown value under err without throwing, as readable text', async () => {
    const { hostileThrownValues } = await import('./fixtures/hostile-thrown.js');
    for (const [label, make] of Object.entries(hostileThrownValues)) {
      const out = capture();
      const logger = createLogger({ destination: out.stream, level: 'debug' });
      const value = make();
      expect(() => logger.error({ err: value }, 'failed'), label).not.toThrow();
      expect(() => logger.error({ err: new Error('outer', { cause: value }) }, 'failed'), label).not.toThrow();
      expect(out.lines().length, label).toBe(2);
      for (const line of out.lines()) expect(JSON.parse(line).msg, label).toBe('failed');
    }
  });
});
