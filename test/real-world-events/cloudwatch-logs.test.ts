import { gunzipSync, inflateSync } from 'node:zlib';
import {
  type CloudWatchLogsData,
  DecodeError,
  type ProcessBatchOptions,
  processBatch,
  type StreamRecord,
  silentLogger,
} from '@streamshare/core';
import { describe, expect, it } from 'vitest';
// Not exported from the package's main entry (codecs are named in options): read from the source.
import { cloudWatchLogs, isControlMessage, logEventsOf } from '../../packages/core/src/codec/cloudwatch-logs.js';
import { gzip } from '../../packages/core/src/codec/gzip.js';
import { kinesisRefuses } from './handlers.js';
import type { LambdaEvent } from './lambda-event.js';
import { base64Bytes, describePayloads, plain, readBytes, readJson, readText, utf8 } from './payloads.js';

// cwl/ of the real-world payloads: CloudWatch Logs subscription payloads, the bytes a subscription
// filter writes into a Kinesis record. Each is decoded with core's cloudwatch-logs codec through
// processBatch, as a record of a stream, and compared with its .decoded.json twin, whose text is
// checked here to be the gunzipped (or inflated) bytes, by Node's zlib.

interface Capture {
  readonly compressed: string;
  readonly decoded: string;
  readonly messageType: 'DATA_MESSAGE' | 'CONTROL_MESSAGE';
  /** Log events a consumer should get (`logEventsOf`): none for a control message. */
  readonly userEvents: number;
  /** Messages (or their start) SOURCES.md names, when it names them. */
  readonly messages?: readonly string[];
  /** Where the compressed bytes were cut from: a payload and the base64 text in it. */
  readonly from?: { readonly file: string; readonly base64: (payload: never) => string };
}

const firehoseRecord =
  (i: number) =>
  (payload: { records: { data: string }[] }): string =>
    payload.records[i]!.data;
const kinesisRecord =
  (i: number) =>
  (payload: LambdaEvent): string =>
    payload.Records[i]!.kinesis.data;
const awslogs = (payload: { awslogs: { data: string } }): string => payload.awslogs.data;

const FIREHOSE = 'refuse/sam-KinesisFirehoseCloudwatchLogsProcessor.template.json';
const CAPTURE = 'kinesis/powertools-ts-stream-cloudwatch-logs.json';

const GZIP: readonly Capture[] = [
  {
    compressed: 'cwl/sam-firehose-cwl-record0-CONTROL_MESSAGE.json.gz',
    decoded: 'cwl/sam-firehose-cwl-record0-CONTROL_MESSAGE.decoded.json',
    messageType: 'CONTROL_MESSAGE',
    userEvents: 0,
    from: { file: FIREHOSE, base64: firehoseRecord(0) },
  },
  {
    compressed: 'cwl/sam-firehose-cwl-record1-DATA_MESSAGE.json.gz',
    decoded: 'cwl/sam-firehose-cwl-record1-DATA_MESSAGE.decoded.json',
    messageType: 'DATA_MESSAGE',
    userEvents: 3,
    from: { file: FIREHOSE, base64: firehoseRecord(1) },
  },
  {
    compressed: 'cwl/sam-firehose-cwl-record2-DATA_MESSAGE.json.gz',
    decoded: 'cwl/sam-firehose-cwl-record2-DATA_MESSAGE.decoded.json',
    messageType: 'DATA_MESSAGE',
    userEvents: 3,
    from: { file: FIREHOSE, base64: firehoseRecord(2) },
  },
  {
    compressed: 'cwl/sam-firehose-cwl-record3-DATA_MESSAGE.json.gz',
    decoded: 'cwl/sam-firehose-cwl-record3-DATA_MESSAGE.decoded.json',
    messageType: 'DATA_MESSAGE',
    userEvents: 3,
    from: { file: FIREHOSE, base64: firehoseRecord(3) },
  },
  {
    compressed: 'cwl/powertools-ts-stream-cloudwatch-logs.record0.json.gz',
    decoded: 'cwl/powertools-ts-stream-cloudwatch-logs.record0.decoded.json',
    messageType: 'DATA_MESSAGE',
    userEvents: 3,
    messages: ['START RequestId:', 'END RequestId:', 'REPORT RequestId:'],
    from: { file: CAPTURE, base64: kinesisRecord(0) },
  },
  {
    compressed: 'cwl/powertools-ts-stream-cloudwatch-logs.record1.json.gz',
    decoded: 'cwl/powertools-ts-stream-cloudwatch-logs.record1.decoded.json',
    messageType: 'DATA_MESSAGE',
    userEvents: 3,
    messages: ['START RequestId:', 'END RequestId:', 'REPORT RequestId:'],
    from: { file: CAPTURE, base64: kinesisRecord(1) },
  },
  {
    compressed: 'cwl/powertools-ts-cloudwatch-base.data.json.gz',
    decoded: 'cwl/powertools-ts-cloudwatch-base.data.decoded.json',
    messageType: 'DATA_MESSAGE',
    userEvents: 3,
    from: { file: 'refuse/powertools-ts-cloudwatch-base.json', base64: awslogs },
  },
  {
    compressed: 'cwl/lambda-console-cloudwatch-logs.data.json.gz',
    decoded: 'cwl/lambda-console-cloudwatch-logs.data.decoded.json',
    messageType: 'DATA_MESSAGE',
    userEvents: 2,
    messages: ['[ERROR] First test message', '[ERROR] Second test message'],
    from: { file: 'refuse/lambda-console-cloudwatch-logs.json', base64: awslogs },
  },
  {
    compressed: 'cwl/sumologic-readme.record0.gzip-fname.json.gz',
    decoded: 'cwl/sumologic-readme.record0.decoded.json',
    messageType: 'DATA_MESSAGE',
    userEvents: 3,
    messages: Array(3).fill('{"eventVersion":"1.03","userIdentity":{"type":"Root"}'),
    from: { file: 'kinesis/sumologic-readme-kinesis-cwl-gzip-fname.json', base64: kinesisRecord(0) },
  },
];

/** A stream record holding `data`, as a poller or the Lambda adapter hands it to processBatch. */
function recordOf(data: Uint8Array, sequenceNumber = '49545115243490985018280067714973144582180062593244200961') {
  return {
    streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/cwl-destination',
    shardId: 'shardId-000000000000',
    partitionKey: 'cwl',
    sequenceNumber,
    approximateArrivalTimestamp: new Date(1_700_000_000_000),
    data,
  } satisfies StreamRecord<Uint8Array>;
}

/** The data of one record decoded by processBatch with `options` (its codec), or the failure. */
async function decodeOne(data: Uint8Array, options: Pick<ProcessBatchOptions<unknown>, 'codec'>) {
  const seen: unknown[] = [];
  const result = await processBatch(
    [recordOf(data)],
    (record) => {
      seen.push(record.data);
    },
    { logger: silentLogger, retry: { attempts: 1 }, ...options },
  );
  return { seen, result };
}

describePayloads('real-world CloudWatch Logs payloads (cwl/) through the cloudwatch-logs codec', () => {
  describe.each(GZIP.map((c) => [c.compressed, c] as const))('%s', (_name, capture) => {
    it('is gzip; Node gunzips it to the text of its .decoded.json; it is the data of its source payload', () => {
      const bytes = readBytes(capture.compressed);
      expect(plain(bytes.subarray(0, 2))).toEqual([0x1f, 0x8b]);
      expect(gunzipSync(bytes).toString('utf8')).toBe(readText(capture.decoded));
      if (capture.from !== undefined) {
        const payload = readJson<never>(capture.from.file);
        expect(plain(base64Bytes(capture.from.base64(payload)))).toEqual(plain(bytes));
      }
    });

    it(`decodes to a ${capture.messageType} with ${capture.userEvents} user log event(s), messages kept as strings`, async () => {
      const { seen, result } = await decodeOne(readBytes(capture.compressed), { codec: 'cloudwatch-logs' });
      expect(result.failed).toBeUndefined();
      expect(result.checkpoint).toMatchObject({ complete: true });
      const data = seen[0] as CloudWatchLogsData;
      const expected = readJson<CloudWatchLogsData>(capture.decoded);
      expect(data).toEqual(expected);
      expect(data.messageType).toBe(capture.messageType);
      expect(isControlMessage(data)).toBe(capture.messageType === 'CONTROL_MESSAGE');
      const events = logEventsOf(data);
      expect(events).toHaveLength(capture.userEvents);
      expect(events).toEqual(capture.messageType === 'CONTROL_MESSAGE' ? [] : expected.logEvents);
      for (const event of data.logEvents) expect(typeof event.message).toBe('string');
      if (capture.messages !== undefined) {
        capture.messages.forEach((start, i) => {
          expect(events[i]!.message.startsWith(start)).toBe(true);
        });
      }
    });

    it('the exported cloudWatchLogs codec object decodes it the same way', async () => {
      const { seen } = await decodeOne(readBytes(capture.compressed), { codec: cloudWatchLogs });
      expect(seen).toEqual([readJson(capture.decoded)]);
    });
  });

  it('cwl/sam-firehose-cwl-record0-CONTROL_MESSAGE: its one event is the health check, not user data', async () => {
    const expected = readJson<CloudWatchLogsData>('cwl/sam-firehose-cwl-record0-CONTROL_MESSAGE.decoded.json');
    expect(expected.owner).toBe('CloudwatchLogs');
    expect(expected.logEvents).toHaveLength(1);
    expect(expected.logEvents[0]!.message).toMatch(/^CWL CONTROL MESSAGE/);
  });

  it('cwl/powertools-ts-cloudwatch-base: the Powertools JSON log line stays a string unless JSON is asked for', async () => {
    const { seen } = await decodeOne(readBytes('cwl/powertools-ts-cloudwatch-base.data.json.gz'), {
      codec: 'cloudwatch-logs',
    });
    const messages = logEventsOf(seen[0] as CloudWatchLogsData).map((e) => e.message);
    const jsonLine = messages.find((m) => m.startsWith('{'));
    expect(jsonLine).toBeDefined();
    expect(JSON.parse(jsonLine!)).toMatchObject({ level: 'INFO', message: 'Hello from other.ts' });
    // The generic gzip codec (gzip, then JSON) gives the whole payload as JSON, messages still strings.
    const viaGzip = await decodeOne(readBytes('cwl/powertools-ts-cloudwatch-base.data.json.gz'), { codec: gzip });
    expect(viaGzip.seen).toEqual([readJson('cwl/powertools-ts-cloudwatch-base.data.decoded.json')]);
  });

  it('the default auto codec unpacks the gzip and parses the JSON', async () => {
    for (const capture of GZIP) {
      const { seen } = await decodeOne(readBytes(capture.compressed), {});
      expect(seen).toEqual([readJson(capture.decoded)]);
    }
  });

  describe('cwl/powertools-py-cloudWatchLogEventWithPolicyLevel (zlib, not gzip)', () => {
    const event = 'cwl/powertools-py-cloudWatchLogEventWithPolicyLevel.json';
    const zlib = 'cwl/powertools-py-cloudWatchLogEventWithPolicyLevel.data.zlib';
    const decoded = 'cwl/powertools-py-cloudWatchLogEventWithPolicyLevel.data.decoded.json';

    it('as a Lambda event (awslogs, not Kinesis) it is refused', async () => {
      const error = await kinesisRefuses(readJson(event));
      expect(error.received).toMatch(/CloudWatch Logs|awslogs/);
    });

    it('its data is zlib, the base64 of awslogs.data; Node inflates it to the .decoded.json text', () => {
      const bytes = readBytes(zlib);
      // A zlib header: deflate with a 32 KiB window (78), check bits making CMF·256+FLG a multiple of 31.
      // It is 78 DA (maximum compression); SOURCES.md says 78 9c, but both are zlib, and "eNq" is 78 DA.
      expect(plain(bytes.subarray(0, 2))).toEqual([0x78, 0xda]);
      expect((bytes[0]! * 256 + bytes[1]!) % 31).toBe(0);
      expect(readJson<{ awslogs: { data: string } }>(event).awslogs.data.startsWith('eNq')).toBe(true);
      expect(plain(base64Bytes(readJson<{ awslogs: { data: string } }>(event).awslogs.data))).toEqual(plain(bytes));
      expect(inflateSync(bytes).toString('utf8')).toBe(readText(decoded));
    });

    it('the cloudwatch-logs codec reads the zlib data: 2 log events and policyLevel ACCOUNT_LEVEL_POLICY', async () => {
      const { seen, result } = await decodeOne(readBytes(zlib), { codec: 'cloudwatch-logs' });
      expect(result.failed).toBeUndefined();
      const data = seen[0] as CloudWatchLogsData;
      expect(data).toEqual(readJson(decoded));
      expect(data.policyLevel).toBe('ACCOUNT_LEVEL_POLICY');
      expect(logEventsOf(data).map((e) => e.message)).toEqual([
        '[ERROR] First test message',
        '[ERROR] Second test message',
      ]);
    });

    it('data that is neither gzip nor zlib (the decoded text itself) fails as that record with a typed DecodeError', async () => {
      const text = new TextEncoder().encode(readText(decoded));
      const { seen, result } = await decodeOne(text, { codec: 'cloudwatch-logs' });
      expect(seen).toEqual([]);
      expect(result.failed?.reason).toBe('decode');
      expect(result.failed?.error).toBeInstanceOf(DecodeError);
      expect((result.failed!.error as DecodeError).message).toMatch(/not gzip or zlib/);
      expect(utf8(result.failed!.record.data as Uint8Array)).toBe(readText(decoded));
    });
  });
});
