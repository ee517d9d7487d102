// Shared setup of the kinesis-mock benchmarks: the emulator on loopback, the environment the
// poller's default clients read, and a pre-filled stream of 1 KiB JSON records.
import {
  CONSUMER_ACCOUNT,
  createStream,
  kinesisClient,
  PRODUCER_ACCOUNT,
  putRecords,
  startKinesisMock,
} from '@streamshare/testkit';

export { CONSUMER_ACCOUNT, PRODUCER_ACCOUNT };

/** Starts kinesis-mock and points the SDK environment of this process at it (as the consumer account). */
export async function startEmulator() {
  const mock = await startKinesisMock();
  process.env.AWS_ENDPOINT_URL_KINESIS = mock.endpoint;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = CONSUMER_ACCOUNT;
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const producer = kinesisClient({ endpoint: mock.endpoint, account: PRODUCER_ACCOUNT });
  return { mock, producer };
}

/** A 1 KiB JSON record. */
export function record(i, extra = {}) {
  const body = { i, ...extra, pad: '' };
  const size = JSON.stringify(body).length;
  body.pad = 'x'.repeat(Math.max(0, 1024 - size));
  return { data: JSON.stringify(body), partitionKey: `key-${i}` };
}

/** Creates a stream of `shards` shards in the producer account, fills it with `count` records; returns its ARN, per-shard counts and fill time. */
export async function filledStream(producer, name, shards, count) {
  const arn = await createStream(producer, `${name}-${Date.now()}`, shards);
  const started = performance.now();
  const put = await putRecords(
    producer,
    arn,
    Array.from({ length: count }, (_, i) => record(i)),
  );
  const perShard = {};
  for (const r of put) perShard[r.shardId] = (perShard[r.shardId] ?? 0) + 1;
  return { arn, perShard, fillSeconds: (performance.now() - started) / 1000 };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const round = (n, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Rejects after `ms` (a bench never hangs). */
export function bound(ms, what) {
  return new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms).unref(),
  );
}
