/**
 * replaceStreamFiles (core/src/checkpoint/replace-stream.ts): a stream's checkpoints replaced by a
 * complete new state, backwards too, so that the files read as the complete old state or the complete
 * new state after every step (a crash between two steps leaves one of them).
 */
import { appendFile, link, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Checkpoint, FileCheckpointStore } from '@streamshare/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ReplaceStep, replaceStreamFiles } from '../src/checkpoint/replace-stream.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const shard = (n: number) => `shardId-00000000000${n}`;
const at = (sequenceNumber: string | number): Checkpoint => ({
  sequenceNumber: String(sequenceNumber),
  subSequenceNumber: 0,
  complete: true,
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamshare-replace-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What a store opened now reads for the stream (as a poller starting now would). */
async function readNow(directory: string): Promise<Record<string, Checkpoint>> {
  return new FileCheckpointStore({ directory }).getAll(STREAM);
}

/** Replaces the stream's checkpoints under the directory's lock, reading the files after each step. */
async function replaceWatching(
  directory: string,
  next: Record<string, Checkpoint>,
): Promise<{ step: ReplaceStep; read: Record<string, Checkpoint> }[]> {
  const holder = new FileCheckpointStore({ directory });
  await holder.lock();
  const seen: { step: ReplaceStep; read: Record<string, Checkpoint> }[] = [];
  try {
    await replaceStreamFiles(holder.fileOf(STREAM), STREAM, new Map(Object.entries(next)), {
      onStep: async (step) => {
        seen.push({ step, read: await readNow(directory) });
      },
    });
  } finally {
    await holder.close();
  }
  return seen;
}

describe('replaceStreamFiles', () => {
  it('goes backwards over a journal whose lines are ahead, the old state read until the last step', async () => {
    const store = new FileCheckpointStore({ directory: dir });
    await store.put(STREAM, shard(0), at(100));
    await store.put(STREAM, shard(1), at(200));
    // Appended to the journal: ahead of the snapshot.
    await store.put(STREAM, shard(0), at(900));
    await store.put(STREAM, shard(1), at(950));
    await store.close();
    const old = { [shard(0)]: at(900), [shard(1)]: at(950) };
    const journal = new FileCheckpointStore({ directory: dir }).journalOf(STREAM);
    expect((await stat(journal)).size).toBeGreaterThan(0);

    const next = { [shard(0)]: { kind: 'TRIM_HORIZON' } as Checkpoint, [shard(1)]: at(950) };
    const seen = await replaceWatching(dir, next);
    expect(seen).toEqual([
      { step: 'folded', read: old },
      { step: 'journal-emptied', read: old },
      { step: 'replaced', read: next },
    ]);
    expect((await stat(journal)).size).toBe(0);
    // No temporary file left; a store goes on from the new state (a forward put is taken).
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const after = new FileCheckpointStore({ directory: dir });
    await after.put(STREAM, shard(0), at(5));
    await after.close();
    expect(await readNow(dir)).toEqual({ [shard(0)]: at(5), [shard(1)]: at(950) });
  });

  it('keeps the stored form of an unchanged shard and leaves hard links to the old files as they were', async () => {
    const store = new FileCheckpointStore({ directory: dir });
    await store.put(STREAM, shard(0), at(10));
    await store.put(STREAM, shard(1), at(20));
    await store.put(STREAM, shard(1), at(30));
    await store.close();
    const snapshot = store.fileOf(STREAM);
    const before = JSON.parse(await readFile(snapshot, 'utf8')) as { shards: Record<string, { updatedAt: string }> };
    const oldJournal = await readFile(store.journalOf(STREAM));
    await link(snapshot, `${snapshot}.kept`);
    await link(store.journalOf(STREAM), `${store.journalOf(STREAM)}.kept`);
    const oldSnapshot = await readFile(snapshot);

    await replaceWatching(dir, { [shard(0)]: at(10), [shard(1)]: { kind: 'LATEST' } });
    const written = JSON.parse(await readFile(snapshot, 'utf8')) as {
      shards: Record<string, { updatedAt: string }>;
    };
    expect(written.shards[shard(0)]).toEqual(before.shards[shard(0)]);
    expect(written.shards[shard(1)]).toMatchObject({ kind: 'LATEST' });
    expect(await readFile(`${snapshot}.kept`)).toEqual(oldSnapshot);
    expect(await readFile(`${store.journalOf(STREAM)}.kept`)).toEqual(oldJournal);
  });

  it('a torn journal tail is dropped with the old journal; no journal or no files at all take one step', async () => {
    const store = new FileCheckpointStore({ directory: dir });
    await store.put(STREAM, shard(0), at(10));
    await store.put(STREAM, shard(0), at(11));
    await store.close();
    await appendFile(store.journalOf(STREAM), '0000abcd {"streamArn":');
    expect(await readNow(dir)).toEqual({ [shard(0)]: at(11) });
    const seen = await replaceWatching(dir, { [shard(0)]: at(3) });
    expect(seen.map((s) => s.step)).toEqual(['folded', 'journal-emptied', 'replaced']);
    expect(seen[1]!.read).toEqual({ [shard(0)]: at(11) });
    expect(await readNow(dir)).toEqual({ [shard(0)]: at(3) });
    // The journal is empty now: the new snapshot alone.
    expect((await replaceWatching(dir, { [shard(0)]: at(2) })).map((s) => s.step)).toEqual(['replaced']);

    const fresh = join(dir, 'fresh');
    expect(await replaceWatching(fresh, { [shard(1)]: at(7) })).toEqual([
      { step: 'replaced', read: { [shard(1)]: at(7) } },
    ]);
  });

  it('keeps any shard id, __proto__ included', async () => {
    const store = new FileCheckpointStore({ directory: dir });
    await store.put(STREAM, '__proto__', at(10));
    await store.put(STREAM, '__proto__', at(11));
    await store.close();
    const next = Object.fromEntries([
      ['__proto__', at(2)],
      ['constructor', at(3)],
    ]);
    const seen = await replaceWatching(dir, next);
    expect(seen.map((s) => s.step)).toEqual(['folded', 'journal-emptied', 'replaced']);
    expect(seen[0]!.read).toEqual(Object.fromEntries([['__proto__', at(11)]]));
    expect(Object.entries(await readNow(dir))).toEqual([
      ['__proto__', at(2)],
      ['constructor', at(3)],
    ]);
  });

  it('refuses a corrupt snapshot and a malformed checkpoint, writing nothing', async () => {
    const store = new FileCheckpointStore({ directory: dir });
    await store.put(STREAM, shard(0), at(10));
    await store.close();
    const holder = new FileCheckpointStore({ directory: dir });
    await holder.lock();
    try {
      const bad = new Map([[shard(0), { sequenceNumber: 'x' } as unknown as Checkpoint]]);
      await expect(replaceStreamFiles(holder.fileOf(STREAM), STREAM, bad)).rejects.toMatchObject({
        code: 'INVALID_CHECKPOINT',
      });
      await appendFile(holder.fileOf(STREAM), 'not json');
      await expect(
        replaceStreamFiles(holder.fileOf(STREAM), STREAM, new Map([[shard(0), at(1)]])),
      ).rejects.toMatchObject({ code: 'CHECKPOINT_CORRUPT' });
    } finally {
      await holder.close();
    }
  });

  it('property: after every step the files read as the whole old state or the whole new state', async () => {
    const checkpoint = fc.oneof(
      fc.integer({ min: 1, max: 60 }).map(at),
      fc.constantFrom<Checkpoint>({ kind: 'TRIM_HORIZON' }, { kind: 'LATEST' }, { kind: 'SHARD_END' }),
      fc.integer({ min: 0, max: 2e12 }).map((timestampMs): Checkpoint => ({ kind: 'AT_TIMESTAMP', timestampMs })),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        // Puts of the old state: ascending per shard, some in the journal, some folded into the snapshot.
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 60 })), { maxLength: 12 }),
        fc.dictionary(fc.constantFrom(shard(0), shard(1), shard(2), shard(3), shard(4)), checkpoint),
        fc.integer({ min: 0, max: 400 }),
        async (puts, next, journalLimitBytes) => {
          const directory = join(dir, `run-${run++}`);
          const store = new FileCheckpointStore({ directory, journalLimitBytes });
          const old: Record<string, Checkpoint> = {};
          for (const [n, seq] of puts) {
            const id = shard(n);
            const known = old[id];
            const value = at(
              Math.max(seq, known === undefined ? 0 : Number((known as { sequenceNumber: string }).sequenceNumber) + 1),
            );
            await store.put(STREAM, id, value);
            old[id] = value;
          }
          await store.close();
          expect(await readNow(directory)).toEqual(old);
          const seen = await replaceWatching(directory, next);
          for (const { step, read } of seen) {
            expect([old, next], `after ${step}`).toContainEqual(read);
          }
          expect(seen.at(-1)).toEqual({ step: 'replaced', read: next });
        },
      ),
      { numRuns: 25 },
    );
  });
});
