/**
 * Three pollers share one 4-shard kinesis-mock stream through a dynalite lease table; one crashes
 * (renewal stops, nothing released): its shards are taken over, every record is delivered at
 * least once and in order per shard, and no two workers checkpoint one shard in one ownership period.
 */
import { Writable } from 'node:stream';
import type { Checkpoint, StreamRecord } from '@streamshare/core';
import { compareSequenceNumbers } from '@streamshare/core/internal';
import { createPoller, type Poller } from '@streamshare/poller';
import { putRecords } from '@streamshare/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardCoordinator } from '../src/coordination/shard-coordinator.js';
import { DynamoDbLeaseCoordinator } from '../src/leases/index.js';
import { consumerClient, producerClient, producerStream, waitFor } from './helpers/engine-env.js';
import { dynamoClient, type LocalDynamo, startLocalDynamo, uniqueTableName } from './leases-support.js';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});

afterAll(async () => {
  await dynamo.close();
});

type Event =
  | { kind: 'take'; worker: string; shardId: string; at: number }
  | { kind: 'put'; worker: string; shardId: string; checkpoint: Checkpoint; at: number };

interface Worker {
  readonly id: string;
  readonly coordinator: DynamoDbLeaseCoordinator;
  readonly poller: Poller;
  readonly seen: Map<string, StreamRecord<unknown>[]>;
  firstRecordAt: number | undefined;
  firstSyncAt: number | undefined;
  crashed: boolean;
}

describe('pollers sharing a lease table', () => {
  it('three pollers, one crashed: its shards are taken over, nothing lost, in order, one checkpointer per lease', async () => {
    const streamArn = await producerStream('leases-three', 4);
    const first = Array.from({ length: 40 }, (_, i) => ({ data: JSON.stringify({ n: i }), partitionKey: `k${i}` }));
    const written = await putRecords(producerClient(), streamArn, first);
    const tableName = uniqueTableName('pollers');
    const history: Event[] = [];
    const failoverTimeMs = 1500;

    const makeWorker = (id: string): Worker => {
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString('utf8').split('\n')) {
            if (line.trim() === '') continue;
            const entry = JSON.parse(line) as { msg?: string; shardId?: string; component?: string };
            if (entry.component === 'leases' && entry.msg?.startsWith('lease taken') && entry.shardId) {
              history.push({ kind: 'take', worker: id, shardId: entry.shardId, at: history.length });
            }
          }
          done();
        },
      });
      const logger = pino({ level: 'info' }, sink);
      const coordinator = new DynamoDbLeaseCoordinator({
        client: dynamoClient(dynamo.endpoint),
        tableName,
        streamArn,
        workerId: id,
        failoverTimeMs,
        createIfMissing: true,
        logger,
      });
      const worker: Worker = {
        id,
        coordinator,
        seen: new Map(),
        firstRecordAt: undefined,
        firstSyncAt: undefined,
        crashed: false,
        poller: undefined as unknown as Poller,
      };
      // The coordinator as the poller sees it: checkpoints recorded; a crashed worker releases nothing.
      const instrumented: ShardCoordinator & { syncIntervalMs: number } = {
        syncIntervalMs: coordinator.syncIntervalMs,
        start: () => coordinator.start(),
        sync: async (shards) => {
          const ready = await coordinator.sync(shards);
          worker.firstSyncAt ??= performance.now();
          return ready;
        },
        owns: (shardId) => coordinator.owns(shardId),
        held: () => coordinator.held(),
        markFinished: (shardId) => coordinator.markFinished(shardId),
        release: (ids) => (worker.crashed ? Promise.resolve() : coordinator.release(ids)),
        checkpoints: {
          get: (arn, shardId) => coordinator.checkpoints.get(arn, shardId),
          put: async (arn, shardId, checkpoint) => {
            await coordinator.checkpoints.put(arn, shardId, checkpoint);
            history.push({ kind: 'put', worker: id, shardId, checkpoint, at: history.length });
          },
        },
      };
      (worker as { poller: Poller }).poller = createPoller({
        streamArn,
        handler: async (record: StreamRecord<unknown>) => {
          worker.firstRecordAt ??= performance.now();
          const list = worker.seen.get(record.shardId) ?? [];
          list.push(record);
          worker.seen.set(record.shardId, list);
        },
        kinesisClient: consumerClient(),
        coordinator: instrumented,
        idleTimeBetweenReadsMs: 100,
        logger,
      });
      return worker;
    };

    const workers = ['p1', 'p2', 'p3'].map(makeWorker);
    const startedAt = performance.now();
    const startTimes = await Promise.all(
      workers.map((w) => w.poller.start().then(() => (performance.now() - startedAt).toFixed(0))),
    );
    const delivered = () => new Set(workers.flatMap((w) => [...w.seen.values()].flat().map((r) => r.sequenceNumber)));
    await waitFor(() => delivered().size >= 40, 'the first 40 records');
    const firstRecord = Math.min(...workers.map((w) => w.firstRecordAt ?? Number.POSITIVE_INFINITY)) - startedAt;
    // balancing spreads the 4 shards over the 3 workers (2/1/1)
    await waitFor(() => workers.every((w) => w.coordinator.held().length >= 1), 'every worker holding a lease', 15_000);

    // crash the busiest worker: renewal stops, nothing is released, its readers stop
    const victim = [...workers].sort((a, b) => b.coordinator.held().length - a.coordinator.held().length)[0] as Worker;
    const victimShards = victim.coordinator.held();
    victim.crashed = true;
    victim.coordinator.close();
    await victim.poller.stop();
    const crashedAt = performance.now();
    const survivors = workers.filter((w) => w !== victim);

    const second = Array.from({ length: 40 }, (_, i) => ({
      data: JSON.stringify({ n: 40 + i }),
      partitionKey: `k${i}`,
    }));
    written.push(...(await putRecords(producerClient(), streamArn, second)));
    await waitFor(
      () => victimShards.every((id) => survivors.some((w) => w.coordinator.owns(id))),
      "the crashed worker's shards taken over",
      failoverTimeMs * 6,
    );
    const takeover = performance.now() - crashedAt;
    await waitFor(() => delivered().size >= 80, 'all 80 records', 30_000);
    await Promise.all(survivors.map((w) => w.poller.stop()));

    const syncTimes = workers.map((w) => ((w.firstSyncAt ?? Number.NaN) - startedAt).toFixed(0));
    const firstTimes = workers.map((w) => ((w.firstRecordAt ?? Number.NaN) - startedAt).toFixed(0));
    console.info(
      `[leases] 3 pollers / 4 shards: leases held (first sync done) after ${syncTimes.join('/')} ms, start() resolved after ${startTimes.join('/')} ms, first record per worker ${firstTimes.join('/')} ms; first record ${firstRecord.toFixed(0)} ms after start; crashed worker's ${victimShards.length} shard(s) taken over ${takeover.toFixed(0)} ms after the crash (failover ${failoverTimeMs} ms)`,
    );
    // The 3 s target is the benchmark's to prove (npm run bench); here only that the first record
    // comes while the leases are being shared, not after a failover time or a timeout.
    expect(firstRecord).toBeLessThan(20_000);
    expect(victimShards.length).toBeGreaterThan(0);

    // every record delivered at least once
    expect([...delivered()].sort()).toEqual(written.map((w) => w.sequenceNumber).sort());
    // in order per shard, within each worker's deliveries (a takeover may repeat what was past the checkpoint)
    for (const w of workers) {
      for (const records of w.seen.values()) {
        const seqs = records.map((r) => r.sequenceNumber);
        const deduped = seqs.filter((s, i) => i === 0 || compareSequenceNumbers(seqs[i - 1] as string, s) !== 0);
        for (let i = 1; i < deduped.length; i++) {
          expect(compareSequenceNumbers(deduped[i - 1] as string, deduped[i] as string)).toBeLessThan(0);
        }
      }
    }
    // one checkpointer per ownership period: commit order is checkpoint order; each switch of
    // writer follows a take of the shard by the new writer after its own previous checkpoint
    const shardIds = new Set(written.map((w) => w.shardId));
    for (const shardId of shardIds) {
      const puts = history.filter(
        (e): e is Extract<Event, { kind: 'put' }> => e.kind === 'put' && e.shardId === shardId,
      );
      for (let i = 1; i < puts.length; i++) {
        const previous = puts[i - 1] as Extract<Event, { kind: 'put' }>;
        const current = puts[i] as Extract<Event, { kind: 'put' }>;
        expect(
          compareSequenceNumbers(previous.checkpoint.sequenceNumber!, current.checkpoint.sequenceNumber!),
        ).toBeLessThanOrEqual(0);
        if (previous.worker === current.worker) continue;
        const ownLast = puts
          .slice(0, i)
          .filter((e) => e.worker === current.worker)
          .at(-1);
        const retaken = history.some(
          (e) =>
            e.kind === 'take' &&
            e.worker === current.worker &&
            e.shardId === shardId &&
            e.at > (ownLast?.at ?? -1) &&
            e.at < current.at,
        );
        expect(retaken, `${current.worker} checkpointed ${shardId} after ${previous.worker} without taking it`).toBe(
          true,
        );
      }
      const last = puts.at(-1);
      const lastWritten = written.filter((w) => w.shardId === shardId).at(-1);
      expect(last?.checkpoint.sequenceNumber).toBe(lastWritten?.sequenceNumber);
    }
    // the crashed worker, coming back to life, can no longer checkpoint the shards it lost
    for (const shardId of victimShards) {
      await expect(
        victim.coordinator.checkpoints.put(streamArn, shardId, {
          sequenceNumber: '9'.repeat(60),
          subSequenceNumber: 0,
          complete: true,
        }),
      ).rejects.toMatchObject({ code: 'LEASE_LOST' });
    }
  }, 90_000);
});
