import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCheckpointStore, MemoryCheckpointStore } from '@streamshare/core';
import { compareSequenceNumbers } from '@streamshare/core/internal';
import { createPoller, InvalidStreamArnError } from '@streamshare/poller';
import { putRecords } from '@streamshare/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  collector,
  consumerClient,
  memoryLogger,
  producerClient,
  producerStream,
  waitFor,
} from './helpers/engine-env.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function inOrder(sequenceNumbers: string[]): boolean {
  return sequenceNumbers.every((s, i) => i === 0 || compareSequenceNumbers(sequenceNumbers[i - 1]!, s) < 0);
}

describe('createPoller against kinesis-mock, cross-account by ARN', () => {
  it('refuses a malformed stream ARN with the expected form', () => {
    expect(() => createPoller({ streamArn: 'kds-sharing-example1', handler: () => {} })).toThrow(InvalidStreamArnError);
    expect(() => createPoller({ streamArn: 'kds-sharing-example1', handler: () => {} })).toThrow(
      /expected arn:<aws\|aws-cn\|aws-us-gov>:kinesis:<region>/,
    );
  });

  it('delivers every record of a 3-shard stream, in order per shard, and resumes after the checkpoint', async () => {
    const streamArn = await producerStream('engine-multi', 3);
    const first = Array.from({ length: 60 }, (_, i) => ({ data: JSON.stringify({ n: i }), partitionKey: `k${i % 7}` }));
    const written = await putRecords(producerClient(), streamArn, first);
    const dir = await mkdtemp(join(tmpdir(), 'engine-multi-'));
    dirs.push(dir);
    const { logger } = memoryLogger();

    const seen = collector();
    const poller = createPoller({
      streamArn,
      handler: seen.handler,
      kinesisClient: consumerClient(),
      checkpointDir: dir,
      idleTimeBetweenReadsMs: 100,
      logger,
    });
    await poller.start();
    await waitFor(() => seen.count() >= 60, '60 records');
    expect(poller.status().running).toBe(true);
    expect(
      poller
        .status()
        .shards.map((s) => s.shardId)
        .sort(),
    ).toEqual(['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']);
    await poller.stop();
    await poller.done;

    expect(
      seen
        .payloads()
        .map((p) => JSON.parse(p).n)
        .sort((a, b) => a - b),
    ).toEqual(first.map((_, i) => i));
    expect(seen.byShard.size).toBeGreaterThan(1);
    for (const [shardId, records] of seen.byShard) {
      expect(inOrder(records.map((r) => r.sequenceNumber))).toBe(true);
      // The shard ids and sequence numbers are the ones PutRecords reported.
      const expected = written.filter((w) => w.shardId === shardId).map((w) => w.sequenceNumber);
      expect(records.map((r) => r.sequenceNumber)).toEqual(expected);
      expect(records[0]!.streamArn).toBe(streamArn);
    }

    // The checkpoint file has the last record of each shard.
    const store = new FileCheckpointStore({ directory: dir });
    for (const [shardId, records] of seen.byShard) {
      expect(await store.get(streamArn, shardId)).toEqual({
        sequenceNumber: records.at(-1)!.sequenceNumber,
        subSequenceNumber: 0,
        complete: true,
      });
    }

    // Restart: only the new records arrive.
    const second = Array.from({ length: 15 }, (_, i) => ({
      data: JSON.stringify({ n: 100 + i }),
      partitionKey: `k${i}`,
    }));
    await putRecords(producerClient(), streamArn, second);
    const again = collector();
    const restarted = createPoller({
      streamArn,
      handler: again.handler,
      kinesisClient: consumerClient(),
      checkpointDir: dir,
      idleTimeBetweenReadsMs: 100,
    });
    await restarted.start();
    await waitFor(() => again.count() >= 15, '15 new records');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await restarted.stop();
    expect(
      again
        .payloads()
        .map((p) => JSON.parse(p).n)
        .sort((a, b) => a - b),
    ).toEqual(second.map((_, i) => 100 + i));
  });

  it('starts at LATEST and AT_TIMESTAMP when there is no checkpoint', async () => {
    const streamArn = await producerStream('engine-start', 1);
    await putRecords(producerClient(), streamArn, [{ data: 'old', partitionKey: 'a' }]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const boundary = new Date();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await putRecords(producerClient(), streamArn, [{ data: 'middle', partitionKey: 'a' }]);

    const atTime = collector();
    const byTime = createPoller({
      streamArn,
      handler: atTime.handler,
      kinesisClient: consumerClient(),
      checkpointStore: new MemoryCheckpointStore(),
      startingPosition: { timestamp: boundary },
      idleTimeBetweenReadsMs: 100,
    });
    await byTime.start();
    await waitFor(() => atTime.count() >= 1, 'the record after the timestamp');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await byTime.stop();
    expect(atTime.payloads()).toEqual(['middle']);

    const latest = collector();
    const fromLatest = createPoller({
      streamArn,
      handler: latest.handler,
      kinesisClient: consumerClient(),
      checkpointStore: new MemoryCheckpointStore(),
      startingPosition: 'LATEST',
      idleTimeBetweenReadsMs: 100,
    });
    await fromLatest.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await putRecords(producerClient(), streamArn, [{ data: 'new', partitionKey: 'a' }]);
    await waitFor(() => latest.count() >= 1, 'the record after start');
    await fromLatest.stop();
    expect(latest.payloads()).toEqual(['new']);
  });
});
