/**
 * Adversarial suite of the poller engine: values no one should throw (null-prototype objects,
 * throwing getters, Proxies, a 5 MB string...) from a record handler, a Lambda handler or a custom
 * checkpoint store; the checkpoint store failing for a while (the retry log lines, /healthz); and
 * log lines that repeat a key (log stores such as Elasticsearch reject them). Kinesis is the
 * project's kinesis-mock (globalSetup).
 */
import { mkdir, mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Checkpoint,
  CheckpointError,
  type CheckpointStore,
  KINESIS_LAMBDA_HANDLER,
  MemoryCheckpointStore,
  type StreamRecord,
} from '@streamshare/core';
import { describeThrown } from '@streamshare/core/internal';
import { createPoller, type Poller, type PollerOptions, startHttpServer } from '@streamshare/poller';
import { putRecords } from '@streamshare/testkit';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { hostileThrownValues } from '../../core/test/fixtures/hostile-thrown.js';
import { classifyCheckpointFailure } from '../src/errors/checkpoint-failure.js';
import { errorFields } from '../src/errors/error-fields.js';
import {
  consumerClient,
  producerStream as createProducerStream,
  deleteProducerStream,
  memoryLogger,
  producerClient,
  waitFor,
} from './helpers/engine-env.js';
import { duplicateKeys, linesWithDuplicateKeys } from './helpers/json-keys.js';

const HOSTILE = Object.entries(hostileThrownValues);

const pollers: Poller[] = [];
const streams: string[] = [];
const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop().catch(() => {})));
  await Promise.all(closers.splice(0).map((close) => close()));
  await Promise.all(streams.splice(0).map((arn) => deleteProducerStream(arn)));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function producerStream(prefix: string, shards: number): Promise<string> {
  const arn = await createProducerStream(prefix, shards);
  streams.push(arn);
  return arn;
}

function texts(tag: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({ data: `${tag}-${i}`, partitionKey: `${tag}-${i}` }));
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

function track(poller: Poller): Poller {
  pollers.push(poller);
  return poller;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('duplicateKeys (the log tests rely on it)', () => {
  it('finds a key repeated at the top level or deeper, which JSON.parse would hide', () => {
    const line = '{"level":40,"shardId":"a","x":{"k":1,"k":2},"shardId":"b"}';
    expect(JSON.parse(line)).toMatchObject({ shardId: 'b' });
    expect(duplicateKeys(line)).toEqual([
      { path: '$.x', key: 'k' },
      { path: '$', key: 'shardId' },
    ]);
    // Escapes are decoded before comparing: "a" and "\u0061" are the same key.
    expect(duplicateKeys('{"a":1,"\\u0061":2}')).toEqual([{ path: '$', key: 'a' }]);
    expect(() => duplicateKeys('{"a":1')).toThrow(SyntaxError);
  });

  it('agrees with JSON.parse on any JSON text without repeated keys, and finds every key added twice', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (value, key) => {
        const text = JSON.stringify(value);
        expect(duplicateKeys(text)).toEqual([]);
        const repeated = `{${JSON.stringify(key)}:1,"v":${text},${JSON.stringify(key)}:2}`;
        expect(duplicateKeys(repeated)).toContainEqual({ path: '$', key });
      }),
      { numRuns: 300 },
    );
  });
});

describe('errorFields never throws (any thrown value becomes log fields)', () => {
  it.each(HOSTILE)('%s', (_name, make) => {
    const value = make();
    const fields = errorFields(value);
    expect(typeof fields.message).toBe('string');
    expect(fields.message.length).toBeLessThanOrEqual(2_100);
    expect(fields.message).toBe(describeThrown(value));
    expect(() => JSON.stringify(fields)).not.toThrow();
  });

  it('classifies a hostile value thrown by a custom checkpoint store without throwing itself', () => {
    for (const [, make] of HOSTILE) expect(['retry', 'fatal']).toContain(classifyCheckpointFailure(make()));
  });
});

describe('a handler that throws a value that is not an Error (poller, kinesis-mock)', () => {
  it('record handler: each hostile value is a failed record that blocks the shard, never a crash; then all records once, in order', async () => {
    const streamArn = await producerStream('adv-thrown', 1);
    const written = await putRecords(producerClient(), streamArn, texts('t', HOSTILE.length + 3));
    const thrown = new Set<number>();
    const done: string[] = [];
    const { logger, lines } = memoryLogger('debug');
    const poller = track(
      createPoller({
        streamArn,
        codec: 'text',
        handler: (record: StreamRecord<unknown>) => {
          const index = Number(String(record.data).split('-')[1]);
          // Record i (one per hostile value) throws its value the first time it is handled.
          if (index < HOSTILE.length && !thrown.has(index)) {
            thrown.add(index);
            throw HOSTILE[index]![1]();
          }
          if (!done.includes(record.sequenceNumber)) done.push(record.sequenceNumber);
        },
        kinesisClient: consumerClient(),
        checkpointStore: new MemoryCheckpointStore(),
        idleTimeBetweenReadsMs: 20,
        failureBackoff: { minMs: 10, maxMs: 20 },
        logger,
      }),
    );
    const state = outcome(poller);
    await poller.start();
    await waitFor(() => done.length >= written.length || state.settled, 'every record handled', 45_000);
    expect(state.error).toBeUndefined();
    expect(state.settled).toBe(false);
    expect(poller.status().running).toBe(true);
    expect(thrown.size).toBe(HOSTILE.length);
    expect(done).toEqual(written.map((w) => w.sequenceNumber));

    const blocked = lines.filter((line) => line.includes('"shard blocked at '));
    expect(blocked.length).toBeGreaterThanOrEqual(HOSTILE.length);
    expect(lines.some((line) => line.includes('shard reader failed'))).toBe(false);
    for (const line of blocked) {
      const err = (JSON.parse(line) as { err?: { message?: unknown } }).err;
      expect(typeof err?.message).toBe('string');
    }
    expect(linesWithDuplicateKeys(lines)).toEqual([]);
  });

  it('Lambda handler (kinesisHandler-made): each hostile value fails the event at its first record, never a crash', async () => {
    const streamArn = await producerStream('adv-thrown-lambda', 1);
    const written = await putRecords(producerClient(), streamArn, texts('l', HOSTILE.length + 2));
    let calls = 0;
    const done: string[] = [];
    const { logger, lines } = memoryLogger('debug');
    const handler = Object.assign(
      async (event: { Records: { kinesis: { sequenceNumber: string } }[] }) => {
        const value = HOSTILE[calls]?.[1];
        calls++;
        if (value) throw value();
        for (const record of event.Records) {
          if (!done.includes(record.kinesis.sequenceNumber)) done.push(record.kinesis.sequenceNumber);
        }
        return { batchItemFailures: [] };
      },
      { [KINESIS_LAMBDA_HANDLER]: true },
    );
    const poller = track(
      createPoller({
        streamArn,
        handler: handler as unknown as PollerOptions['handler'],
        kinesisClient: consumerClient(),
        checkpointStore: new MemoryCheckpointStore(),
        idleTimeBetweenReadsMs: 20,
        failureBackoff: { minMs: 10, maxMs: 20 },
        logger,
      }),
    );
    const state = outcome(poller);
    await poller.start();
    await waitFor(() => done.length >= written.length || state.settled, 'every record handled', 45_000);
    expect(state.error).toBeUndefined();
    expect(calls).toBeGreaterThan(HOSTILE.length);
    expect(done).toEqual(written.map((w) => w.sequenceNumber));
    const blocked = lines.filter((line) => line.includes('"shard blocked at '));
    expect(blocked.length).toBe(HOSTILE.length);
    expect(blocked.some((line) => line.includes('a thrown null-prototype object'))).toBe(true);
    expect(linesWithDuplicateKeys(lines)).toEqual([]);
  });
});

type Fault = (operation: 'get' | 'put', shardId: string, checkpoint?: Checkpoint) => unknown;

/** A CheckpointStore over an in-memory one that answers some calls with what `fault` returns. */
function faultyStore(fault: Fault): CheckpointStore & { description: string } {
  const inner = new MemoryCheckpointStore();
  return {
    description: 'faulty in-memory store',
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

describe('log lines never repeat a key (pino child bindings + call fields)', () => {
  it('checkpoint get and put retried, a blocked shard, a fatal store error: no line repeats a key', async () => {
    const streamArn = await producerStream('adv-dupkeys', 2);
    await putRecords(producerClient(), streamArn, texts('d', 20));
    let gets = 0;
    let puts = 0;
    const { logger, lines } = memoryLogger('trace');
    let failOnce = true;
    const poller = track(
      createPoller({
        streamArn,
        codec: 'text',
        handler: (record: StreamRecord<unknown>) => {
          if (String(record.data) === 'd-3' && failOnce) {
            failOnce = false;
            throw new Error('first attempt of d-3 fails');
          }
        },
        retry: { attempts: 1 },
        kinesisClient: consumerClient(),
        checkpointStore: faultyStore((operation) => {
          if (operation === 'get' && gets++ < 2) {
            return new CheckpointError('CHECKPOINT_IO', 'disk away (get)', { retryable: true });
          }
          if (operation === 'put' && puts++ < 3) {
            return new CheckpointError('CHECKPOINT_IO', 'disk away (put)', { retryable: true });
          }
          return undefined;
        }),
        idleTimeBetweenReadsMs: 20,
        failureBackoff: { minMs: 10, maxMs: 20 },
        logger,
      }),
    );
    // Short checkpoint backoff is not an option of createPoller: the default 250 ms is fine here.
    await poller.start();
    await waitFor(() => puts >= 6, 'checkpoint puts after the failures', 30_000);
    await poller.stop();
    expect(lines.filter((l) => l.includes('checkpoint put of')).length).toBeGreaterThanOrEqual(3);
    expect(lines.filter((l) => l.includes('checkpoint get of')).length).toBeGreaterThanOrEqual(2);
    expect(lines.some((l) => l.includes('shard blocked at'))).toBe(true);
    expect(linesWithDuplicateKeys(lines)).toEqual([]);
  });

  it('a custom store that throws a hostile value: the poller stops with an Error, and its log lines hold', async () => {
    const streamArn = await producerStream('adv-store-hostile', 1);
    await putRecords(producerClient(), streamArn, texts('s', 3));
    const { logger, lines } = memoryLogger('trace');
    const poller = track(
      createPoller({
        streamArn,
        codec: 'text',
        handler: () => {},
        kinesisClient: consumerClient(),
        checkpointStore: faultyStore((operation) =>
          operation === 'put' ? hostileThrownValues['Proxy whose every trap throws']!() : undefined,
        ),
        idleTimeBetweenReadsMs: 20,
        logger,
      }),
    );
    const state = outcome(poller);
    await poller.start();
    await waitFor(() => state.settled, 'the poller to stop', 30_000);
    expect(state.error).toBeInstanceOf(Error);
    expect((state.error as Error).message).toMatch(/cannot be inspected/);
    expect(lines.some((l) => l.includes('shard reader failed'))).toBe(true);
    expect(linesWithDuplicateKeys(lines)).toEqual([]);
  });
});

describe('/healthz while checkpoints cannot be written', () => {
  it('turns 503 with a reason while the checkpoint directory is unusable, and 200 again once it is back', async () => {
    // The tests run as root, for whom chmod does not stop writes: the directory is replaced by a
    // regular file for a while instead (every write under it then fails with ENOTDIR).
    const streamArn = await producerStream('adv-health', 1);
    await putRecords(producerClient(), streamArn, texts('h', 5));
    const root = await mkdtemp(join(tmpdir(), 'ss-adv-health-'));
    dirs.push(root);
    const directory = join(root, 'checkpoints');
    await mkdir(directory);
    let handled = 0;
    const poller = track(
      createPoller({
        streamArn,
        codec: 'text',
        handler: () => {
          handled++;
        },
        kinesisClient: consumerClient(),
        checkpointDir: directory,
        idleTimeBetweenReadsMs: 20,
      }),
    );
    let startedAt: number | undefined;
    const http = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      status: () => poller.status(),
      startedAt: () => startedAt,
      metrics: async () => '',
      metricsContentType: 'text/plain',
    });
    closers.push(() => http.close());
    const health = async () => {
      const res = await fetch(`http://127.0.0.1:${http.port}/healthz`);
      return { code: res.status, body: (await res.json()) as { status: string; reason?: string } };
    };
    await poller.start();
    startedAt = Date.now();
    await waitFor(() => handled >= 5, 'the first records', 20_000);
    await sleep(100);
    expect((await health()).code).toBe(200);

    // The directory becomes a regular file; new records need a checkpoint write, which now fails.
    await rename(directory, `${directory}.away`);
    await writeFile(directory, 'not a directory');
    await putRecords(producerClient(), streamArn, texts('h2', 3));
    let sick = await health();
    const deadline = Date.now() + 20_000;
    while (sick.code === 200 && Date.now() < deadline) {
      await sleep(50);
      sick = await health();
    }
    expect(sick.code).toBe(503);
    expect(sick.body.status).toBe('checkpoint-failing');
    expect(sick.body.reason).toMatch(/checkpoint put of shardId-000000000000 has been failing/);
    expect(sick.body.reason).toContain(directory);

    await unlink(directory);
    await rename(`${directory}.away`, directory);
    let well = await health();
    const until = Date.now() + 20_000;
    while (well.code !== 200 && Date.now() < until) {
      await sleep(50);
      well = await health();
    }
    expect(well.code).toBe(200);
    expect(well.body.status).toBe('ok');
    expect(handled).toBe(8);
  });
});
