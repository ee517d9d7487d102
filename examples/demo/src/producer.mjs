// The producer account's side: the stream, its resource-based policy, the test record.
import { GetResourcePolicyCommand, PutRecordCommand, PutResourcePolicyCommand } from '@aws-sdk/client-kinesis';
import { streamReadPolicy } from '@streamshare/poller';
import { createStream } from '@streamshare/testkit';
import { CONSUMER_ROLE_ARN, STREAM_NAME, TEST_RECORD } from './scenario.mjs';

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
  const stored = await client.send(new GetResourcePolicyCommand({ ResourceARN: streamArn }));
  return { streamArn, policy: JSON.parse(stored.Policy ?? 'null') };
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
