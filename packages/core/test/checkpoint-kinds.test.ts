/**
 * Checkpoints as a discriminated union: a position at a record, TRIM_HORIZON, LATEST, AT_TIMESTAMP,
 * SHARD_END. Their order (defined once, compareCheckpoints), their checks, and how the stores keep
 * them, including the files written by streamshare 0.1, whose sentinels were positions.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Checkpoint,
  CheckpointError,
  type CheckpointStore,
  FileCheckpointStore,
  InvalidInputError,
  MemoryCheckpointStore,
  type SequenceCheckpoint,
} from '../src/index.js';
import { compareCheckpoints } from '../src/internal.js';
import { hostileThrownValues } from './fixtures/hostile-thrown.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const SHARD = 'shardId-000000000000';
const S1 = '49649683864473953433843496278632352517587667908684677122';
const S2 = '49649683864473953433843496278632352517587667908684677123';
const T = Date.parse('2024-02-28T06:15:11.667Z');

const at = (sequenceNumber: string, subSequenceNumber = 0, complete = true): SequenceCheckpoint => ({
  sequenceNumber,
  subSequenceNumber,
  complete,
});
const TRIM_HORIZON: Checkpoint = { kind: 'TRIM_HORIZON' };
const LATEST: Checkpoint = { kind: 'LATEST' };
const SHARD_END: Checkpoint = { kind: 'SHARD_END' };
const since = (timestampMs: number): Checkpoint => ({ kind: 'AT_TIMESTAMP', timestampMs });

/** Every kind, in order. */
const ORDERED: Checkpoint[] = [
  TRIM_HORIZON,
  LATEST,
  since(0),
  since(T),
  at('0', 0, false),
  at('1'),
  at(S1, 2, false),
  at(S1, 2, true),
  at(S2),
  at('9'.repeat(128)),
  SHARD_END,
];

const anyCheckpoint: fc.Arbitrary<Checkpoint> = fc.oneof(
  fc.record({
    sequenceNumber: fc.bigInt({ min: 0n, max: 2n ** 128n }).map(String),
    subSequenceNumber: fc.nat({ max: 2 ** 40 }),
    complete: fc.boolean(),
  }),
  fc.constantFrom<Checkpoint>(TRIM_HORIZON, LATEST, SHARD_END),
  fc.nat({ max: 2 ** 45 }).map(since),
);

describe('compareCheckpoints over every kind', () => {
  it('TRIM_HORIZON, LATEST, AT_TIMESTAMP by time, the records, then SHARD_END', () => {
    for (const [i, a] of ORDERED.entries()) {
      for (const [j, b] of ORDERED.entries()) {
        expect(Math.sign(compareCheckpoints(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(
          Math.sign(i - j),
        );
      }
    }
  });

  it('property: a total order (antisymmetric, transitive, equal only to an equal checkpoint)', () => {
    fc.assert(
      fc.property(anyCheckpoint, anyCheckpoint, anyCheckpoint, (a, b, c) => {
        expect(Math.sign(compareCheckpoints(a, b)) + Math.sign(compareCheckpoints(b, a))).toBe(0);
        if (compareCheckpoints(a, b) <= 0 && compareCheckpoints(b, c) <= 0) {
          expect(compareCheckpoints(a, c)).toBeLessThanOrEqual(0);
        }
        if (compareCheckpoints(a, b) === 0) expect(a).toEqual(b);
      }),
    );
  });

  it('a start marker (AT_TIMESTAMP) is before every position at a record; SHARD_END after all', () => {
    fc.assert(
      fc.property(anyCheckpoint, fc.nat({ max: 2 ** 45 }), (c, ms) => {
        if (c.kind === undefined) expect(compareCheckpoints(since(ms), c)).toBeLessThan(0);
        if (c.kind !== 'SHARD_END') expect(compareCheckpoints(c, SHARD_END)).toBeLessThan(0);
      }),
    );
  });
});

function stores(): [string, () => Promise<CheckpointStore & { close?: () => Promise<void> }>][] {
  return [
    ['MemoryCheckpointStore', async () => new MemoryCheckpointStore()],
    ['FileCheckpointStore', async () => new FileCheckpointStore({ directory: await fresh() })],
  ];
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamshare-kinds-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});
let n = 0;
async function fresh(): Promise<string> {
  const path = join(dir, `store-${n++}`);
  await mkdir(path);
  return path;
}

describe.each(stores())('%s keeps every kind', (_name, make) => {
  it('round-trips each kind, forward in order; refuses going back to an earlier kind', async () => {
    const store = await make();
    for (const [i, c] of ORDERED.entries()) {
      const shard = `shard-${i}`;
      await store.put(STREAM, shard, c);
      expect(await store.get(STREAM, shard)).toEqual(c);
    }
    for (const c of ORDERED) {
      await store.put(STREAM, SHARD, c);
      expect(await store.get(STREAM, SHARD)).toEqual(c);
    }
    for (const c of ORDERED.slice(0, -1)) {
      await expect(store.put(STREAM, SHARD, c)).rejects.toMatchObject({ code: 'CHECKPOINT_BACKWARDS' });
    }
    await store.put(STREAM, SHARD, SHARD_END);
    await store.close?.();
  });

  it("keeps a kind's own fields only (a copy), and refuses an unknown kind or a bad time", async () => {
    const store = await make();
    await store.put(STREAM, SHARD, { kind: 'AT_TIMESTAMP', timestampMs: T, extra: 1 } as Checkpoint);
    expect(await store.get(STREAM, SHARD)).toStrictEqual({ kind: 'AT_TIMESTAMP', timestampMs: T });
    for (const bad of [
      { kind: 'SEQUENCE', sequenceNumber: S1, subSequenceNumber: 0, complete: true },
      { kind: 'AT_TIMESTAMP' },
      { kind: 'AT_TIMESTAMP', timestampMs: -1 },
      { kind: 'AT_TIMESTAMP', timestampMs: 1.5 },
      { kind: 'AT_TIMESTAMP', timestampMs: '2024-02-28T06:15:11.667Z' },
      { kind: 'at_timestamp', timestampMs: T },
      { kind: null },
    ]) {
      const error = await store.put(STREAM, 'other', bad as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(bad)).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ code: 'INVALID_CHECKPOINT' });
      expect((error as Error).message).toContain("kind: 'AT_TIMESTAMP'");
    }
    expect(await store.get(STREAM, 'other')).toBeUndefined();
    await store.close?.();
  });

  it.each(Object.entries(hostileThrownValues))('a hostile value (%s) is INVALID_CHECKPOINT', async (_what, make_) => {
    const store = await make();
    await expect(store.put(STREAM, SHARD, make_() as never)).rejects.toMatchObject({ code: 'INVALID_CHECKPOINT' });
    await store.close?.();
  });
});

describe('FileCheckpointStore: stored forms', () => {
  it('writes a kind as { kind, ... , updatedAt } in the journal and the snapshot; a new store reads them', async () => {
    const store = new FileCheckpointStore({ directory: dir, journalLimitBytes: 0 });
    await store.put(STREAM, SHARD, since(T));
    await store.put(STREAM, 'shardId-000000000001', SHARD_END);
    await store.put(STREAM, 'shardId-000000000002', TRIM_HORIZON);
    // journalLimitBytes 0: every write after the first folds into the snapshot.
    const snapshot = JSON.parse(await readFile(store.fileOf(STREAM), 'utf8'));
    expect(snapshot).toMatchObject({
      version: 1,
      shards: {
        [SHARD]: { kind: 'AT_TIMESTAMP', timestampMs: T },
        'shardId-000000000001': { kind: 'SHARD_END' },
        'shardId-000000000002': { kind: 'TRIM_HORIZON' },
      },
    });
    expect(typeof snapshot.shards[SHARD].updatedAt).toBe('string');
    await store.close();

    const appending = new FileCheckpointStore({ directory: dir });
    await appending.put(STREAM, 'shardId-000000000003', LATEST);
    const journal = await readFile(appending.journalOf(STREAM), 'utf8');
    expect(journal).toMatch(
      /^[0-9a-f]{8} \{"streamArn":".*","shards":\{"shardId-000000000003":\{"kind":"LATEST","updatedAt":"[^"]+"\}\}\}\n$/,
    );
    await appending.close();

    expect(await new FileCheckpointStore({ directory: dir }).getAll(STREAM)).toEqual({
      [SHARD]: since(T),
      'shardId-000000000001': SHARD_END,
      'shardId-000000000002': TRIM_HORIZON,
      'shardId-000000000003': LATEST,
    });
  });

  it('loads the files of streamshare 0.1 as they are (a start marker and a shard end were positions) and writes on', async () => {
    const store = new FileCheckpointStore({ directory: dir });
    const updatedAt = '2024-02-28T06:15:12.000Z';
    // As 0.1 wrote them: the start marker at sequence number 0 with the time in subSequenceNumber,
    // the shard end at 128 nines; one of each in the snapshot, and in the journal.
    const marker = { sequenceNumber: '0', subSequenceNumber: T, complete: false };
    const shardEnd = { sequenceNumber: '9'.repeat(128), subSequenceNumber: 0, complete: true };
    await writeFile(
      store.fileOf(STREAM),
      `${JSON.stringify(
        {
          version: 1,
          streamArn: STREAM,
          shards: { [SHARD]: { ...marker, updatedAt }, 'shardId-000000000001': { ...shardEnd, updatedAt } },
        },
        null,
        2,
      )}\n`,
    );
    const line = JSON.stringify({
      streamArn: STREAM,
      shards: { 'shardId-000000000002': { ...marker, updatedAt }, 'shardId-000000000003': { ...shardEnd, updatedAt } },
    });
    await writeFile(store.journalOf(STREAM), `${crc32(Buffer.from(line)).toString(16).padStart(8, '0')} ${line}\n`);

    expect(await store.getAll(STREAM)).toEqual({
      [SHARD]: marker,
      'shardId-000000000001': shardEnd,
      'shardId-000000000002': marker,
      'shardId-000000000003': shardEnd,
    });
    // The first real checkpoint after a marker, and SHARD_END after a shard end, move forward.
    await store.put(STREAM, SHARD, at(S1));
    await store.put(STREAM, 'shardId-000000000001', SHARD_END);
    await store.put(STREAM, 'shardId-000000000002', at(S2, 1, false));
    await store.close();
    expect(await new FileCheckpointStore({ directory: dir }).getAll(STREAM)).toEqual({
      [SHARD]: at(S1),
      'shardId-000000000001': SHARD_END,
      'shardId-000000000002': at(S2, 1, false),
      'shardId-000000000003': shardEnd,
    });
  });

  it('a damaged kind in a file is CHECKPOINT_CORRUPT, left as is', async () => {
    const store = new FileCheckpointStore({ directory: dir });
    const broken = JSON.stringify({ version: 1, streamArn: STREAM, shards: { [SHARD]: { kind: 'AT_TIMESTAMP' } } });
    await writeFile(store.fileOf(STREAM), broken);
    const error = await store.get(STREAM, SHARD).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect(error).toMatchObject({ code: 'CHECKPOINT_CORRUPT' });
    expect(await readFile(store.fileOf(STREAM), 'utf8')).toBe(broken);
  });
});
