// 4a. The poller with a plain record handler: the records arrive decoded, one StreamRecord each.
import { deferred, pollUntil } from '../consumer.mjs';

/**
 * Reads the stream with a record handler until the first record arrives.
 * @param {{ streamArn: string, consumer: ReturnType<typeof import('../consumer.mjs').consumerIdentity> }} options
 * @returns {Promise<{ records: import('@streamshare/core').StreamRecord<unknown>[], checkpoints: object }>}
 */
export async function readWithRecordHandler({ streamArn, consumer }) {
  const records = [];
  const arrived = deferred();
  const handler = async (record) => {
    records.push(record);
    arrived.resolve();
  };
  const checkpoints = await pollUntil({ streamArn, handler, arrived: arrived.promise, consumer });
  return { records, checkpoints };
}
