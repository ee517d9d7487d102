/**
 * Property: no two workers ever successfully checkpoint the same shard in the same period of
 * ownership, and checkpoints never go backwards, under random syncs, checkpoint writes, pauses
 * (a stalled process that comes back believing it still holds its leases, helped by a slow clock),
 * releases and balancing.
 */
import { Writable } from 'node:stream';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLeaseCoordinator } from '../src/leases/index.js';
import { LeaseTable } from '../src/leases/lease-table.js';
import {
  dynamoClient,
  flatShards,
  type LocalDynamo,
  STREAM_ARN,
  sleep,
  startLocalDynamo,
  uniqueTableName,
} from './leases-support.js';

let dynamo: LocalDynamo;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  client = dynamoClient(dynamo.endpoint);
});

afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

/** A seeded PRNG (mulberry32) so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One event of the shared history; `at` is its index (workers append as things complete). */
type Event =
  | { kind: 'take'; worker: string; shardId: string; at: number }
  | { kind: 'put'; worker: string; shardId: string; value: number; at: number };

describe('lease ownership property', () => {
  it('no two workers checkpoint one shard in one ownership period; checkpoints never go backwards', async () => {
    const seed = Number(process.env.LEASES_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const tableName = uniqueTableName('property');
    const shards = flatShards(3);
    const history: Event[] = [];
    const nextValue = new Map<string, number>();
    let dynamoRefusals = 0;
    let backwards = 0;

    const workers = ['w1', 'w2', 'w3'].map((id) => {
      // the coordinator logs every take; the test reads those lines as the take history
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString('utf8').split('\n')) {
            if (line.trim() === '') continue;
            const entry = JSON.parse(line) as { msg?: string; shardId?: string };
            if (entry.msg?.startsWith('lease taken') && entry.shardId !== undefined) {
              history.push({ kind: 'take', worker: id, shardId: entry.shardId, at: history.length });
            }
          }
          done();
        },
      });
      return new DynamoDbLeaseCoordinator({
        client,
        tableName,
        streamArn: STREAM_ARN,
        workerId: id,
        failoverTimeMs: 800,
        createIfMissing: true,
        logger: pino({ level: 'info' }, sink),
        random,
        // w3's clock runs at a tenth of the speed: after a stall it still believes it holds leases
        // that others took over, so only the table's conditions stand between it and a bad write
        ...(id === 'w3' ? { clock: () => performance.now() / 10 } : {}),
      });
    });

    const deadline = performance.now() + 8_000;
    const run = async (w: DynamoDbLeaseCoordinator): Promise<void> => {
      while (performance.now() < deadline) {
        const roll = random();
        if (roll < 0.3) {
          await w.sync(shards);
        } else if (roll < 0.8) {
          const held = w.held();
          const target =
            held.length > 0 && random() < 0.8
              ? (held[Math.floor(random() * held.length)] as string)
              : (shards[Math.floor(random() * shards.length)]?.shardId as string);
          const value = (nextValue.get(target) ?? 0) + 1;
          nextValue.set(target, value);
          try {
            await w.checkpoints.put(STREAM_ARN, target, {
              sequenceNumber: String(1000 + value),
              subSequenceNumber: 0,
              complete: true,
            });
            history.push({ kind: 'put', worker: w.workerId, shardId: target, value, at: history.length });
          } catch (error) {
            const code = (error as { code?: string }).code;
            if (code === 'CHECKPOINT_BACKWARDS') backwards++;
            else if (code === 'LEASE_LOST') {
              if (!(error as Error).message.includes('no longer held')) dynamoRefusals++;
            } else throw error;
          }
        } else if (roll < 0.86) {
          // a stall: no renewal for a while (sometimes past the failover time), then carry on
          w.close();
          await sleep(100 + random() * 1400);
        } else if (roll < 0.92) {
          await w.release();
          await sleep(50);
        } else {
          await sleep(10 + random() * 60);
        }
      }
    };
    await Promise.all(workers.map(run));
    for (const w of workers) w.close();

    const table = new LeaseTable({ client, tableName });
    const stored = new Map((await table.list(STREAM_ARN)).map((l) => [l.shardId, l.checkpoint]));
    let switches = 0;
    let puts = 0;
    for (const { shardId } of shards) {
      // values rise in issue order and backwards writes are refused, so value order is commit order
      const committed = history
        .filter((e): e is Extract<Event, { kind: 'put' }> => e.kind === 'put' && e.shardId === shardId)
        .sort((a, b) => a.value - b.value);
      puts += committed.length;
      for (let i = 1; i < committed.length; i++) {
        const previous = committed[i - 1] as Extract<Event, { kind: 'put' }>;
        const current = committed[i] as Extract<Event, { kind: 'put' }>;
        if (previous.worker === current.worker) continue;
        switches++;
        // current.worker must have (re)taken the shard after its own last successful put before this one
        const ownLastPut = committed
          .slice(0, i)
          .filter((e) => e.worker === current.worker)
          .at(-1);
        const retaken = history.some(
          (e) =>
            e.kind === 'take' &&
            e.worker === current.worker &&
            e.shardId === shardId &&
            e.at > (ownLastPut?.at ?? -1) &&
            e.at < current.at,
        );
        expect(
          retaken,
          `seed ${seed}: ${current.worker} checkpointed ${shardId} after ${previous.worker} without a take`,
        ).toBe(true);
      }
      const last = committed.at(-1);
      if (last !== undefined) expect(stored.get(shardId)?.sequenceNumber).toBe(String(1000 + last.value));
    }
    console.info(
      `[leases] property seed ${seed}: ${puts} checkpoints committed, ${switches} owner switches, ${dynamoRefusals} refused by the table's condition, ${backwards} backwards refused`,
    );
    // not vacuous: ownership moved between workers and stale owners were refused
    expect(switches).toBeGreaterThan(0);
    expect(puts).toBeGreaterThan(10);
  }, 30_000);
});
