import { gunzipSync } from 'node:zlib';
import {
  type CloudWatchLogsData,
  DecodeError,
  processBatch,
  type StreamRecord,
  schema,
  silentLogger,
} from '@streamshare/core';
import { InvalidEventError, kinesisWindowHandler } from '@streamshare/lambda-adapter';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
// Not exported from the package's main entry: read from the source.
import { logEventsOf } from '../../packages/core/src/codec/cloudwatch-logs.js';
import { type DeviationId, sourcesSays } from './expectations.js';
import { kinesisRefuses, runKinesis } from './handlers.js';
import { expectIdentityOf, jsonOrText, type LambdaEvent, type LambdaRecord } from './lambda-event.js';
import { base64Bytes, base64Text, describePayloads, plain, readJson, readText } from './payloads.js';

// kinesis/ of the real-world payloads: Lambda events from Kinesis Data Streams, each run through
// kinesisHandler as Lambda calls it. Expected values are SOURCES.md's, and the same values are
// read from the payload here (base64 and gzip decoded with Node, not with the library).

interface Accepted {
  readonly file: string;
  /** Per record, in event order: the partition key and what the `auto` codec gives (SOURCES.md). */
  readonly records: readonly { readonly partitionKey: string; readonly data: unknown }[];
  readonly deviation?: DeviationId;
}

const HELLO_123 = { partitionKey: 'partitionKey-03', data: 'Hello, this is a test 123.' };
const CONSOLE_STREAM = [
  { partitionKey: '1', data: 'Hello, this is a test.' },
  { partitionKey: '1', data: 'This is only a test.' },
];

const ACCEPTED: readonly Accepted[] = [
  { file: 'kinesis/sam-Kinesis.rendered-defaults.json', records: [HELLO_123] },
  { file: 'kinesis/lambda-console-kinesis-get-records.json', records: [HELLO_123] },
  {
    file: 'kinesis/powertools-ts-commons-kinesis-get-records.json',
    records: [HELLO_123],
  },
  { file: 'kinesis/powertools-ts-stream.json', records: CONSOLE_STREAM },
  { file: 'kinesis/powertools-py-kinesisStreamEvent.json', records: CONSOLE_STREAM },
  {
    file: 'kinesis/powertools-py-kinesisStreamEventOneRecord.json',
    records: [{ partitionKey: '1', data: { message: 'test message', username: 'test' } }],
  },
  {
    file: 'kinesis/powertools-ts-batch-sampleKinesisEvent.json',
    records: [
      { partitionKey: '1', data: { Message: 'success' } },
      { partitionKey: '1', data: 'success' },
    ],
  },
  {
    file: 'kinesis/powertools-ts-stream-tumbling-window.json',
    records: [{ partitionKey: '1', data: 'Hello, this is a test.' }],
  },
  {
    file: 'kinesis/aws-lambda-go-kinesis-time-window-event.json',
    records: [{ partitionKey: '1', data: 'Hello, this is a test.' }],
  },
  {
    file: 'kinesis/aws-lambda-go-kinesis-event.json',
    records: [
      { partitionKey: 's1', data: 'Hello World' },
      { partitionKey: 's1', data: 'Hello World' },
    ],
  },
  {
    file: 'kinesis/byron-dupreez-nonAggregatedKinesisEvent.json',
    records: [
      { partitionKey: '0350c565-0cc9-4ec5-a552-1c5cf168f209', data: { a: 'ABC' } },
      { partitionKey: 'f5cc71f0-c128-4686-82a3-10d41eeada64', data: { b: 'DEF' } },
    ],
  },
  {
    file: 'kinesis/powertools-ts-dynamodb-stream-via-kinesis.json',
    records: [
      {
        partitionKey: '859F7C064A4818874FA67ABEC9BF2AF1',
        data: expect.objectContaining({ eventName: 'INSERT', eventSource: 'aws:dynamodb' }),
      },
      {
        partitionKey: '6037E47B707479B67E577C989D96E9F8',
        data: expect.objectContaining({ eventName: 'INSERT', eventSource: 'aws:dynamodb' }),
      },
    ],
  },
];

describePayloads('real-world Lambda Kinesis events (kinesis/) through kinesisHandler', () => {
  describe.each(ACCEPTED.map((entry) => [entry.file, entry] as const))('%s', (file, entry) => {
    const event = () => readJson<LambdaEvent>(file);

    sourcesSays(
      `is accepted: ${entry.records.length} record(s) in event order, identity and decoded data as SOURCES.md says`,
      async () => {
        const source = event();
        expect(source.Records).toHaveLength(entry.records.length);
        const { response, seen } = await runKinesis(source);
        expect(response).toEqual({ batchItemFailures: [] });
        expect(seen).toHaveLength(entry.records.length);
        entry.records.forEach((expected, i) => {
          const record = seen[i]!;
          const from = source.Records[i]!;
          expectIdentityOf(record, from);
          expect(record.partitionKey).toBe(expected.partitionKey);
          expect(record.data).toEqual(expected.data);
          // The same value, read from the payload here: base64 and JSON (or text) by Node.
          expect(record.data).toEqual(jsonOrText(base64Text(from.kinesis.data)));
        });
      },
      entry.deviation,
    );

    sourcesSays(
      'a record whose handler fails is reported by its own sequence number; nothing after it runs',
      async () => {
        const source = event();
        for (let failing = 0; failing < source.Records.length; failing++) {
          const { response, seen } = await runKinesis(source, {}, (index) => index === failing);
          expect(response).toEqual({
            batchItemFailures: [{ itemIdentifier: source.Records[failing]!.kinesis.sequenceNumber }],
          });
          expect(seen.map((r) => r.sequenceNumber)).toEqual(
            source.Records.slice(0, failing + 1).map((r) => r.kinesis.sequenceNumber),
          );
        }
      },
      entry.deviation,
    );
  });

  describe('kinesis/sam-Kinesis.template.json, sam-event-mapping.json and the renders', () => {
    it('the template with its placeholders still in is refused, the message showing the placeholder', async () => {
      const template = readJson<LambdaEvent>('kinesis/sam-Kinesis.template.json');
      expect(template.Records[0]!.kinesis.data).toBe('{{{data}}}');
      const error = await kinesisRefuses(template);
      expect(error.received).toMatch(/Records\[0\] is malformed/);
      expect(error.message).toMatch(/(kinesis\.sequenceNumber|kinesis\.data|eventSourceARN).*\{\{\{/);
    });

    it('filling the template with the defaults of sam-event-mapping.json (as samcli does) gives the rendered event', () => {
      const mapping = readJson<Record<string, Record<string, { tags: Record<string, { default: string }> }>>>(
        'kinesis/sam-event-mapping.json',
      );
      const tags = mapping.kinesis!['get-records']!.tags;
      const values: Record<string, string> = {
        partition_key: tags['partition-key']!.default,
        data: Buffer.from(tags.data!.default, 'utf8').toString('base64'),
        sequence: tags.sequence!.default,
        partition: tags.partition!.default,
        region: tags.region!.default,
      };
      const rendered = readText('kinesis/sam-Kinesis.template.json').replace(
        /\{\{\{(\w+)\}\}\}/g,
        (_all, name: string) => values[name] ?? `{{{${name}}}}`,
      );
      expect(JSON.parse(rendered)).toEqual(readJson('kinesis/sam-Kinesis.rendered-defaults.json'));
      expect(tags.data!.default).toBe('Hello, this is a test 123.');
    });

    it('the Lambda console event is the same JSON value as the SAM render (arrival 1428537600 vs 1428537600.0)', () => {
      expect(readText('kinesis/sam-Kinesis.rendered-defaults.json')).toContain(
        '"approximateArrivalTimestamp": 1428537600.0',
      );
      expect(readText('kinesis/lambda-console-kinesis-get-records.json')).toContain(
        '"approximateArrivalTimestamp":1428537600}',
      );
      expect(readJson('kinesis/lambda-console-kinesis-get-records.json')).toEqual(
        readJson('kinesis/sam-Kinesis.rendered-defaults.json'),
      );
      const powertools = readJson<{ Records: { awsRegion: string }[] }>(
        'kinesis/powertools-ts-commons-kinesis-get-records.json',
      );
      expect(powertools.Records[0]!.awsRegion).toBe('eu-central-1');
      powertools.Records[0]!.awsRegion = 'us-east-1';
      expect(powertools).toEqual(readJson('kinesis/lambda-console-kinesis-get-records.json'));
    });

    it.each([
      ['kinesis/sam-Kinesis.rendered-defaults.json'],
      ['kinesis/lambda-console-kinesis-get-records.json'],
      ['kinesis/powertools-ts-commons-kinesis-get-records.json'],
      ['kinesis/sumologic-readme-kinesis-cwl-gzip-fname.json'],
    ])(
      '%s (placeholder ARNs) never crashes: accepted, or refused by a typed error naming eventSourceARN',
      async (file) => {
        const source = readJson<LambdaEvent>(file);
        expect(source.Records[0]!.eventSourceARN).toBe('arn:aws:kinesis:EXAMPLE');
        try {
          const { response } = await runKinesis(source);
          expect(response).toEqual({ batchItemFailures: [] });
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidEventError);
          expect((error as InvalidEventError).message).toMatch(/eventSourceARN/);
          expect((error as InvalidEventError).message).toContain('arn:aws:kinesis:EXAMPLE');
        }
      },
    );
  });

  describe('twins (SOURCES.md: the same JSON value)', () => {
    it.each([
      ['kinesis/powertools-py-kinesisStreamEvent.json', 'kinesis/powertools-ts-stream.json'],
      [
        'kinesis/powertools-py-kinesisStreamCloudWatchLogsEvent.json',
        'kinesis/powertools-ts-stream-cloudwatch-logs.json',
      ],
    ])('%s equals %s', (a, b) => {
      expect(readJson(a)).toEqual(readJson(b));
    });
  });

  describe('kinesis/powertools-py-kinesisStreamEventOneRecord.json', () => {
    const file = 'kinesis/powertools-py-kinesisStreamEventOneRecord.json';
    const expected = { message: 'test message', username: 'test' };

    it.each([['json'], ['auto']] as const)('the %s codec decodes the object', async (codec) => {
      const { response, seen } = await runKinesis(readJson(file), { codec });
      expect(response).toEqual({ batchItemFailures: [] });
      expect(seen.map((r) => r.data)).toEqual([expected]);
    });

    it('a schema codec (zod) decodes and validates it', async () => {
      const Message = z.object({ message: z.string(), username: z.string() });
      const { response, seen } = await runKinesis(readJson(file), { codec: schema(Message) });
      expect(response).toEqual({ batchItemFailures: [] });
      expect(seen.map((r) => r.data)).toEqual([expected]);
      expect(JSON.parse(base64Text(readJson<LambdaEvent>(file).Records[0]!.kinesis.data))).toEqual(expected);
    });
  });

  describe('kinesis/powertools-ts-batch-sampleKinesisEvent.json', () => {
    const file = 'kinesis/powertools-ts-batch-sampleKinesisEvent.json';

    it('the json codec fails only the plain-text record, reported by its sequence number', async () => {
      const source = readJson<LambdaEvent>(file);
      expect(base64Text(source.Records[1]!.kinesis.data)).toBe('success');
      const { response, seen } = await runKinesis(source, { codec: 'json' });
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: source.Records[1]!.kinesis.sequenceNumber }] });
      expect(seen.map((r) => r.data)).toEqual([{ Message: 'success' }]);
    });

    it('the failure is a typed per-record DecodeError (handed to deadLetter; the batch then completes)', async () => {
      const source = readJson<LambdaEvent>(file);
      const dead: { record: StreamRecord<unknown>; error: unknown }[] = [];
      const { response, seen } = await runKinesis(source, {
        codec: 'json',
        deadLetter: async (record, error) => {
          dead.push({ record, error });
        },
      });
      expect(response).toEqual({ batchItemFailures: [] });
      expect(seen).toHaveLength(1);
      expect(dead).toHaveLength(1);
      expect(dead[0]!.record.sequenceNumber).toBe(source.Records[1]!.kinesis.sequenceNumber);
      expect(dead[0]!.error).toBeInstanceOf(DecodeError);
      expect((dead[0]!.error as DecodeError).code).toBe('DECODE_FAILED');
      expect(plain(dead[0]!.record.data as Uint8Array)).toEqual(plain(base64Bytes(source.Records[1]!.kinesis.data)));
    });
  });

  describe('kinesis/powertools-ts-dynamodb-stream-via-kinesis.json', () => {
    const file = 'kinesis/powertools-ts-dynamodb-stream-via-kinesis.json';

    it('is a Kinesis event (outer eventSource aws:kinesis) whose data holds DynamoDB change records', () => {
      const source = readJson<LambdaEvent>(file);
      for (const record of source.Records) {
        expect(record.eventSource).toBe('aws:kinesis');
        expect(JSON.parse(base64Text(record.kinesis.data))).toMatchObject({ eventSource: 'aws:dynamodb' });
      }
    });

    it('kinesisHandler never takes it for a DynamoDB Streams event (whatever it makes of the ARN)', async () => {
      try {
        const { seen } = await runKinesis(readJson(file));
        expect(seen).toHaveLength(2);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidEventError);
        expect((error as InvalidEventError).received).not.toMatch(/DynamoDB/);
        expect((error as InvalidEventError).received).toMatch(/Kinesis event/);
      }
    });

    it('its data decodes with a schema codec to the INSERT records (processBatch over its records)', async () => {
      const source = readJson<LambdaEvent>(file);
      const Insert = z.object({
        eventName: z.literal('INSERT'),
        eventSource: z.literal('aws:dynamodb'),
        tableName: z.string(),
        dynamodb: z.object({ Keys: z.object({ id: z.object({ S: z.string() }) }) }),
      });
      const inputs: StreamRecord<Uint8Array>[] = source.Records.map((r) => ({
        streamArn: r.eventSourceARN,
        shardId: r.eventID.slice(0, r.eventID.indexOf(':')),
        partitionKey: r.kinesis.partitionKey,
        sequenceNumber: r.kinesis.sequenceNumber,
        approximateArrivalTimestamp: new Date(Math.round(r.kinesis.approximateArrivalTimestamp * 1000)),
        data: base64Bytes(r.kinesis.data),
      }));
      const keys: string[] = [];
      const result = await processBatch(
        inputs,
        (record) => {
          keys.push(record.data.dynamodb.Keys.id.S);
          expect(record.data.tableName).toBe('PowertoolsEventsStack-DynamoDBTable59784FC0-8NKAMTERTAXY');
        },
        { codec: schema(Insert), logger: silentLogger },
      );
      expect(result.failed).toBeUndefined();
      expect(keys).toEqual(['record-1qit2y819gi', 'record-fvxn3q4q5jw']);
      expect(keys).toEqual(source.Records.map((r) => JSON.parse(base64Text(r.kinesis.data)).dynamodb.Keys.id.S));
    });
  });

  describe.each([
    ['kinesis/powertools-ts-stream-cloudwatch-logs.json'],
    ['kinesis/powertools-py-kinesisStreamCloudWatchLogsEvent.json'],
  ])('%s (real CloudWatch Logs capture, records in descending order)', (file) => {
    const decodedFiles = [
      'cwl/powertools-ts-stream-cloudwatch-logs.record0.decoded.json',
      'cwl/powertools-ts-stream-cloudwatch-logs.record1.decoded.json',
    ];

    it('its two records are in descending sequence-number and arrival order (the payload itself)', () => {
      const [a, b] = readJson<LambdaEvent>(file).Records as [LambdaRecord, LambdaRecord];
      expect(BigInt(a.kinesis.sequenceNumber) > BigInt(b.kinesis.sequenceNumber)).toBe(true);
      expect(a.kinesis.approximateArrivalTimestamp).toBeGreaterThan(b.kinesis.approximateArrivalTimestamp);
    });

    it('the cloudwatch-logs codec gives 2 DATA_MESSAGEs with 6 log events, in the order given', async () => {
      const source = readJson<LambdaEvent>(file);
      const { response, seen } = await runKinesis(source, { codec: 'cloudwatch-logs' });
      expect(response).toEqual({ batchItemFailures: [] });
      expect(seen.map((r) => r.sequenceNumber)).toEqual(source.Records.map((r) => r.kinesis.sequenceNumber));
      const data = seen.map((r) => r.data as CloudWatchLogsData);
      expect(data.map((d) => d.messageType)).toEqual(['DATA_MESSAGE', 'DATA_MESSAGE']);
      expect(data.flatMap((d) => logEventsOf(d))).toHaveLength(6);
      source.Records.forEach((r, i) => {
        const gunzipped = JSON.parse(gunzipSync(base64Bytes(r.kinesis.data)).toString('utf8'));
        expect(data[i]).toEqual(gunzipped);
        expect(data[i]).toEqual(readJson(decodedFiles[i]!));
        expect(logEventsOf(data[i]!).map((e) => e.message.split(' ')[0])).toEqual(['START', 'END', 'REPORT']);
      });
    });

    it('raw (bytes codec): the gzip bytes as they are on the stream', async () => {
      const source = readJson<LambdaEvent>(file);
      const { seen } = await runKinesis(source, { codec: 'bytes' });
      expect(seen.map((r) => plain(r.data as Uint8Array))).toEqual(
        source.Records.map((r) => plain(base64Bytes(r.kinesis.data))),
      );
      for (const record of seen) expect(plain((record.data as Uint8Array).subarray(0, 2))).toEqual([0x1f, 0x8b]);
    });

    it('a failure is reported by the failing record’s own sequence number, whatever the order', async () => {
      const source = readJson<LambdaEvent>(file);
      for (const failing of [0, 1]) {
        const { response, seen } = await runKinesis(source, { codec: 'cloudwatch-logs' }, (i) => i === failing);
        expect(response.batchItemFailures).toEqual([
          { itemIdentifier: source.Records[failing]!.kinesis.sequenceNumber },
        ]);
        expect(seen).toHaveLength(failing + 1);
      }
    });
  });

  describe('kinesis/sumologic-readme-kinesis-cwl-gzip-fname.json', () => {
    const file = 'kinesis/sumologic-readme-kinesis-cwl-gzip-fname.json';
    const TRUNCATED = '{"eventVersion":"1.03","userIdentity":{"type":"Root"}';

    it('its data is gzip with the FNAME header field (file name "a"), as SOURCES.md says', () => {
      const bytes = base64Bytes(readJson<LambdaEvent>(file).Records[0]!.kinesis.data);
      expect(plain(bytes.subarray(0, 4))).toEqual([0x1f, 0x8b, 0x08, 0x08]);
      expect(plain(bytes.subarray(10, 12))).toEqual([0x61, 0x00]); // "a", NUL-terminated
    });

    sourcesSays(
      'is accepted: the cloudwatch-logs codec gives 3 log events whose messages stay (truncated JSON) strings',
      async () => {
        const source = readJson<LambdaEvent>(file);
        const { response, seen } = await runKinesis(source, { codec: 'cloudwatch-logs' });
        expect(response).toEqual({ batchItemFailures: [] });
        const data = seen[0]!.data as CloudWatchLogsData;
        expect(data).toEqual(JSON.parse(gunzipSync(base64Bytes(source.Records[0]!.kinesis.data)).toString('utf8')));
        expect(logEventsOf(data).map((e) => e.message)).toEqual([TRUNCATED, TRUNCATED, TRUNCATED]);
      },
    );
  });

  describe.each([
    ['kinesis/powertools-ts-stream-tumbling-window.json', { '1': 282, '2': 715 }],
    ['kinesis/aws-lambda-go-kinesis-time-window-event.json', { '1': 'state 1', '2': 'state 2' }],
  ])('%s (tumbling window)', (file, state) => {
    it('kinesisWindowHandler gets the record, window and state; the response carries the new state', async () => {
      const source = readJson<LambdaEvent & Record<string, unknown>>(file);
      expect(source.state).toEqual(state);
      const calls: unknown[] = [];
      const handler = kinesisWindowHandler<Record<string, unknown>>(
        (input) => {
          calls.push({
            data: input.records.map((r) => r.data),
            state: input.state,
            window: input.window,
            isFinalInvokeForWindow: input.isFinalInvokeForWindow,
            isWindowTerminatedEarly: input.isWindowTerminatedEarly,
            shardId: input.shardId,
            streamArn: input.streamArn,
          });
          return { ...input.state, seen: input.records.length };
        },
        { logger: silentLogger },
      );
      const response = await handler(source as unknown as Parameters<typeof handler>[0]);
      expect(calls).toEqual([
        {
          data: [base64Text(source.Records[0]!.kinesis.data)],
          state,
          window: { start: '2020-12-09T07:04:00Z', end: '2020-12-09T07:06:00Z' },
          isFinalInvokeForWindow: false,
          isWindowTerminatedEarly: false,
          shardId: source.shardId,
          streamArn: source.eventSourceARN,
        },
      ]);
      expect((calls[0] as { data: unknown[] }).data).toEqual(['Hello, this is a test.']);
      expect(response).toEqual({ state: { ...state, seen: 1 }, batchItemFailures: [] });
    });
  });
});
