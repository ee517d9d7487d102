/** The pure parts of checkpoint failure handling: classification, store descriptions, the retry loop. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CheckpointError,
  FileCheckpointStore,
  MemoryCheckpointStore,
  RetryableError,
  StreamshareError,
} from '@streamshare/core';
import { LeaseTableError, ShardCheckpointError } from '@streamshare/poller';
import { describe, expect, it } from 'vitest';
import { AbortedError } from '../src/calls/call-with-retries.js';
import { describeCheckpointStore } from '../src/coordination/local-coordinator.js';
import { classifyCheckpointFailure } from '../src/errors/checkpoint-failure.js';
import { checkpointCall } from '../src/reader/checkpoint-calls.js';
import { memoryLogger } from './helpers/engine-env.js';

const ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const SHARD = 'shardId-000000000003';

describe('classifyCheckpointFailure', () => {
  it.each([
    ['LEASE_LOST', new CheckpointError('LEASE_LOST', 'moved'), 'lease-lost'],
    ['CHECKPOINT_BACKWARDS', new CheckpointError('CHECKPOINT_BACKWARDS', 'back'), 'fatal'],
    ['CHECKPOINT_CORRUPT', new CheckpointError('CHECKPOINT_CORRUPT', 'bad'), 'fatal'],
    ['retryable CHECKPOINT_IO', new CheckpointError('CHECKPOINT_IO', 'io', { retryable: true }), 'retry'],
    ['non-retryable CHECKPOINT_IO', new CheckpointError('CHECKPOINT_IO', 'no dir'), 'fatal'],
    [
      'LEASE_TABLE_UNAVAILABLE',
      new LeaseTableError('LEASE_TABLE_UNAVAILABLE', 'throttled', { tableName: 't', action: 'dynamodb:UpdateItem' }),
      'retry',
    ],
    [
      'LEASE_TABLE_ACCESS_DENIED',
      new LeaseTableError('LEASE_TABLE_ACCESS_DENIED', 'denied', { tableName: 't', action: 'dynamodb:UpdateItem' }),
      'fatal',
    ],
    ['RetryableError', new RetryableError('later'), 'retry'],
    ['another fatal StreamshareError', new StreamshareError('X', 'x'), 'fatal'],
    ['raw throttling', Object.assign(new Error('slow down'), { name: 'ThrottlingException' }), 'retry'],
    ['raw 503', Object.assign(new Error('unavailable'), { name: 'X', $metadata: { httpStatusCode: 503 } }), 'retry'],
    ['EIO', Object.assign(new Error('EIO'), { code: 'EIO' }), 'retry'],
    ['ENOSPC', Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }), 'retry'],
    ['ECONNRESET', Object.assign(new Error('reset'), { code: 'ECONNRESET' }), 'retry'],
    ['TypeError', new TypeError('x is not a function'), 'fatal'],
    ['a string', 'boom', 'fatal'],
  ])('%s -> %s', (_name, error, kind) => {
    expect(classifyCheckpointFailure(error)).toBe(kind);
  });
});

describe('describeCheckpointStore', () => {
  it('names the file of a file store, memory, a store of its own description, or its class', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ss-desc-'));
    try {
      const file = new FileCheckpointStore({ directory: dir });
      expect(describeCheckpointStore(file, ARN)).toBe(`checkpoint file ${file.fileOf(ARN)}`);
      expect(describeCheckpointStore(new MemoryCheckpointStore(), ARN)).toBe('memory checkpoint store');
      const own = { description: 'redis checkpoints at 10.0.0.1', get: async () => undefined, put: async () => {} };
      expect(describeCheckpointStore(own, ARN)).toBe('redis checkpoints at 10.0.0.1');
      class S3Store {
        async get() {
          return undefined;
        }
        async put() {}
      }
      expect(describeCheckpointStore(new S3Store(), ARN)).toBe('checkpoint store S3Store');
      expect(describeCheckpointStore({ get: async () => undefined, put: async () => {} }, ARN)).toBe(
        'checkpoint store (custom)',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('checkpointCall', () => {
  const base = (signal: AbortSignal) => ({
    streamArn: ARN,
    shardId: SHARD,
    store: 'lease table leases (worker w1)',
    signal,
    logger: memoryLogger('warn').logger,
    backoff: { minMs: 5, maxMs: 20 },
  });

  it('retries transient failures until the call succeeds, reporting each retry', async () => {
    let calls = 0;
    const retried: string[] = [];
    const value = await checkpointCall(
      'put',
      async () => {
        calls += 1;
        if (calls < 4) throw new CheckpointError('CHECKPOINT_IO', 'disk busy', { retryable: true });
        return 'ok';
      },
      { ...base(new AbortController().signal), onRetry: (action) => retried.push(action) },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(4);
    expect(retried).toEqual(['checkpoint:put', 'checkpoint:put', 'checkpoint:put']);
  });

  it('logs retries at warn, at error once the call has failed for loudAfterMs', async () => {
    const { logger, lines } = memoryLogger('warn');
    let calls = 0;
    await checkpointCall(
      'put',
      async () => {
        calls += 1;
        if (calls === 1) throw new CheckpointError('CHECKPOINT_IO', 'disk busy', { retryable: true });
        if (calls === 2) {
          await new Promise((resolve) => setTimeout(resolve, 60));
          throw new CheckpointError('CHECKPOINT_IO', 'disk busy', { retryable: true });
        }
      },
      { ...base(new AbortController().signal), logger, loudAfterMs: 50 },
    );
    const levels = lines.map((l) => (JSON.parse(l) as { level: number; store: string }).level);
    expect(levels).toEqual([40, 50]);
    expect(lines[0]).toContain('lease table leases (worker w1)');
  });

  it('makes the first attempt even when already aborted, then stops retrying with AbortedError', async () => {
    const stop = new AbortController();
    stop.abort();
    let calls = 0;
    await expect(
      checkpointCall(
        'put',
        async () => {
          calls += 1;
        },
        base(stop.signal),
      ),
    ).resolves.toBeUndefined();
    expect(calls).toBe(1);
    const { logger, lines } = memoryLogger('warn');
    await expect(
      checkpointCall(
        'put',
        async () => {
          calls += 1;
          throw new CheckpointError('CHECKPOINT_IO', 'disk busy', { retryable: true });
        },
        { ...base(stop.signal), logger },
      ),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(calls).toBe(2);
    expect(lines.some((l) => l.includes('delivered again (at least once)'))).toBe(true);
  });

  it('abort during the backoff ends the retries at once', async () => {
    const stop = new AbortController();
    const started = Date.now();
    const call = checkpointCall(
      'get',
      async () => {
        throw new CheckpointError('CHECKPOINT_IO', 'unavailable', { retryable: true });
      },
      { ...base(stop.signal), backoff: { minMs: 60_000, maxMs: 60_000 } },
    );
    setTimeout(() => stop.abort(), 50);
    await expect(call).rejects.toBeInstanceOf(AbortedError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('passes LEASE_LOST through, and turns a lost ownership during retries into LEASE_LOST', async () => {
    const lost = new CheckpointError('LEASE_LOST', 'held by w2');
    await expect(
      checkpointCall(
        'put',
        async () => {
          throw lost;
        },
        base(new AbortController().signal),
      ),
    ).rejects.toBe(lost);
    let owned = true;
    let calls = 0;
    const error = await checkpointCall(
      'put',
      async () => {
        calls += 1;
        if (calls === 2) owned = false;
        throw new CheckpointError('CHECKPOINT_IO', 'unavailable', { retryable: true });
      },
      { ...base(new AbortController().signal), owns: () => owned },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).code).toBe('LEASE_LOST');
    expect(calls).toBe(2);
  });

  it('wraps a fatal CheckpointError into a ShardCheckpointError naming the shard and the store', async () => {
    const cause = new CheckpointError('CHECKPOINT_BACKWARDS', 'refused checkpoint 5 of shard: before 9');
    const error = await checkpointCall(
      'put',
      async () => {
        throw cause;
      },
      base(new AbortController().signal),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShardCheckpointError);
    const failure = error as ShardCheckpointError;
    expect(failure).toMatchObject({ code: 'CHECKPOINT_BACKWARDS', shardId: SHARD, streamArn: ARN, operation: 'put' });
    expect(failure.retryable).toBe(false);
    expect(failure.cause).toBe(cause);
    expect(failure.message).toContain(
      `writing the checkpoint of ${SHARD} in ${ARN} failed (lease table leases (worker w1))`,
    );
    // Other fatal errors pass as they are.
    const denied = new LeaseTableError('LEASE_TABLE_ACCESS_DENIED', 'denied', { tableName: 'leases' });
    await expect(
      checkpointCall(
        'get',
        async () => {
          throw denied;
        },
        base(new AbortController().signal),
      ),
    ).rejects.toBe(denied);
  });
});
