/**
 * `streamshare poll --consumer-arn` (enhanced fan-out) as a process: every Kinesis call of the CLI
 * goes to testkit's h2c server (SubscribeToShard answered from kinesis-mock's records, ListShards
 * forwarded to kinesis-mock), killed with SIGKILL in the middle of its subscriptions and restarted:
 * nothing lost, order kept per shard; SIGTERM stops it cleanly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type KinesisClient, RegisterStreamConsumerCommand } from '@aws-sdk/client-kinesis';
import {
  CONSUMER_ACCOUNT,
  createStream,
  type KinesisMock,
  kinesisClient,
  PRODUCER_ACCOUNT,
  type PutRecordResult,
  putRecords,
  type SubscribeServer,
  startKinesisMock,
  startSubscribeServer,
} from '@streamshare/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollRunner, jsonRecords as records, waitForCli as waitFor } from './fixtures-cli/cli-run.js';
import { checkDelivery, expectedByShard, readDelivered } from './fixtures-cli/delivery.js';
import { ensureBuilt } from './fixtures-cli/ensure-built.js';

const fixtures = fileURLToPath(new URL('./fixtures-cli/', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let mock: KinesisMock;
let server: SubscribeServer;
let producer: KinesisClient;
let work: string;
const runner = pollRunner(fixtures);
const { start } = runner;

beforeAll(async () => {
  [mock] = await Promise.all([startKinesisMock(), ensureBuilt()]);
  server = await startSubscribeServer({
    kinesisEndpoint: mock.endpoint,
    pollMs: 20,
    defaultScript: { kind: 'live', heartbeatMs: 200 },
  });
  producer = kinesisClient({ endpoint: mock.endpoint, account: PRODUCER_ACCOUNT });
  work = mkdtempSync(join(tmpdir(), 'streamshare-cli-efo-'));
}, 240_000);

afterAll(async () => {
  runner.killAll();
  producer?.destroy();
  await server?.close();
  await mock?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('streamshare poll --consumer-arn (enhanced fan-out, h2c server over kinesis-mock)', () => {
  it('SIGKILL in the middle of subscriptions, restarted: every record arrives, in order per shard; SIGTERM exits 0 with no subscription left', async () => {
    const arn = await createStream(producer, `cli-efo-${Date.now()}`, 2);
    const registered = await producer.send(
      new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'cli-efo' }),
    );
    const consumerArn = registered.Consumer?.ConsumerARN ?? '';
    const total = 600;
    const put: PutRecordResult[] = await putRecords(producer, arn, records(100));
    // The rest is written while the CLI reads (events are pushed as records come).
    const writing = (async () => {
      for (let from = 100; from < total; from += 10) {
        await sleep(100);
        put.push(...(await putRecords(producer, arn, records(10, from))));
      }
    })();
    const output = join(work, 'efo-crash.jsonl');
    const args = [
      '--stream-arn',
      arn,
      '--consumer-arn',
      consumerArn,
      '--handler',
      'append-handler.mjs',
      '--checkpoint-dir',
      join(work, 'efo-checkpoints'),
      '--metrics-port',
      '0',
    ];
    const env = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: CONSUMER_ACCOUNT,
      AWS_SECRET_ACCESS_KEY: 'test',
      // Every call of the CLI, over HTTP/2, to the subscribe server.
      AWS_ENDPOINT_URL_KINESIS: server.endpoint,
      CLI_TEST_OUTPUT: output,
      CLI_TEST_DELAY_MS: '5',
    };
    const firstCall = server.calls.length;
    const kills: number[] = [];
    for (let cycle = 0; cycle < 4; cycle++) {
      const cli = start(args, env);
      // Past its first event (the backlog since the last checkpoint), into the events pushed as records come.
      await waitFor(
        'this process to catch up',
        () => {
          const delivered = readDelivered(output);
          return (
            delivered.some((d) => d.pid === cli.pid) && new Set(delivered.map((d) => d.seq)).size >= put.length - 10
          );
        },
        30_000,
        cli,
      );
      await sleep(Math.floor(Math.random() * 300));
      kills.push(readDelivered(output).length);
      cli.child.kill('SIGKILL');
      expect((await cli.exited).signal, cli.stderr()).toBe('SIGKILL');
    }
    await writing;
    const expected = expectedByShard(put);
    const last = start(args, env);
    await last.waitForLog((line) => line.msg === 'poller started', 30_000);
    // Redelivery after a kill is bounded by the event in hand (killed once caught up: the records of one or two puts).
    const maxRedelivered = 50;
    await waitFor(
      'every record',
      () => checkDelivery(readDelivered(output), expected, maxRedelivered).complete,
      40_000,
      last,
    );
    last.child.kill('SIGTERM');
    expect((await last.exited).code).toBe(0);
    const result = checkDelivery(readDelivered(output), expected, maxRedelivered);
    expect(result.problems).toEqual([]);
    expect(result.complete).toBe(true);
    expect(kills.some((n) => n > 0 && n < total)).toBe(true);
    // Read by SubscribeToShard (as the consumer), and a restart subscribes after its checkpoint.
    const calls = server.calls.slice(firstCall);
    expect(calls.every((c) => c.consumerArn === consumerArn)).toBe(true);
    expect(calls.some((c) => c.startingPosition.Type === 'AFTER_SEQUENCE_NUMBER')).toBe(true);
    await server.waitFor((stats) => stats.subscriptionsOpen === 0 && stats.subscriptionSessionsOpen === 0, 5_000);
    console.log(
      `efo crash test: ${kills.length} SIGKILLs at ${kills.join(', ')} records delivered; ${result.duplicates} duplicates`,
    );
  }, 120_000);
});
