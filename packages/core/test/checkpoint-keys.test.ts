/**
 * Any shard id and stream ARN is a key like any other, in every store: before, a shard named
 * `__proto__` was acknowledged by the file store but never written (it set the prototype of the
 * batch's entry instead of a key of it), and getAll / MemoryCheckpointStore.snapshot lost it the
 * same way. Property: arbitrary shard ids (unicode, lone surrogates, names of Object.prototype) and
 * checkpoints round-trip through put, get, getAll, and a new store reading the files (journal and
 * snapshot).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareCheckpoints } from '../src/checkpoint/compare.js';
import { type Checkpoint, FileCheckpointStore, MemoryCheckpointStore } from '../src/index.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  '__defineGetter__',
  'prototype',
];
const at = (n: number): Checkpoint => ({ sequenceNumber: String(1000 + n), subSequenceNumber: 0, complete: true });

let work: string;
let runs = 0;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'streamshare-keys-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});
const freshDirectory = () => join(work, `d${runs++}`);

describe('checkpoint stores: shard ids and stream ARNs named like Object.prototype keys', () => {
  it('FileCheckpointStore writes, reads back and reopens a shard named __proto__ (and the others)', async () => {
    const directory = freshDirectory();
    const s = new FileCheckpointStore({ directory });
    for (const [k, shard] of PROTOTYPE_KEYS.entries()) await s.put(STREAM, shard, at(k));
    await s.put(STREAM, '__proto__', at(50));
    expect(await s.get(STREAM, '__proto__')).toEqual(at(50));

    const all = await s.getAll(STREAM);
    expect(Object.getPrototypeOf(all)).toBe(Object.prototype);
    expect(Object.keys(all).sort()).toEqual([...PROTOTYPE_KEYS].sort());
    expect(Object.getOwnPropertyDescriptor(all, '__proto__')?.value).toEqual(at(50));
    await s.close();

    // On disk: the JSON snapshot and the journal hold it as a key.
    const reopened = new FileCheckpointStore({ directory });
    expect(await reopened.get(STREAM, '__proto__')).toEqual(at(50));
    expect(await reopened.get(STREAM, 'constructor')).toEqual(at(1));
    expect(await reopened.get(STREAM, 'not-a-shard')).toBeUndefined();
    expect(await readFile(reopened.journalOf(STREAM), 'utf8')).toContain('"__proto__":{"sequenceNumber":"1050"');
    // A checkpoint behind it is refused like any other.
    await expect(reopened.put(STREAM, '__proto__', at(49))).rejects.toMatchObject({ code: 'CHECKPOINT_BACKWARDS' });
    await reopened.close();
  });

  it('FileCheckpointStore keeps a stream ARN named __proto__ in its own files', async () => {
    const directory = freshDirectory();
    const s = new FileCheckpointStore({ directory, journalLimitBytes: 0 });
    await s.put('__proto__', 'shardId-0', at(1));
    await s.put('__proto__', '__proto__', at(2));
    await s.put(STREAM, 'shardId-0', at(3));
    await s.close();
    const snapshot = JSON.parse(await readFile(s.fileOf('__proto__'), 'utf8'));
    expect(snapshot.streamArn).toBe('__proto__');
    expect(Object.getOwnPropertyDescriptor(snapshot.shards, '__proto__')?.value).toMatchObject(at(2));
    const reopened = new FileCheckpointStore({ directory });
    expect(await reopened.getAll('__proto__')).toEqual(
      Object.fromEntries([
        ['shardId-0', at(1)],
        ['__proto__', at(2)],
      ]),
    );
    expect(await reopened.getAll(STREAM)).toEqual({ 'shardId-0': at(3) });
  });

  it('MemoryCheckpointStore.snapshot() keeps them too', async () => {
    const s = new MemoryCheckpointStore();
    await s.put('__proto__', '__proto__', at(1));
    await s.put(STREAM, 'constructor', at(2));
    const snapshot = s.snapshot();
    expect(Object.keys(snapshot).sort()).toEqual([STREAM, '__proto__'].sort());
    const own = Object.getOwnPropertyDescriptor(snapshot, '__proto__')?.value as Record<string, Checkpoint>;
    expect(Object.getOwnPropertyDescriptor(own, '__proto__')?.value).toEqual(at(1));
    expect(snapshot[STREAM]).toEqual({ constructor: at(2) });
  });

  it('property: any shard ids and checkpoints round-trip through put, get, getAll and a reopened store', async () => {
    const shardId = fc.oneof(
      fc.constantFrom(...PROTOTYPE_KEYS),
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.string({ maxLength: 300 }),
    );
    const checkpoint = fc.record({
      sequenceNumber: fc.bigInt({ min: 0n, max: 2n ** 128n }).map(String),
      subSequenceNumber: fc.integer({ min: 0, max: 1000 }),
      complete: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(shardId, checkpoint), { minLength: 1, maxLength: 12 }),
        fc.constantFrom(0, 200, 256 * 1024),
        fc.oneof(fc.constant(STREAM), fc.constantFrom(...PROTOTYPE_KEYS), fc.string({ maxLength: 40 })),
        async (puts, journalLimitBytes, streamArn) => {
          const directory = freshDirectory();
          const s = new FileCheckpointStore({ directory, journalLimitBytes });
          const expected = new Map<string, Checkpoint>();
          // Concurrent puts (one group commit) then one by one, as a poller's shards would.
          const half = Math.ceil(puts.length / 2);
          const settle = async (shard: string, c: Checkpoint) => {
            const known = expected.get(shard);
            if (known !== undefined && compareCheckpoints(c, known) < 0) {
              await expect(s.put(streamArn, shard, c)).rejects.toMatchObject({ code: 'CHECKPOINT_BACKWARDS' });
            } else {
              await s.put(streamArn, shard, c);
              expected.set(shard, c);
            }
          };
          const unique = new Map(puts.slice(0, half));
          await Promise.all([...unique].map(([shard, c]) => settle(shard, c)));
          for (const [shard, c] of puts.slice(half)) await settle(shard, c);

          const want = Object.fromEntries(expected);
          for (const [shard, c] of expected) expect(await s.get(streamArn, shard)).toEqual(c);
          expect(await s.getAll(streamArn)).toEqual(want);
          await s.close();
          const reopened = new FileCheckpointStore({ directory });
          expect(await reopened.getAll(streamArn)).toEqual(want);
          for (const [shard, c] of expected) expect(await reopened.get(streamArn, shard)).toEqual(c);
          await rm(directory, { recursive: true, force: true });
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});
