// 4d. Enhanced fan-out: the poller with the consumer ARN the producer registered, reading each shard
// by SubscribeToShard (records pushed over HTTP/2) instead of GetShardIterator / GetRecords. The
// handler and everything after the transport are those of 4a.
import { deferred, pollUntil } from '../consumer.mjs';

/**
 * Reads the stream through the consumer until the first record arrives. The poller's own HTTP/2
 * client (the SDK's AWS_ENDPOINT_URL_KINESIS, set here for this reader only) goes to the testkit's
 * SubscribeToShard server, which forwards ListShards and every other call to kinesis-mock.
 * @param {{ streamArn: string, consumerArn: string,
 *   consumer: ReturnType<typeof import('../consumer.mjs').consumerIdentity>,
 *   subscribe: import('@streamshare/testkit').SubscribeServer }} options
 * @returns {Promise<{ records: import('@streamshare/core').StreamRecord<unknown>[], checkpoints: object,
 *   subscriptions: import('@streamshare/testkit').SubscribeCall[] }>}
 */
export async function readThroughFanOut({ streamArn, consumerArn, consumer, subscribe }) {
  const records = [];
  const arrived = deferred();
  const handler = async (record) => {
    records.push(record);
    arrived.resolve();
  };
  const callsBefore = subscribe.calls.length;
  const previousEndpoint = process.env.AWS_ENDPOINT_URL_KINESIS;
  process.env.AWS_ENDPOINT_URL_KINESIS = subscribe.endpoint;
  try {
    const checkpoints = await pollUntil({ streamArn, consumerArn, handler, arrived: arrived.promise, consumer });
    return { records, checkpoints, subscriptions: subscribe.calls.slice(callsBefore) };
  } finally {
    if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_KINESIS;
    else process.env.AWS_ENDPOINT_URL_KINESIS = previousEndpoint;
  }
}
