import { beforeAll, describe, expect, it } from 'vitest';
import { type DemoRun, jsonAfter, runDemo, sections } from './run-demo.js';

const BUDGET_MS = 60_000;
const STREAM_ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const ROLE_ARN = 'arn:aws:iam::888800008888:role/service-role/kds-reader1-role-q6zcv9kq';
const RECORD = "data: { this_is: 'test record' }";
const CONSUMER_ARN = new RegExp(`^${STREAM_ARN}/consumer/kds-reader1-efo:\\d+$`);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

describe('npm run demo (examples/demo/run.mjs)', () => {
  let run: DemoRun;
  let parts: Map<string, string>;
  let sequenceNumber: string;

  beforeAll(async () => {
    run = await runDemo(BUDGET_MS + 30_000);
    parts = sections(run.stdout);
    sequenceNumber = /"SequenceNumber": "(\d+)"/.exec(parts.get('3') ?? '')?.[1] ?? '';
  }, BUDGET_MS + 40_000);

  it('exits 0 within 60 s, silently on stderr', () => {
    expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(run.elapsedMs).toBeLessThan(BUDGET_MS);
  });

  it('prints every section, in order', () => {
    expect([...parts.keys()]).toEqual(['1', '2', '3', '4', '4a', '4b', '4c', '4d', '5']);
  });

  it("attaches the stream policy naming kds-reader1's role with the five actions", () => {
    const policy = jsonAfter(parts.get('2')!, 'policy.json (streamReadPolicy') as {
      Statement: { Effect: string; Principal: { AWS: string }; Action: string[]; Resource: string }[];
    };
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { AWS: ROLE_ARN },
        Action: [
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:GetRecords',
          'kinesis:GetShardIterator',
          'kinesis:ListShards',
        ],
        Resource: STREAM_ARN,
      }),
    ]);
  });

  it("registers the enhanced fan-out consumer, waits for ACTIVE and attaches its policy naming kds-reader1's role", () => {
    const text = parts.get('2')!;
    const consumerArn = /^ {2}ConsumerARN: (\S+)$/m.exec(text)?.[1] ?? '';
    expect(consumerArn).toMatch(CONSUMER_ARN);
    expect(text).toMatch(/^ {2}ConsumerStatus: CREATING, ACTIVE after \d+ ms/m);
    const policy = jsonAfter(text, 'consumer-policy.json (on the consumer ARN') as {
      Statement: { Effect: string; Principal: { AWS: string }; Action: string[]; Resource: string }[];
    };
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { AWS: ROLE_ARN },
        Action: ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'],
        Resource: consumerArn,
      }),
    ]);
  });

  it('prints the ShardId and SequenceNumber of the put', () => {
    expect(jsonAfter(parts.get('3')!, '$ aws kinesis put-record', 2)).toEqual({
      ShardId: 'shardId-000000000000',
      SequenceNumber: expect.stringMatching(/^\d{20,}$/),
    });
  });

  it.each(['4a', '4b', '4c', '4d'])(
    'reader %s received the record once, with the sequence number of the put',
    (key) => {
      const text = parts.get(key) ?? '';
      expect(text.split(RECORD)).toHaveLength(2);
      const printed = [...text.matchAll(/^ +sequenceNumber: (\d+)$/gm)].map((m) => m[1]);
      expect(printed).toEqual([sequenceNumber]);
      expect(text).toContain(`checkpoint written: shardId-000000000000 -> ${sequenceNumber}`);
    },
  );

  it('4b: kds-reader1 got the Lambda event of the reference scenario and answered no failures', () => {
    const text = parts.get('4b')!;
    const event = jsonAfter(text, 'event (as kds-reader1 receives it') as { Records: Record<string, unknown>[] };
    expect(event.Records).toHaveLength(1);
    const [record] = event.Records as [Record<string, unknown> & { kinesis: Record<string, unknown> }];
    expect(record).toMatchObject({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventName: 'aws:kinesis:record',
      eventID: `shardId-000000000000:${sequenceNumber}`,
      invokeIdentityArn: ROLE_ARN,
      awsRegion: 'us-east-1',
      eventSourceARN: STREAM_ARN,
    });
    expect(record.kinesis).toMatchObject({
      kinesisSchemaVersion: '1.0',
      partitionKey: 'DUMMY1',
      sequenceNumber,
      data: 'eyJ0aGlzX2lzIjogInRlc3QgcmVjb3JkIn0=',
    });
    expect(text).toContain('response: { batchItemFailures: [] }');
  });

  it('4c: the forwarder put one event on the bus in ap-northeast-1 and the receiver unwrapped it', () => {
    const text = parts.get('4c')!;
    const event = jsonAfter(text, 'event as the bus delivers it') as { region: string; detail: { data: unknown } };
    expect(event).toMatchObject({
      region: 'ap-northeast-1',
      account: '888800008888',
      source: 'streamshare.kinesis',
      detail: { streamArn: STREAM_ARN, partitionKey: 'DUMMY1', sequenceNumber, data: { this_is: 'test record' } },
    });
    expect(text).toContain('forwarder: 1 record(s) -> response { batchItemFailures: [] }');
  });

  it('4d: the record came through enhanced fan-out: SubscribeToShard on the consumer, signed as the consumer account', () => {
    const text = parts.get('4d')!;
    const consumerArn = /^ {2}ConsumerARN: (\S+)$/m.exec(parts.get('2') ?? '')?.[1];
    expect(text).toContain(`consumerArn: '${consumerArn}'`);
    expect(text).toMatch(
      /^ {2}SubscribeToShard: shardId-000000000000 from TRIM_HORIZON, signed as account 888800008888 \(the assumed role\)$/m,
    );
    expect(text).toContain('the handler received 1 record(s) through enhanced fan-out:');
    expect(parts.get('1')).toMatch(/^ {2}SubscribeToShard +http:\/\/127\.0\.0\.1:\d+ /m);
  });

  it('leaves no child process behind', () => {
    const pid = Number(/kinesis-mock +\S+ +\(child process, pid (\d+)\)/.exec(parts.get('1') ?? '')?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(false);
    expect(parts.get('5')).toContain(`kinesis-mock (pid ${pid}) has exited`);
  });
});
