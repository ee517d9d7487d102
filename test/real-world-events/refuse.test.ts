import { expect, it } from 'vitest';
import { eventBridgeRefuses, kinesisRefuses } from './handlers.js';
import { describePayloads, readJson } from './payloads.js';

// refuse/ of the real-world payloads: events of other services, some close look-alikes of a Kinesis
// event (Firehose's lowercase `records`, a DynamoDB change record). A Kinesis handler refuses each
// with its typed InvalidEventError before any record runs, saying what arrived: the kind when it
// knows it, else the keys that tell it apart (`awslogs`, `httpMethod`, `deliveryStreamArn`, ...).

const REFUSED: readonly (readonly [file: string, received: RegExp])[] = [
  ['refuse/powertools-ts-dynamodb-base.json', /DynamoDB Streams event \(Records\[0\]\.eventSource aws:dynamodb\)/],
  ['refuse/aws-lambda-go-dynamodb-event.json', /DynamoDB Streams event \(Records\[0\]\.eventSource aws:dynamodb\)/],
  ['refuse/lambda-console-dynamodb-update.json', /DynamoDB Streams event \(Records\[0\]\.eventSource aws:dynamodb\)/],
  ['refuse/powertools-ts-sqs-base.json', /SQS event \(Records\[0\]\.eventSource aws:sqs\)/],
  ['refuse/aws-lambda-go-sqs-event.json', /SQS event \(Records\[0\]\.eventSource aws:sqs\)/],
  ['refuse/lambda-console-sqs-receive-message.json', /SQS event \(Records\[0\]\.eventSource aws:sqs\)/],
  ['refuse/powertools-ts-apigw-rest-no-auth.json', /API Gateway|httpMethod/],
  ['refuse/lambda-console-apigateway-aws-proxy.json', /API Gateway|httpMethod/],
  ['refuse/powertools-ts-kinesis-firehose-from-stream.json', /Firehose|deliveryStreamArn/],
  ['refuse/lambda-console-kinesis-kinesis-firehose.json', /Firehose|deliveryStreamArn/],
  ['refuse/sam-KinesisFirehoseCloudwatchLogsProcessor.template.json', /Firehose|deliveryStreamArn/],
  ['refuse/sam-KinesisAnalyticsKpl.template.json', /Analytics|applicationArn/],
  ['refuse/powertools-py-cloudWatchLogEvent.json', /CloudWatch Logs|awslogs/],
  ['refuse/powertools-ts-cloudwatch-base.json', /CloudWatch Logs|awslogs/],
  ['refuse/lambda-console-cloudwatch-logs.json', /CloudWatch Logs|awslogs/],
];

describePayloads('real-world events of other services (refuse/)', () => {
  it.each(REFUSED)(
    '%s: kinesisHandler refuses it before any record runs, saying what arrived',
    async (file, received) => {
      const error = await kinesisRefuses(readJson(file));
      expect(error.received).toMatch(received);
    },
  );

  it.each(REFUSED)('%s: eventBridgeHandler refuses it too', async (file) => {
    await eventBridgeRefuses(readJson(file));
  });

  it('the Firehose look-alikes have lowercase records only: nothing is read from them as Records', () => {
    for (const file of [
      'refuse/powertools-ts-kinesis-firehose-from-stream.json',
      'refuse/lambda-console-kinesis-kinesis-firehose.json',
      'refuse/sam-KinesisFirehoseCloudwatchLogsProcessor.template.json',
      'refuse/sam-KinesisAnalyticsKpl.template.json',
    ]) {
      const payload = readJson<Record<string, unknown>>(file);
      expect(Array.isArray(payload.records)).toBe(true);
      expect(payload.Records).toBeUndefined();
    }
  });
});
