/**
 * From a GetRecords page to the user's handler, the poller's record path is at most 5 calls deep:
 * the shard reader's read loop (which called GetRecords) -> its delivery of the page -> the
 * delivery function -> core's processBatch -> the walk -> the handler. Counted on a real stack
 * trace, taken in the handler of a poller reading kinesis-mock with the real SDK client.
 */
import { MemoryCheckpointStore } from '@streamshare/core';
import { createPoller } from '@streamshare/poller';
import { putRecords } from '@streamshare/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerClient, producerClient, producerStream, waitFor } from './helpers/engine-env.js';

let limit: number;
beforeAll(() => {
  limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
});
afterAll(() => {
  Error.stackTraceLimit = limit;
});

describe('the poller record path', () => {
  for (const concurrency of [1, 4]) {
    it(`is at most 5 calls from the GetRecords loop to the handler (concurrency ${concurrency})`, async () => {
      const streamArn = await producerStream('record-path-depth', 1);
      await putRecords(producerClient(), streamArn, [
        { partitionKey: 'a', data: JSON.stringify({ i: 0 }) },
        { partitionKey: 'b', data: JSON.stringify({ i: 1 }) },
      ]);
      const stacks: string[] = [];
      const poller = createPoller({
        streamArn,
        kinesisClient: consumerClient(),
        checkpointStore: new MemoryCheckpointStore(),
        codec: 'json',
        concurrency,
        idleTimeBetweenReadsMs: 100,
        handler: function userHandler() {
          stacks.push(new Error('where').stack ?? '');
        },
      });
      await poller.start();
      try {
        await waitFor(() => stacks.length >= 2, 'both records');
      } finally {
        await poller.stop();
      }
      // Node's own frames (the microtask queue resuming an async function) are no calls of ours.
      const frames = (stacks[0] as string)
        .split('\n')
        .slice(1)
        .filter((line) => !/\(node:internal\//.test(line));
      // The frame that called GetRecords and got the page: the shard reader's `processing` action
      // (run by its state loop, reader/shard-state.ts).
      const read = frames.findIndex((line) => /\bat (async )?(ShardReader\.)?#process\b/.test(line));
      expect(read, stacks[0]).toBeGreaterThan(0);
      expect(read, stacks[0]).toBeLessThanOrEqual(5);
      expect(frames.slice(0, read).join('\n'), stacks[0]).toMatch(/processBatch/);
    });
  }
});
