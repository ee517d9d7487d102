import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { createLogger } from '@streamshare/core';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs example without type declarations
import { invokeLocal, REFERENCE_EVENT_PATH } from '../scripts/invoke-local.mjs';
// @ts-expect-error plain .mjs example without type declarations
import { createHandler } from '../src/kds-reader1.mjs';

function capture() {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ destination: destination as never });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines };
}

describe('examples/cross-account-lambda', () => {
  it('the event file is the reference event of DESIGN.md', async () => {
    const design = await readFile(new URL('../../../../shared/DESIGN.md', import.meta.url), 'utf8').catch(
      () => undefined,
    );
    const event = JSON.parse(await readFile(REFERENCE_EVENT_PATH, 'utf8'));
    expect(event.Records[0].kinesis.data).toBe('eyJ0aGlzX2lzIjogInRlc3QgcmVjb3JkIn0=');
    expect(event.Records[0].eventSourceARN).toBe('arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1');
    if (design !== undefined) {
      const block = /```json\n(\{"Records".*?)\n```/s.exec(design)?.[1];
      expect(JSON.parse(block!)).toEqual(event);
    }
  });

  it('invokes kds-reader1 with the reference event: the record is logged decoded, nothing is reported', async () => {
    const { logger, lines } = capture();
    const response = await invokeLocal({ handler: createHandler({ logger }) });
    expect(response).toEqual({ batchItemFailures: [] });
    const record = lines().find((line) => line.msg === 'kds-reader1 got a record');
    expect(record).toMatchObject({
      data: { this_is: 'test record' },
      partitionKey: 'DUMMY1',
      shardId: 'shardId-000000000000',
      stream: 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1',
      arrivedAt: '2024-02-28T06:15:11.667Z',
    });
    const batch = lines().find((line) => line.transport === 'kinesis');
    expect(batch).toMatchObject({ streamAccount: '999900009999', consumerAccount: '888800008888', crossAccount: true });
  });

  it('the stream policy grants the five actions to the consumer role on the stream', async () => {
    const policy = JSON.parse(
      await readFile(new URL('../policy/stream-resource-policy.json', import.meta.url), 'utf8'),
    );
    const [statement] = policy.Statement;
    expect(statement.Principal.AWS).toBe('arn:aws:iam::888800008888:role/service-role/kds-reader1-role-q6zcv9kq');
    expect([...statement.Action].sort()).toEqual([
      'kinesis:DescribeStream',
      'kinesis:DescribeStreamSummary',
      'kinesis:GetRecords',
      'kinesis:GetShardIterator',
      'kinesis:ListShards',
    ]);
    expect(statement.Resource).toBe('arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1');
  });

  it('the consumer template turns on ReportBatchItemFailures', async () => {
    const template = await readFile(new URL('../template.yaml', import.meta.url), 'utf8');
    expect(template).toMatch(/FunctionResponseTypes:\s*\n\s*- ReportBatchItemFailures/);
    expect(template).toContain('AWSLambdaKinesisExecutionRole');
  });
});
