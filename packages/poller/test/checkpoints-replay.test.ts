/**
 * `streamshare checkpoints set` against real pollers (kinesis-mock, dynalite): a replay from a
 * timestamp delivers the records written since then again, from a checkpoint directory and from a
 * lease table; a live poller's lease is refused without --force, and with --force the poller is
 * fenced out: its next checkpoint is refused and the shard is read again from the new checkpoint.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StreamRecord } from '@streamshare/core';
import type { Poller } from '@streamshare/poller';
import { putRecords } from '@streamshare/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LeaseTable } from '../src/leases/lease-table.js';
import { deleteProducerStream, producerClient, producerStream, textPoller, waitFor } from './helpers/engine-env.js';
import { runTool, stubAwsEnv } from './helpers/tool-cli.js';
import { dynamoClient, type LocalDynamo, startLocalDynamo, uniqueTableName } from './leases-support.js';

let dynamo: LocalDynamo;
const pollers: Poller[] = [];
const streams: string[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  stubAwsEnv(dynamo.endpoint);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await dynamo.close();
});

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop().catch(() => {})));
  await Promise.all(streams.splice(0).map((arn) => deleteProducerStream(arn)));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A one-shard stream with records A-0..A-4, then (after `replayFrom`) B-0..B-4. */
async function streamWithTwoBatches(prefix: string): Promise<{ streamArn: string; replayFrom: string }> {
  const streamArn = await producerStream(prefix, 1);
  streams.push(streamArn);
  const tagged = (tag: string) => Array.from({ length: 5 }, (_, i) => ({ data: `${tag}-${i}`, partitionKey: `k${i}` }));
  await putRecords(producerClient(), streamArn, tagged('A'));
  await sleep(1_100);
  const replayFrom = new Date().toISOString();
  await sleep(1_100);
  await putRecords(producerClient(), streamArn, tagged('B'));
  return { streamArn, replayFrom };
}

/** Every A record delivered once, every B record (written after the time set) twice. */
function expectReplayed(seen: readonly string[]): void {
  const count = (data: string) => seen.filter((d) => d === data).length;
  for (let i = 0; i < 5; i++) {
    expect(count(`A-${i}`)).toBe(1);
    expect(count(`B-${i}`)).toBe(2);
  }
  expect(seen.length).toBe(15);
}

describe('checkpoints set --to TIME replays', () => {
  it('checkpoint directory: the poller stopped, set back to a time, the next poller delivers the records since then again', async () => {
    const { streamArn, replayFrom } = await streamWithTwoBatches('replay-file');
    const dir = await mkdtemp(join(tmpdir(), 'ss-replay-'));
    dirs.push(dir);
    const started: { poller: Poller; seen: string[] }[] = [];
    const seen = () => started.flatMap((p) => p.seen);
    const start = async () => {
      const made = textPoller(streamArn, { checkpointStore: undefined, checkpointDir: dir });
      pollers.push(made.poller);
      started.push(made);
      await made.poller.start();
      return made.poller;
    };
    const setBack = () =>
      runTool(['checkpoints', 'set', '--checkpoint-dir', dir, '--stream-arn', streamArn, '--to', replayFrom]);
    const first = await start();
    await waitFor(() => seen().length >= 10, 'the 10 records');
    await sleep(200); // the checkpoint of the last batch is written
    const held = await setBack();
    expect(held.code).toBe(1);
    expect(held.err).toMatch(/refused: checkpoint directory .* is in use by/);
    await first.stop();

    const set = await setBack();
    expect(set.err).toBe('');
    expect(set.code).toBe(0);
    await start();
    await waitFor(() => seen().length >= 15, 'the B records again');
    await sleep(300);
    expectReplayed(seen());
  }, 60_000);

  it('lease table: refused while the poller holds the lease; --force fences it (its next checkpoint is refused) and the shard is read again from the time', async () => {
    const { streamArn, replayFrom } = await streamWithTwoBatches('replay-lease');
    const tableName = uniqueTableName('replay');
    const seen: string[] = [];
    let gate: (() => void) | undefined;
    const blocked = new Promise<void>((resolve) => {
      gate = resolve;
    });
    let blockedOnce = false;
    const table = new LeaseTable({ client: dynamoClient(dynamo.endpoint), tableName });
    let lost: Promise<unknown> | undefined;
    const { poller } = textPoller(streamArn, {
      checkpointStore: undefined,
      handler: async (record: StreamRecord<unknown>) => {
        seen.push(String(record.data));
        // The first delivery of the last record waits: its batch's checkpoint is written after the fence.
        if (record.data === 'B-4' && !blockedOnce) {
          blockedOnce = true;
          await blocked;
        }
      },
      leaseTable: { tableName, client: dynamoClient(dynamo.endpoint), workerId: 'p1', failoverTimeMs: 1_500 },
      observer: {
        // The lease read as the fenced reader ends (before the poller takes the lease again).
        onShardStopped: (shardId, reason) => {
          if (reason === 'lost') lost ??= table.get(streamArn, shardId);
        },
      },
    });
    pollers.push(poller);
    await poller.start();
    await waitFor(() => blockedOnce, 'the poller inside its batch');
    const [lease] = await table.list(streamArn);
    expect(lease?.owner).toBe('p1');

    const args = ['checkpoints', 'set', '--lease-table', tableName, '--stream-arn', streamArn, '--to', replayFrom];
    const refused = await runTool([...args, '--failover-ms', '1500']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/shardId-000000000000 by worker "p1" \(lease renewed \d+s ago; its counter moved/);

    const forced = await runTool([...args, '--failover-ms', '1500', '--force']);
    expect(forced.err).not.toContain('refused');
    expect(forced.code).toBe(0);
    expect(forced.out).toMatch(/shardId-000000000000\s+\S+\s+AT_TIMESTAMP \S+\s+p1/);
    gate?.();
    // The fenced poller's checkpoint of its batch (at B-4) is refused: its reader ends as 'lost', and
    // the table keeps the checkpoint set.
    await waitFor(() => lost !== undefined, 'the fenced reader to end (lease lost)', 10_000);
    expect(await lost).toMatchObject({ checkpoint: { kind: 'AT_TIMESTAMP', timestampMs: Date.parse(replayFrom) } });
    // It takes the freed lease again, reading from the time set: the B records arrive again.
    await waitFor(() => seen.length >= 15, 'the B records again', 20_000);
    await sleep(300);
    expectReplayed(seen);
  }, 60_000);
});
