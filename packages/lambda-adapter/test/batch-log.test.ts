import { eventBridgeHandler, kinesisHandler } from '@streamshare/lambda-adapter';
import { afterEach, describe, expect, it } from 'vitest';
import { summarizeBatch } from '../src/logging/batch-summary.js';
import {
  captureLogger,
  fakeContext,
  kinesisEvent,
  REFERENCE_EVENT,
  ROLE_ARN,
  SHARD,
  STREAM_ARN,
  seq,
} from './fixtures.js';

const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLETOKENxyz';

function batchLines(lines: Record<string, unknown>[]): Record<string, unknown>[] {
  return lines.filter((line) => line.transport !== undefined);
}

describe('the batch log line', () => {
  const savedToken = process.env.AWS_SESSION_TOKEN;
  afterEach(() => {
    if (savedToken === undefined) delete process.env.AWS_SESSION_TOKEN;
    else process.env.AWS_SESSION_TOKEN = savedToken;
  });

  it('writes one line per batch with stream, shard, accounts, count, duration and lag', async () => {
    const capture = captureLogger();
    const handler = kinesisHandler(() => undefined, { logger: capture.logger });
    const before = Date.now();
    await handler(structuredClone(REFERENCE_EVENT), fakeContext(60_000, 'req-42'));
    const after = Date.now();
    expect(capture.lines).toHaveLength(1);
    const line = capture.lines[0]!;
    expect(line).toMatchObject({
      level: 30,
      msg: 'batch done',
      transport: 'kinesis',
      streamArn: STREAM_ARN,
      shardId: SHARD,
      streamAccount: '999900009999',
      consumerAccount: '888800008888',
      crossAccount: true,
      invokeIdentityArn: ROLE_ARN,
      awsRegion: 'us-east-1',
      awsRequestId: 'req-42',
      eventRecords: 1,
      count: 1,
      succeeded: 1,
      failed: 0,
      deadLettered: 0,
    });
    expect(typeof line.durationMs).toBe('number');
    expect(line.lagMs).toBeGreaterThanOrEqual(before - 1709100911667);
    expect(line.lagMs).toBeLessThanOrEqual(after - 1709100911667);
    expect(line.failedRecord).toBeUndefined();
  });

  it('takes the lag from the last record of the batch', async () => {
    const capture = captureLogger();
    const handler = kinesisHandler(() => undefined, { logger: capture.logger });
    const now = Date.now();
    await handler(
      kinesisEvent([
        { data: 1, arrival: now - 60_000 },
        { data: 2, arrival: now - 5_000 },
      ]),
      fakeContext(),
    );
    const lag = batchLines(capture.lines)[0]!.lagMs as number;
    expect(lag).toBeGreaterThanOrEqual(5_000);
    expect(lag).toBeLessThan(30_000);
  });

  it('warns with the first record not done', async () => {
    const capture = captureLogger();
    const handler = kinesisHandler(
      (record) => {
        if ((record.data as { i: number }).i === 1) throw new Error('bad record');
      },
      { logger: capture.logger, retry: { attempts: 1 } },
    );
    await handler(kinesisEvent([0, 1, 2].map((i) => ({ data: { i }, key: `k${i}` }))), fakeContext());
    const lines = batchLines(capture.lines);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      count: 3,
      succeeded: 1,
      failed: 2,
      failedRecord: { sequenceNumber: seq(1), partitionKey: 'k1', reason: 'handler', code: 'HANDLER_FAILED' },
    });
    expect((lines[0]!.failedRecord as { error: string }).error).toContain('bad record');
  });

  it('never writes payloads or credentials', async () => {
    process.env.AWS_SESSION_TOKEN = SESSION_TOKEN;
    const capture = captureLogger();
    const handler = kinesisHandler(
      (_record, context) => {
        context.logger.info(
          { credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: SECRET_KEY, sessionToken: SESSION_TOKEN } },
          'handler logs its credentials by mistake',
        );
        context.logger.info({ secretAccessKey: SECRET_KEY, client: { sessionToken: SESSION_TOKEN } }, 'again');
      },
      { logger: capture.logger },
    );
    const payload = { password: 'hunter2-in-the-payload', secretAccessKey: SECRET_KEY };
    await handler(kinesisEvent([{ data: payload }]), fakeContext());
    const raw = capture.raw();
    expect(raw).not.toContain(SECRET_KEY);
    expect(raw).not.toContain(SESSION_TOKEN);
    expect(raw).not.toContain('hunter2-in-the-payload');
    expect(raw).not.toContain(Buffer.from(JSON.stringify(payload)).toString('base64'));
    expect(raw).toContain('[REDACTED]');
    expect(batchLines(capture.lines)).toHaveLength(1);
  });

  it('says when stream and reader are in the same account', () => {
    const summary = summarizeBatch(
      {
        transport: 'kinesis',
        streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/s',
        shardId: SHARD,
        invokeIdentityArn: 'arn:aws:iam::123456789012:role/r',
        awsRegion: 'eu-west-1',
        eventRecords: 0,
        lastArrival: undefined,
        awsRequestId: undefined,
      },
      { checkpoint: undefined, failed: undefined, total: 0, succeeded: 0, deadLettered: 0, durationMs: 0.5 },
      Date.now(),
    );
    expect(summary).toMatchObject({ crossAccount: false, streamAccount: '123456789012', lagMs: undefined, count: 0 });
  });

  it('logs EventBridge deliveries with the event source and account', async () => {
    const capture = captureLogger();
    const handler = eventBridgeHandler(() => undefined, { logger: capture.logger });
    const detail = {
      eventSource: 'aws:kinesis',
      eventSourceARN: STREAM_ARN,
      eventID: `${SHARD}:${seq(0)}`,
      partitionKey: 'p',
      sequenceNumber: seq(0),
      data: Buffer.from('{"a":1}').toString('base64'),
      approximateArrivalTimestamp: 1709100911.667,
      invokeIdentityArn: 'arn:aws:iam::777700007777:role/pipe-role',
      awsRegion: 'us-east-1',
    };
    await handler(
      {
        version: '0',
        id: 'evt-1',
        'detail-type': 'Event from aws:kinesis',
        source: 'Pipe kds-pipe',
        account: '777700007777',
        time: '2024-02-28T06:15:11Z',
        region: 'us-east-1',
        resources: [],
        detail,
      },
      fakeContext(),
    );
    expect(batchLines(capture.lines)[0]).toMatchObject({
      transport: 'eventbridge',
      format: 'pipes',
      eventId: 'evt-1',
      source: 'Pipe kds-pipe',
      eventAccount: '777700007777',
      streamAccount: '999900009999',
      consumerAccount: '777700007777',
      crossAccount: true,
      count: 1,
      failed: 0,
    });
  });
});
