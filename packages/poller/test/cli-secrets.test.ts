import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CONSUMER_ACCOUNT,
  createStream,
  type KinesisMock,
  kinesisClient,
  PRODUCER_ACCOUNT,
  putRecords,
  type StsServer,
  startKinesisMock,
  startStsServer,
} from '@streamshare/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from './fixtures-cli/cli-process.js';
import { readDelivered } from './fixtures-cli/delivery.js';
import { ensureBuilt } from './fixtures-cli/ensure-built.js';
import { type RecordingProxy, startRecordingProxy } from './fixtures-cli/recording-proxy.js';

const fixtures = fileURLToPath(new URL('./fixtures-cli/', import.meta.url));
const ROLE_ARN = `arn:aws:iam::${PRODUCER_ACCOUNT}:role/kds-sharing-reader`;
const OWN_SECRET = 'consumer-own-secret-key-4d9c1e0b7a';

let mock: KinesisMock;
let sts: StsServer;
let proxy: RecordingProxy;
let work: string;

beforeAll(async () => {
  [mock, sts] = await Promise.all([startKinesisMock(), startStsServer({ externalId: 'ext-1234' }), ensureBuilt()]);
  proxy = await startRecordingProxy(sts.endpoint);
  work = mkdtempSync(join(tmpdir(), 'streamshare-cli-secrets-'));
}, 240_000);

afterAll(async () => {
  await proxy?.stop();
  await sts?.stop();
  await mock?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function secretsIn(xml: string): string[] {
  return [...xml.matchAll(/<(SecretAccessKey|SessionToken)>([^<]+)</g)].map((m) => m[2]!);
}

describe('streamshare poll --role-arn', () => {
  it('reads the producer stream through AssumeRole and never logs a secret key or session token', async () => {
    const producer = kinesisClient({ endpoint: mock.endpoint, account: PRODUCER_ACCOUNT });
    const arn = await createStream(producer, `cli-secrets-${Date.now()}`, 2);
    await putRecords(
      producer,
      arn,
      Array.from({ length: 30 }, (_, i) => ({ data: JSON.stringify({ i }), partitionKey: `k${i}` })),
    );
    producer.destroy();
    const output = join(work, 'out.jsonl');
    const cli = spawnCli(
      [
        'poll',
        '--stream-arn',
        arn,
        '--handler',
        'append-handler.mjs',
        '--role-arn',
        ROLE_ARN,
        '--external-id',
        'ext-1234',
        '--checkpoint-dir',
        join(work, 'checkpoints'),
        '--metrics-port',
        '0',
        '--log-level',
        'trace',
      ],
      {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: CONSUMER_ACCOUNT,
        AWS_SECRET_ACCESS_KEY: OWN_SECRET,
        AWS_ENDPOINT_URL_KINESIS: mock.endpoint,
        AWS_ENDPOINT_URL_STS: proxy.endpoint,
        CLI_TEST_OUTPUT: output,
      },
      fixtures,
    );
    const deadline = Date.now() + 30_000;
    while (readDelivered(output).length < 30) {
      if (Date.now() > deadline) throw new Error(`records not delivered:\n${cli.stdout()}\n${cli.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);

    // The Kinesis calls used the assumed role (with the external id), not the consumer's own keys.
    const assumed = sts.calls.filter((c) => c.action === 'AssumeRole' && c.outcome === 'ok');
    expect(assumed.length).toBeGreaterThan(0);
    expect(assumed[0]).toMatchObject({ roleArn: ROLE_ARN, externalId: 'ext-1234', callerAccount: CONSUMER_ACCOUNT });

    const issued = proxy.responses.flatMap(secretsIn);
    expect(issued.length).toBeGreaterThanOrEqual(2);
    const logs = cli.stdout() + cli.stderr();
    expect(logs).toContain(ROLE_ARN); // the logs do talk about the role...
    for (const secret of [...issued, OWN_SECRET]) {
      expect(logs.includes(secret), `a secret (${secret.slice(0, 4)}...) appears in the CLI output`).toBe(false);
    }
  }, 60_000);
});
