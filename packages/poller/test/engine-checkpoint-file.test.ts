/**
 * Checkpoint store failures inside a shard reader, with the file store (core's FileCheckpointStore) on
 * real disk: transient failures are retried without handling the batch again, LEASE_LOST stops only
 * that shard, a checkpoint going backwards or a corrupt file stops the poller with a message naming the
 * shard and the store. Kinesis is kinesis-mock (globalSetup).
 */
import { mkdir, mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Checkpoint,
  CheckpointError,
  type CheckpointStore,
  FileCheckpointStore,
  type StreamRecord,
} from '@streamshare/core';
import { createPoller, type Poller, ShardCheckpointError } from '@streamshare/poller';
import { putRecords } from '@streamshare/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  consumerClient,
  producerStream as createProducerStream,
  deleteProducerStream,
  memoryLogger,
  producerClient,
  waitFor,
} from './helpers/engine-env.js';

const pollers: Poller[] = [];
/** Streams of this file, deleted after each test (kinesis-mock's shard limit is shared by the project). */
const streams: string[] = [];
async function producerStream(prefix: string, shards: number): Promise<string> {
  const arn = await createProducerStream(prefix, shards);
  streams.push(arn);
  return arn;
}
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop().catch(() => {})));
  await Promise.all(streams.splice(0).map((arn) => deleteProducerStream(arn)));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ss-ckpt-'));
  dirs.push(dir);
  return dir;
}

function records(tag: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({ data: `${tag}-${i}`, partitionKey: `${tag}-key-${i}` }));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Watches `poller.done` without awaiting it. */
function outcome(poller: Poller): { error: unknown; settled: boolean } {
  const state = { error: undefined as unknown, settled: false };
  poller.done.then(
    () => {
      state.settled = true;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

/** Log lines at error level or above (pino: 50). */
function errorLines(lines: string[]): string[] {
  return lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
}

type Fault = (operation: 'get' | 'put', shardId: string, checkpoint?: Checkpoint) => unknown;

/**
 * The poller's own injection point: a CheckpointStore around a real FileCheckpointStore that answers
 * some calls with the error `fault` returns (undefined: the call goes through).
 */
function faultyStore(inner: FileCheckpointStore, fault: Fault): CheckpointStore & { description: string } {
  return {
    description: `faulty store over ${inner.directory}`,
    get: async (streamArn, shardId) => {
      const error = fault('get', shardId);
      if (error !== undefined) throw error;
      return inner.get(streamArn, shardId);
    },
    put: async (streamArn, shardId, checkpoint) => {
      const error = fault('put', shardId, checkpoint);
      if (error !== undefined) throw error;
      return inner.put(streamArn, shardId, checkpoint);
    },
  };
}

describe('checkpoint store failures in a shard reader (file store)', () => {
  it('the checkpoint directory replaced by a file for a while: the put is retried, the batch not handled again', async () => {
    const streamArn = await producerStream('engine-ckpt-dir', 1);
    const written = await putRecords(producerClient(), streamArn, records('dir', 30));
    const directory = join(await tempDir(), 'checkpoints');
    await mkdir(directory);
    const seen: { sequenceNumber: string; at: number }[] = [];
    const retries: string[] = [];
    let outage: Promise<void> | undefined;
    let restoredAt = Number.POSITIVE_INFINITY;
    const { logger, lines } = memoryLogger('info');
    const poller = createPoller({
      streamArn,
      handler: async (record: StreamRecord<unknown>) => {
        seen.push({ sequenceNumber: record.sequenceNumber, at: Date.now() });
        if (seen.length === 1) {
          // The directory goes away (a file in its place) until 2.5 s later: the put after this batch fails.
          await rename(directory, `${directory}.away`);
          await writeFile(directory, 'not a directory');
          outage = sleep(2_500).then(async () => {
            await unlink(directory);
            await rename(`${directory}.away`, directory);
            restoredAt = Date.now();
          });
        }
      },
      codec: 'text',
      kinesisClient: consumerClient(),
      checkpointDir: directory,
      maxRecordsPerCall: 10,
      idleTimeBetweenReadsMs: 50,
      logger,
      observer: { onRetry: (_shard, action) => retries.push(action) },
    });
    pollers.push(poller);
    const state = outcome(poller);
    await poller.start();
    await waitFor(() => seen.length >= 30 || state.settled, 'all 30 records', 45_000);
    await outage;
    expect(state.error).toBeUndefined();
    expect(state.settled).toBe(false);

    // Every record once, in order: the failed put was retried, the batch was not handled again.
    expect(seen.map((s) => s.sequenceNumber)).toEqual(written.map((w) => w.sequenceNumber));
    // One batch in hand: nothing after the first page was handled before its checkpoint was on disk.
    expect(seen.slice(10).every((s) => s.at >= restoredAt)).toBe(true);
    expect(retries.filter((a) => a === 'checkpoint:put').length).toBeGreaterThanOrEqual(2);
    const warnings = lines.filter((l) => l.includes('checkpoint put of shardId-000000000000 failed'));
    expect(warnings.length).toBeGreaterThan(0);
    const store = new FileCheckpointStore({ directory });
    expect(warnings[0]).toContain(store.fileOf(streamArn));
    expect(errorLines(lines)).toEqual([]);

    await waitFor(
      () => poller.status().shards[0]?.checkpoint?.includes(written.at(-1)!.sequenceNumber) === true,
      'last checkpoint',
    );
    await poller.stop();
    await poller.done;
    expect((await store.get(streamArn, 'shardId-000000000000'))?.sequenceNumber).toBe(written.at(-1)?.sequenceNumber);
  });

  it('retries the get at reader start and raw disk / throttling errors of a custom store', async () => {
    const streamArn = await producerStream('engine-ckpt-get', 1);
    const written = await putRecords(producerClient(), streamArn, records('get', 20));
    const inner = new FileCheckpointStore({ directory: await tempDir() });
    // A checkpoint from an earlier run: reading resumes after record 9.
    await inner.put(streamArn, 'shardId-000000000000', {
      sequenceNumber: written[9]!.sequenceNumber,
      subSequenceNumber: 0,
      complete: true,
    });
    let gets = 0;
    let puts = 0;
    const store = faultyStore(inner, (operation) => {
      if (operation === 'get' && ++gets <= 3) {
        return new CheckpointError('CHECKPOINT_IO', 'injected: checkpoint volume not mounted yet', { retryable: true });
      }
      if (operation === 'put') {
        puts += 1;
        if (puts === 1) return Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO', errno: -5 });
        if (puts === 2) {
          return Object.assign(new Error('Rate exceeded'), {
            name: 'ThrottlingException',
            $metadata: { httpStatusCode: 400 },
          });
        }
      }
      return undefined;
    });
    const seen: string[] = [];
    const retries: string[] = [];
    const { logger, lines } = memoryLogger('info');
    const poller = createPoller({
      streamArn,
      handler: (record: StreamRecord<unknown>) => {
        seen.push(record.sequenceNumber);
      },
      codec: 'text',
      kinesisClient: consumerClient(),
      checkpointStore: store,
      idleTimeBetweenReadsMs: 50,
      logger,
      observer: { onRetry: (_shard, action) => retries.push(action) },
    });
    pollers.push(poller);
    const state = outcome(poller);
    await poller.start();
    await waitFor(() => seen.length >= 10 || state.settled, 'the 10 records after the checkpoint', 30_000);
    await waitFor(() => puts >= 3 || state.settled, 'the checkpoint written');
    expect(state.error).toBeUndefined();
    await poller.stop();
    await poller.done;

    expect(seen).toEqual(written.slice(10).map((w) => w.sequenceNumber));
    expect(retries.filter((a) => a === 'checkpoint:get')).toHaveLength(3);
    expect(retries.filter((a) => a === 'checkpoint:put')).toHaveLength(2);
    expect((await inner.get(streamArn, 'shardId-000000000000'))?.sequenceNumber).toBe(written[19]?.sequenceNumber);
    expect(lines.some((l) => l.includes('faulty store over'))).toBe(true);
  });

  it('LEASE_LOST after a failed put stops only that shard: no error, no further checkpoint', async () => {
    const streamArn = await producerStream('engine-ckpt-lost', 2);
    const written = await putRecords(producerClient(), streamArn, records('lost', 24));
    const shards = [...new Set(written.map((w) => w.shardId))].sort();
    expect(shards).toHaveLength(2);
    const [lostShard, otherShard] = shards as [string, string];
    const inner = new FileCheckpointStore({ directory: await tempDir() });
    let lostPuts = 0;
    const store = faultyStore(inner, (operation, shardId) => {
      if (operation !== 'put' || shardId !== lostShard) return undefined;
      lostPuts += 1;
      return lostPuts === 1
        ? new CheckpointError('CHECKPOINT_IO', 'injected: store unavailable', { retryable: true })
        : new CheckpointError('LEASE_LOST', `injected: ${lostShard} is now held by worker-2`);
    });
    const seen = new Map<string, string[]>();
    const stopped: [string, string][] = [];
    const { logger, lines } = memoryLogger('info');
    const poller = createPoller({
      streamArn,
      handler: (record: StreamRecord<unknown>) => {
        seen.set(record.shardId, [...(seen.get(record.shardId) ?? []), record.sequenceNumber]);
      },
      codec: 'text',
      kinesisClient: consumerClient(),
      checkpointStore: store,
      maxRecordsPerCall: 4,
      idleTimeBetweenReadsMs: 50,
      // No periodic re-sync during the test: the lost shard is not started again.
      shardSyncIntervalMs: 600_000,
      logger,
      observer: { onShardStopped: (shardId, reason) => stopped.push([shardId, reason]) },
    });
    pollers.push(poller);
    const state = outcome(poller);
    await poller.start();
    const otherWritten = written.filter((w) => w.shardId === otherShard).map((w) => w.sequenceNumber);
    await waitFor(() => (seen.get(otherShard)?.length ?? 0) >= otherWritten.length || state.settled, 'the other shard');
    await waitFor(() => stopped.length > 0 || state.settled, 'the lost shard stopped');
    await sleep(500);

    expect(state.error).toBeUndefined();
    expect(state.settled).toBe(false);
    expect(poller.status().running).toBe(true);
    expect(stopped).toEqual([[lostShard, 'lost']]);
    expect(lostPuts).toBe(2);
    // Only its first batch was handled; nothing was checkpointed for it.
    expect(seen.get(lostShard)).toEqual(
      written
        .filter((w) => w.shardId === lostShard)
        .slice(0, 4)
        .map((w) => w.sequenceNumber),
    );
    expect(await inner.get(streamArn, lostShard)).toBeUndefined();
    // The other shard went on to its end.
    expect(seen.get(otherShard)).toEqual(otherWritten);
    await waitFor(
      () => poller.status().shards.some((s) => s.checkpoint?.includes(otherWritten.at(-1)!) === true),
      'other checkpoint',
    );
    expect(errorLines(lines)).toEqual([]);
    expect(lines.some((l) => l.includes('lease lost') && l.includes(lostShard) && l.includes('"level":40'))).toBe(true);
    await poller.stop();
    await poller.done;
    expect((await inner.get(streamArn, otherShard))?.sequenceNumber).toBe(otherWritten.at(-1));
  });

  it.each([
    {
      code: 'CHECKPOINT_BACKWARDS',
      // Another process writes a later checkpoint of the shard into the same directory (let in by
      // someone removing the directory's lock file: the check at each write still catches it).
      spoil: async (store: FileCheckpointStore, streamArn: string, last: string) => {
        await unlink(join(store.directory, 'streamshare.lock'));
        await new FileCheckpointStore({ directory: store.directory }).put(streamArn, 'shardId-000000000000', {
          sequenceNumber: last,
          subSequenceNumber: 0,
          complete: true,
        });
      },
      says: 'two pollers on one checkpoint directory',
    },
    {
      code: 'CHECKPOINT_CORRUPT',
      spoil: async (store: FileCheckpointStore, streamArn: string) =>
        writeFile(store.fileOf(streamArn), '{"version": 1, '),
      says: 'fix or remove',
    },
  ])('$code is fatal, with a message naming the shard and the store', async ({ code, spoil, says }) => {
    const streamArn = await producerStream('engine-ckpt-fatal', 1);
    const written = await putRecords(producerClient(), streamArn, records('fatal', 20));
    const directory = await tempDir();
    const store = new FileCheckpointStore({ directory });
    let handled = 0;
    const { logger, lines } = memoryLogger('info');
    const poller = createPoller({
      streamArn,
      handler: async () => {
        handled += 1;
        if (handled === 1) await spoil(store, streamArn, written.at(-1)!.sequenceNumber);
      },
      codec: 'text',
      kinesisClient: consumerClient(),
      checkpointDir: directory,
      maxRecordsPerCall: 10,
      idleTimeBetweenReadsMs: 50,
      logger,
    });
    pollers.push(poller);
    await poller.start();
    const error = await poller.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ShardCheckpointError);
    expect(error).toBeInstanceOf(CheckpointError);
    const failure = error as ShardCheckpointError;
    expect(failure.code).toBe(code);
    expect(failure.retryable).toBe(false);
    expect(failure.shardId).toBe('shardId-000000000000');
    expect(failure.message).toContain('shardId-000000000000');
    expect(failure.message).toContain(streamArn);
    expect(failure.message).toContain(store.fileOf(streamArn));
    expect(failure.message).toContain(says);
    // Not retried: the first batch was handled once.
    expect(handled).toBe(10);
    expect(lines.some((l) => l.includes('shard reader failed') && l.includes(code))).toBe(true);
  });
});

describe('a checkpoint directory in use by another poller (file store)', () => {
  it('fails the start with CHECKPOINT_LOCKED before any record is handled', async () => {
    const streamArn = await producerStream('engine-ckpt-locked', 1);
    await putRecords(producerClient(), streamArn, records('locked', 5));
    const directory = await tempDir();
    // The first poller's store holds the directory (as another process would).
    const holder = new FileCheckpointStore({ directory });
    await holder.open(streamArn);
    let handled = 0;
    const second = createPoller({
      streamArn,
      handler: async () => {
        handled += 1;
      },
      codec: 'text',
      kinesisClient: consumerClient(),
      checkpointDir: directory,
      idleTimeBetweenReadsMs: 50,
    });
    pollers.push(second);
    const error = await second.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).code).toBe('CHECKPOINT_LOCKED');
    expect((error as CheckpointError).message).toContain(directory);
    await sleep(300); // no reader was started: nothing is handled later either
    expect(handled).toBe(0);
    await holder.close();
  });
});
