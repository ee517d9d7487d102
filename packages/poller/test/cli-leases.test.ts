import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  CONSUMER_ACCOUNT,
  createStream,
  type Dynalite,
  dynamoDbClient,
  type KinesisMock,
  kinesisClient,
  PRODUCER_ACCOUNT,
  putRecords,
  startDynalite,
  startKinesisMock,
} from '@streamshare/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, spawnCli } from './fixtures-cli/cli-process.js';
import { checkPerWorker, expectedByShard, readDelivered } from './fixtures-cli/delivery.js';
import { ensureBuilt } from './fixtures-cli/ensure-built.js';

const fixtures = fileURLToPath(new URL('./fixtures-cli/', import.meta.url));
let mock: KinesisMock;
let dynalite: Dynalite;
let work: string;
const running: CliProcess[] = [];

beforeAll(async () => {
  [mock, dynalite] = await Promise.all([startKinesisMock(), startDynalite(), ensureBuilt()]);
  work = mkdtempSync(join(tmpdir(), 'streamshare-cli-leases-'));
}, 240_000);

afterAll(async () => {
  for (const cli of running) cli.child.kill('SIGKILL');
  await dynalite?.stop();
  await mock?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('streamshare poll --lease-table', () => {
  it('two workers share a stream through a DynamoDB lease table: every record in order, both stop cleanly', async () => {
    const producer = kinesisClient({ endpoint: mock.endpoint, account: PRODUCER_ACCOUNT });
    const arn = await createStream(producer, `cli-leases-${Date.now()}`, 2);
    const put = await putRecords(
      producer,
      arn,
      Array.from({ length: 80 }, (_, i) => ({ data: JSON.stringify({ i }), partitionKey: `k${i}` })),
    );
    producer.destroy();
    const output = join(work, 'out.jsonl');
    const table = `cli-leases-${Date.now()}`;
    const env = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: CONSUMER_ACCOUNT,
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_KINESIS: mock.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      CLI_TEST_OUTPUT: output,
      STREAMSHARE_STREAM_ARN: arn,
      STREAMSHARE_HANDLER: 'append-handler.mjs',
      STREAMSHARE_LEASE_TABLE: table,
      STREAMSHARE_METRICS_PORT: '0',
      STREAMSHARE_BATCH_SIZE: '10',
    };
    const workers = ['w1', 'w2'].map((id) => spawnCli(['poll', '--worker-id', id], env, fixtures));
    running.push(...workers);
    const expected = expectedByShard(put);
    const deadline = Date.now() + 40_000;
    while (!checkPerWorker(readDelivered(output), expected).complete) {
      if (Date.now() > deadline) {
        throw new Error(`not every record arrived:\n${workers.map((w) => w.stdout() + w.stderr()).join('\n---\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const worker of workers) worker.child.kill('SIGTERM');
    const exits = await Promise.all(workers.map((w) => w.exited));
    expect(exits.map((e) => e.code)).toEqual([0, 0]);

    const check = checkPerWorker(readDelivered(output), expected);
    expect(check.problems).toEqual([]);
    expect(check.complete).toBe(true);
    // The lease table was created in the poller's own account (dynalite), one lease item per shard.
    const ddb = dynamoDbClient(dynalite.endpoint);
    const { Items } = await ddb.send(new ScanCommand({ TableName: table }));
    ddb.destroy();
    expect(Items?.length).toBe(2);
  }, 90_000);
});
