/**
 * The poller's start on core's one retry policy and one error classifier, and the checkpoint store's
 * capabilities (`lock`, `open`, `describe`) asked of the store rather than guessed from its class.
 */
import { type Checkpoint, CheckpointError, type CheckpointStore, MemoryCheckpointStore } from '@streamshare/core';
import { createPoller, type Poller } from '@streamshare/poller';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hostileThrownValues } from '../../core/test/fixtures/hostile-thrown.js';
import { describeCheckpointStore, LocalCoordinator } from '../src/coordination/local-coordinator.js';
import type { ShardCoordinator } from '../src/coordination/shard-coordinator.js';
import { isTransientFailure } from '../src/poller/retries.js';
import {
  consumerClient,
  countCalls,
  deleteProducerStream,
  memoryLogger,
  producerStream,
  textPoller,
} from './helpers/engine-env.js';

const ARN = 'arn:aws:kinesis:us-east-1:111122223333:stream/start-retries';

/** A raw network error as Node throws it (no `retryable` flag of streamshare's errors). */
function connectionReset(): Error {
  return Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
}

/** A store of one's own, in memory, with the optional capabilities given. */
class OwnStore implements CheckpointStore {
  readonly calls: string[] = [];
  readonly #memory = new MemoryCheckpointStore();
  constructor(capabilities: Partial<Pick<CheckpointStore, 'lock' | 'open' | 'describe'>> = {}) {
    const { lock, open, describe } = capabilities;
    if (lock) {
      this.lock = () => {
        this.calls.push('lock');
        return lock();
      };
    }
    if (open) {
      this.open = (arn) => {
        this.calls.push(`open ${arn}`);
        return open(arn);
      };
    }
    if (describe) this.describe = describe;
  }
  lock?: () => Promise<void>;
  open?: (streamArn: string) => Promise<void>;
  describe?: (streamArn: string) => string;
  get(streamArn: string, shardId: string): Promise<Checkpoint | undefined> {
    return this.#memory.get(streamArn, shardId);
  }
  put(streamArn: string, shardId: string, checkpoint: Checkpoint): Promise<void> {
    return this.#memory.put(streamArn, shardId, checkpoint);
  }
}

describe('what the poller retries (isTransientFailure)', () => {
  it('a streamshare error by its flag; anything else as core classifyAwsError reads it', () => {
    expect(isTransientFailure(new CheckpointError('CHECKPOINT_IO', 'disk', { retryable: true }))).toBe(true);
    expect(isTransientFailure(new CheckpointError('CHECKPOINT_LOCKED', 'held'))).toBe(false);
    // A streamshare error's own flag wins over what its cause looks like.
    expect(
      isTransientFailure(new CheckpointError('CHECKPOINT_IO', 'read ECONNRESET', { cause: connectionReset() })),
    ).toBe(false);
    expect(isTransientFailure(connectionReset())).toBe(true);
    expect(isTransientFailure(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))).toBe(true);
    expect(
      isTransientFailure(
        Object.assign(new Error('no'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }),
      ),
    ).toBe(false);
    expect(isTransientFailure(new TypeError('x is not a function'))).toBe(false);
    for (const make of Object.values(hostileThrownValues)) expect(() => isTransientFailure(make())).not.toThrow();
  });
});

describe('the start retries a raw transient error of a coordinator of one own', () => {
  let streamArn: string;
  const pollers: Poller[] = [];
  beforeAll(async () => {
    streamArn = await producerStream('start-retries', 1);
  });
  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((p) => p.stop().catch(() => {})));
  });
  afterAll(async () => {
    await deleteProducerStream(streamArn);
  });

  it('ECONNRESET from start() twice: retried with backoff (logged), then the poller runs', async () => {
    const local = new LocalCoordinator(new MemoryCheckpointStore(), { streamArn });
    let failures = 2;
    const coordinator: ShardCoordinator = {
      checkpoints: local.checkpoints,
      start: async () => {
        if (failures-- > 0) throw connectionReset();
      },
      sync: (shards) => local.sync(shards),
      owns: (shardId) => local.owns(shardId),
      markFinished: (shardId) => local.markFinished(shardId),
      release: (shardIds) => local.release(shardIds),
      held: () => local.held(),
    };
    const { logger, lines } = memoryLogger('warn');
    const { poller } = textPoller(streamArn, { coordinator, logger, startTimeoutMs: 20_000 });
    pollers.push(poller);
    await poller.start();
    expect(poller.status().state).toBe('running');
    const retries = lines.map((line) => JSON.parse(line)).filter((l) => /^start: .* failed; retrying$/.test(l.msg));
    expect(retries.map((l) => l.attempt)).toEqual([1, 2]);
    for (const l of retries) expect(l.delayMs).toBeGreaterThanOrEqual(100);
  });
});

describe('the checkpoint store capabilities', () => {
  it('lock(): a store of one own that is held elsewhere fails the start at once, before any Kinesis call', async () => {
    const client = consumerClient('http://127.0.0.1:9');
    const calls = countCalls(client);
    const store = new OwnStore({
      lock: async () => {
        throw new CheckpointError('CHECKPOINT_LOCKED', 'checkpoints of this stream are held by worker 7');
      },
    });
    const poller = createPoller({
      streamArn: ARN,
      handler: () => {},
      kinesisClient: client,
      checkpointStore: store,
      startTimeoutMs: 3_000,
    });
    await expect(poller.start()).rejects.toMatchObject({ code: 'CHECKPOINT_LOCKED' });
    expect(calls()).toBe(0);
    expect(store.calls).toEqual(['lock']);
  });

  it('lock() then open(streamArn) at start, in that order; a failing open() does not fail the start', async () => {
    const store = new OwnStore({
      lock: async () => {},
      open: async () => {
        throw new Error('not ready yet');
      },
    });
    const coordinator = new LocalCoordinator(store, { streamArn: ARN });
    await coordinator.start();
    expect(store.calls).toEqual(['lock', `open ${ARN}`]);
  });

  it('describe(streamArn) names the store in messages', () => {
    const store = new OwnStore({ describe: (arn) => `redis checkpoints of ${arn.split('/')[1]}` });
    expect(describeCheckpointStore(store, ARN)).toBe('redis checkpoints of start-retries');
    expect(new LocalCoordinator(store, { streamArn: ARN }).storeDescription).toBe('redis checkpoints of start-retries');
  });
});
