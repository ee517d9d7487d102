import { DecodeError, processBatch, silentLogger } from '@streamshare/core';
import { eventBridgeHandler } from '@streamshare/lambda-adapter';
import { describe, expect, it } from 'vitest';
import { eventBridgeRefuses, kinesisRefuses } from './handlers.js';
import { base64Text, describePayloads, readBytes, readJson, readText } from './payloads.js';

// eventbridge/ of the real-world payloads: what EventBridge rules and Pipes hand a function. None is
// a Lambda Kinesis event; eventBridgeHandler takes an EventBridge event whose detail is one record.

const VERBATIM = 'eventbridge/eb-pipes-kinesis-docs-example.verbatim.txt';
const FIXED = 'eventbridge/eb-pipes-kinesis-docs-example.commas-fixed.json';

interface PipesRecord {
  readonly data: string;
  readonly partitionKey: string;
  readonly sequenceNumber: string;
  readonly eventID: string;
  readonly eventSourceARN: string;
  readonly approximateArrivalTimestamp: number;
}

describePayloads('real-world EventBridge shapes (eventbridge/)', () => {
  describe(VERBATIM, () => {
    it('differs from the fixed copy by exactly two commas, after both approximateArrivalTimestamp values', () => {
      const verbatim = readText(VERBATIM).split('\n');
      const fixed = readText(FIXED).split('\n');
      expect(verbatim).toHaveLength(fixed.length);
      const differing = fixed.flatMap((line, i) => (line === verbatim[i] ? [] : [[verbatim[i]!, line] as const]));
      expect(differing).toHaveLength(2);
      for (const [before, after] of differing) {
        expect(after).toBe(`${before},`);
        expect(before).toMatch(/"approximateArrivalTimestamp": [\d.]+$/);
      }
    });

    it('is not JSON: the parse error names the position of the first missing comma', () => {
      const text = readText(VERBATIM);
      const missing = text.indexOf('"eventSource"');
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
      let message = '';
      try {
        JSON.parse(text);
      } catch (error) {
        message = (error as SyntaxError).message;
      }
      expect(Number(/position (\d+)/.exec(message)?.[1])).toBe(missing);
    });

    it('as the data of a record, the json codec fails it with a typed DecodeError naming the position', async () => {
      const text = readText(VERBATIM);
      const result = await processBatch(
        [
          {
            streamArn: 'arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream',
            shardId: 'shardId-000000000006',
            partitionKey: '1',
            sequenceNumber: '1',
            approximateArrivalTimestamp: new Date(0),
            data: readBytes(VERBATIM),
          },
        ],
        () => {},
        { codec: 'json', logger: silentLogger },
      );
      expect(result.failed?.reason).toBe('decode');
      expect(result.failed?.error).toBeInstanceOf(DecodeError);
      expect((result.failed!.error as Error).message).toContain(`position ${text.indexOf('"eventSource"')}`);
    });
  });

  describe(FIXED, () => {
    it('a bare array of flattened Pipes records: kinesisHandler refuses it', async () => {
      const error = await kinesisRefuses(readJson(FIXED));
      expect(error.received).toMatch(/array of 2|Pipes/);
    });

    it('eventBridgeHandler refuses the bare array too (not an EventBridge event)', async () => {
      const error = await eventBridgeRefuses(readJson(FIXED));
      expect(error.received).toMatch(/array of 2|Pipes/);
    });

    it('each record, as the detail a Pipe puts on a bus, is taken by eventBridgeHandler with its decoded data', async () => {
      // No captured bus event from a Kinesis pipe exists (SOURCES.md): the envelope below is ours,
      // the detail is the docs' record as it is.
      const records = readJson<PipesRecord[]>(FIXED);
      const seen: unknown[] = [];
      const handler = eventBridgeHandler(
        (record) => {
          seen.push({
            data: record.data,
            partitionKey: record.partitionKey,
            sequenceNumber: record.sequenceNumber,
            shardId: record.shardId,
            streamArn: record.streamArn,
            arrival: record.approximateArrivalTimestamp.getTime(),
          });
        },
        { logger: silentLogger },
      );
      for (const detail of records) {
        await handler({
          version: '0',
          id: `pipes-${detail.sequenceNumber}`,
          'detail-type': 'Event from aws:kinesis',
          source: 'Pipe kinesis-to-bus',
          account: '123456789012',
          time: '2018-12-17T22:10:50Z',
          region: 'us-east-2',
          resources: [],
          detail,
        });
      }
      expect(seen).toEqual(
        records.map((r) => ({
          data: base64Text(r.data),
          partitionKey: r.partitionKey,
          sequenceNumber: r.sequenceNumber,
          shardId: r.eventID.slice(0, r.eventID.indexOf(':')),
          streamArn: r.eventSourceARN,
          arrival: Math.round(r.approximateArrivalTimestamp * 1000),
        })),
      );
      expect(seen.map((s) => (s as { data: unknown }).data)).toEqual([
        'Hello, this is a test.',
        'This is only a test.',
      ]);
    });
  });

  describe.each([
    ['eventbridge/powertools-py-eventBridgeEvent.json', 'aws.ec2', 'EC2 Instance State-change Notification'],
    ['eventbridge/aws-lambda-go-cloudwatch-scheduled-event.json', 'aws.events', 'Scheduled Event'],
  ])('%s (delivered by a rule)', (file, source, detailType) => {
    it('kinesisHandler refuses it, naming an EventBridge event and its source', async () => {
      const error = await kinesisRefuses(readJson(file));
      expect(error.received).toContain('EventBridge event');
      expect(error.received).toContain(JSON.stringify(source));
      expect(error.received).toContain(JSON.stringify(detailType));
    });

    it('eventBridgeHandler refuses it: its detail is not a Kinesis record nor a streamshare envelope', async () => {
      const error = await eventBridgeRefuses(readJson(file));
      expect(error.received).toContain(JSON.stringify(source));
      expect(error.received).toMatch(/whose detail is/);
    });
  });
});
