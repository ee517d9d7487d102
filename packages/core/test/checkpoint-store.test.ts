import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Checkpoint,
  CheckpointError,
  type CheckpointStore,
  FileCheckpointStore,
  MemoryCheckpointStore,
} from '@streamshare/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointOf, compareCheckpoints } from '../src/checkpoint/compare.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const OTHER = 'arn:aws:kinesis:eu-west-1:999900009999:stream/kds-sharing-example1';
const SHARD = 'shardId-000000000000';
const S1 = '49649683864473953433843496278632352517587667908684677122';
const S2 = '49649683864473953433843496278632352517587667908684677123';
const S10 = '149649683864473953433843496278632352517587667908684677122'; // longer: later

const cp = (sequenceNumber: string, subSequenceNumber = 0, complete = true): Checkpoint => ({
  sequenceNumber,
  subSequenceNumber,
  complete,
});

describe('checkpointOf and compareCheckpoints', () => {
  it('makes complete checkpoints for plain records and the last user record of an aggregate', () => {
    expect(checkpointOf({ sequenceNumber: S1 })).toEqual(cp(S1));
    expect(checkpointOf({ sequenceNumber: S1, subSequenceNumber: 1, aggregateSize: 3 })).toEqual(cp(S1, 1, false));
    expect(checkpointOf({ sequenceNumber: S1, subSequenceNumber: 2, aggregateSize: 3 })).toEqual(cp(S1, 2, true));
  });

  it('orders by sequence number (numerically), then sub-sequence, then incomplete before complete', () => {
    expect(compareCheckpoints(cp(S1), cp(S2))).toBeLessThan(0);
    expect(compareCheckpoints(cp(S10), cp(S2))).toBeGreaterThan(0);
    expect(compareCheckpoints(cp(S1, 3, false), cp(S1, 1, true))).toBeGreaterThan(0);
    expect(compareCheckpoints(cp(S1, 2, false), cp(S1, 2, true))).toBeLessThan(0);
    expect(compareCheckpoints(cp(S1, 2, true), cp(S1, 2, true))).toBe(0);
  });
});

function contract(name: string, make: () => Promise<CheckpointStore>) {
  describe(`${name} (CheckpointStore contract)`, () => {
    let store: CheckpointStore;
    beforeEach(async () => {
      store = await make();
    });

    it('gets undefined before any put, then what was put, per stream and shard', async () => {
      expect(await store.get(STREAM, SHARD)).toBeUndefined();
      await store.put(STREAM, SHARD, cp(S1, 1, false));
      await store.put(STREAM, 'shardId-000000000001', cp(S2));
      expect(await store.get(STREAM, SHARD)).toEqual(cp(S1, 1, false));
      expect(await store.get(STREAM, 'shardId-000000000001')).toEqual(cp(S2));
      expect(await store.get(OTHER, SHARD)).toBeUndefined();
    });

    it('moves forward, accepts the same checkpoint again, refuses going backwards', async () => {
      await store.put(STREAM, SHARD, cp(S1, 1, false));
      await store.put(STREAM, SHARD, cp(S1, 1, true)); // complete after incomplete: forward
      await store.put(STREAM, SHARD, cp(S1, 1, true));
      await store.put(STREAM, SHARD, cp(S10));
      const refused = await store.put(STREAM, SHARD, cp(S2)).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(CheckpointError);
      expect((refused as CheckpointError).code).toBe('CHECKPOINT_BACKWARDS');
      expect((refused as Error).message).toContain(SHARD);
      await expect(store.put(STREAM, SHARD, cp(S10, 0, false))).rejects.toMatchObject({ code: 'CHECKPOINT_BACKWARDS' });
      expect(await store.get(STREAM, SHARD)).toEqual(cp(S10));
    });

    it('rejects a malformed checkpoint', async () => {
      await expect(store.put(STREAM, SHARD, { sequenceNumber: 'abc' } as never)).rejects.toMatchObject({
        code: 'INVALID_CHECKPOINT',
      });
    });

    it('keeps concurrent updates of different shards of one stream', async () => {
      const shards = Array.from({ length: 20 }, (_, i) => `shardId-${String(i).padStart(12, '0')}`);
      await Promise.all(shards.map((s, i) => store.put(STREAM, s, cp(String(BigInt(S1) + BigInt(i))))));
      for (const [i, s] of shards.entries())
        expect(await store.get(STREAM, s)).toEqual(cp(String(BigInt(S1) + BigInt(i))));
    });
  });
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamshare-cp-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

contract('MemoryCheckpointStore', async () => new MemoryCheckpointStore());
contract('FileCheckpointStore', async () => new FileCheckpointStore({ directory: join(dir, 'nested', 'checkpoints') }));

describe('FileCheckpointStore', () => {
  it('writes one readable JSON file (and a journal) per stream, named safely after the ARN', async () => {
    const store = new FileCheckpointStore({ directory: dir });
    await store.put(STREAM, SHARD, cp(S1));
    await store.put(OTHER, SHARD, cp(S2));
    const names = (await readdir(dir)).filter((n) => n !== 'streamshare.lock').sort();
    expect(names).toHaveLength(4);
    for (const n of names) expect(n).toMatch(/^[A-Za-z0-9._-]+\.(json|journal)$/);
    expect(names.filter((n) => n.endsWith('.json'))).toHaveLength(2);
    expect(store.journalOf(STREAM)).toBe(store.fileOf(STREAM).replace(/\.json$/, '.journal'));
    expect(names.some((n) => n.startsWith('us-east-1.999900009999.kds-sharing-example1.'))).toBe(true);
    const content = JSON.parse(await readFile(store.fileOf(STREAM), 'utf8'));
    expect(content).toMatchObject({ version: 1, streamArn: STREAM, shards: { [SHARD]: cp(S1) } });
    expect(await readdir(dir)).not.toContainEqual(expect.stringMatching(/\.tmp$/));
  });

  it('names odd stream identifiers safely too', async () => {
    const store = new FileCheckpointStore({ directory: dir });
    await store.put('../../etc/passwd', SHARD, cp(S1));
    const names = await readdir(dir);
    expect(names).toHaveLength(3); // the snapshot, the journal and the lock file
    for (const n of names) expect(n).not.toContain('/');
    expect(await store.get('../../etc/passwd', SHARD)).toEqual(cp(S1));
  });

  it('survives a new store instance (reads from disk)', async () => {
    const first = new FileCheckpointStore({ directory: dir });
    await first.put(STREAM, SHARD, cp(S2));
    await first.close();
    const again = new FileCheckpointStore({ directory: dir });
    expect(await again.get(STREAM, SHARD)).toEqual(cp(S2));
    await expect(again.put(STREAM, SHARD, cp(S1))).rejects.toMatchObject({ code: 'CHECKPOINT_BACKWARDS' });
  });

  it('reports an unreadable file as CHECKPOINT_CORRUPT naming it, and leaves it alone', async () => {
    const store = new FileCheckpointStore({ directory: dir });
    const file = store.fileOf(STREAM);
    for (const broken of [
      '{"version":1,"streamArn":',
      '[]',
      JSON.stringify({ version: 1, streamArn: STREAM, shards: { [SHARD]: { sequenceNumber: 5 } } }),
    ]) {
      await writeFile(file, broken);
      const error = await store.get(STREAM, SHARD).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as CheckpointError).code).toBe('CHECKPOINT_CORRUPT');
      expect((error as Error).message).toContain(file);
      await expect(store.put(STREAM, SHARD, cp(S1))).rejects.toMatchObject({ code: 'CHECKPOINT_CORRUPT' });
      expect(await readFile(file, 'utf8')).toBe(broken);
    }
  });

  it('refuses a file that belongs to another stream', async () => {
    const store = new FileCheckpointStore({ directory: dir });
    await writeFile(store.fileOf(STREAM), JSON.stringify({ version: 1, streamArn: OTHER, shards: {} }));
    await expect(store.get(STREAM, SHARD)).rejects.toMatchObject({ code: 'CHECKPOINT_CORRUPT' });
  });

  it('needs a directory: a TypeError naming the option, as for the other options of core', () => {
    for (const options of [{}, { directory: '' }, { directory: 42 }, undefined]) {
      const error = catchError(() => new FileCheckpointStore(options as never));
      expect(error).toBeInstanceOf(TypeError);
      expect(error).not.toBeInstanceOf(CheckpointError);
      expect((error as Error).message).toMatch(/^FileCheckpointStore: options\.directory must be /);
    }
  });

  it('refuses a journalLimitBytes that is not an integer >= 0 with a RangeError naming it', () => {
    for (const journalLimitBytes of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1024']) {
      const error = catchError(() => new FileCheckpointStore({ directory: dir, journalLimitBytes } as never));
      expect(error).toBeInstanceOf(RangeError);
      expect(error).not.toBeInstanceOf(CheckpointError);
      expect((error as Error).message).toContain(
        `journalLimitBytes must be an integer >= 0, got ${String(journalLimitBytes)}`,
      );
    }
    expect(new FileCheckpointStore({ directory: dir, journalLimitBytes: 0 }).journalLimitBytes).toBe(0);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
