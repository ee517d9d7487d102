// The producer account's side: the stream, its resource-based policy, the enhanced fan-out consumer
// and its policy, the test record.
import {
  DescribeStreamConsumerCommand,
  GetResourcePolicyCommand,
  PutRecordCommand,
  PutResourcePolicyCommand,
  RegisterStreamConsumerCommand,
} from '@aws-sdk/client-kinesis';
import { streamReadPolicy } from '@streamshare/poller';
import { createStream } from '@streamshare/testkit';
import { CONSUMER_NAME, CONSUMER_ROLE_ARN, STREAM_NAME, TEST_RECORD } from './scenario.mjs';

/** How long the demo waits for the consumer to become ACTIVE (AWS: seconds; kinesis-mock: milliseconds). */
const CONSUMER_ACTIVE_TIMEOUT_MS = 20_000;

/** The policy stored on `resourceArn`, parsed (`GetResourcePolicy`). */
async function storedPolicy(client, resourceArn) {
  const stored = await client.send(new GetResourcePolicyCommand({ ResourceARN: resourceArn }));
  return JSON.parse(stored.Policy ?? 'null');
}

/**
 * Creates the one-shard stream and attaches the policy that lets the consumer's role read it
 * (`aws kinesis create-stream` + `aws kinesis put-resource-policy`).
 * @param {import('@aws-sdk/client-kinesis').KinesisClient} client the producer account's client
 * @returns {Promise<{ streamArn: string, policy: object }>} the policy as the stream stores it
 */
export async function createSharedStream(client) {
  const streamArn = await createStream(client, STREAM_NAME, 1);
  const document = streamReadPolicy(streamArn, [CONSUMER_ROLE_ARN]);
  await client.send(new PutResourcePolicyCommand({ ResourceARN: streamArn, Policy: JSON.stringify(document) }));
  return { streamArn, policy: await storedPolicy(client, streamArn) };
}

/**
 * The consumer's resource-based policy: the consumer role may describe the consumer and subscribe
 * to its shards (what `streamshare policy --consumer-arn ARN --principal ROLE` prints).
 * @param {string} consumerArn
 */
export function consumerReadPolicy(consumerArn) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'StreamshareCrossAccountFanOut',
        Effect: 'Allow',
        Principal: { AWS: CONSUMER_ROLE_ARN },
        Action: ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'],
        Resource: consumerArn,
      },
    ],
  };
}

/**
 * Registers the enhanced fan-out consumer on the stream (`aws kinesis register-stream-consumer`),
 * waits until DescribeStreamConsumer says ACTIVE (a consumer policy can only be attached then), and
 * attaches the consumer's policy (`aws kinesis put-resource-policy --resource-arn CONSUMER_ARN`).
 * The consumer account cannot register a consumer on a stream it does not own: it is given the ARN.
 * @param {import('@aws-sdk/client-kinesis').KinesisClient} client the producer account's client
 * @param {string} streamArn
 * @returns {Promise<{ consumerArn: string, registeredStatus: string, activeAfterMs: number, policy: object }>}
 */
export async function registerSharedConsumer(client, streamArn) {
  const startedAt = performance.now();
  const registered = await client.send(
    new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: CONSUMER_NAME }),
  );
  const consumerArn = registered.Consumer?.ConsumerARN;
  if (consumerArn === undefined) throw new Error('RegisterStreamConsumer returned no ConsumerARN');
  const deadline = Date.now() + CONSUMER_ACTIVE_TIMEOUT_MS;
  for (;;) {
    const { ConsumerDescription: description } = await client.send(
      new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }),
    );
    if (description?.ConsumerStatus === 'ACTIVE') break;
    if (Date.now() > deadline) {
      throw new Error(
        `consumer ${consumerArn} is still ${description?.ConsumerStatus} after ${CONSUMER_ACTIVE_TIMEOUT_MS} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const activeAfterMs = performance.now() - startedAt;
  await client.send(
    new PutResourcePolicyCommand({ ResourceARN: consumerArn, Policy: JSON.stringify(consumerReadPolicy(consumerArn)) }),
  );
  return {
    consumerArn,
    registeredStatus: registered.Consumer?.ConsumerStatus ?? 'unknown',
    activeAfterMs,
    policy: await storedPolicy(client, consumerArn),
  };
}

/**
 * `aws kinesis put-record --stream-name kds-sharing-example1 --partition-key DUMMY1 --data '{"this_is": "test record"}'`
 * @param {import('@aws-sdk/client-kinesis').KinesisClient} client the producer account's client
 * @returns {Promise<{ ShardId: string, SequenceNumber: string }>} what the CLI prints
 */
export async function putTestRecord(client) {
  const out = await client.send(
    new PutRecordCommand({
      StreamName: STREAM_NAME,
      PartitionKey: TEST_RECORD.partitionKey,
      Data: new TextEncoder().encode(TEST_RECORD.data),
    }),
  );
  return { ShardId: out.ShardId, SequenceNumber: out.SequenceNumber };
}
