import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareCheckpoints } from '../src/checkpoint/compare.js';
import { type Checkpoint, CheckpointError, FileCheckpointStore } from '../src/index.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const OTHER = 'arn:aws:kinesis:eu-west-1:999900009999:stream/kds-sharing-example1';
const SHARD = 'shardId-000000000000';
const at = (n: number): Checkpoint => ({ sequenceNumber: String(1000 + n), subSequenceNumber: 0, complete: true });

/** A journal line as the store writes it. */
function line(entry: unknown): string {
  const json = JSON.stringify(entry);
  return `${crc32(Buffer.from(json)).toString(16).padStart(8, '0')} ${json}\n`;
}

const lines = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter(Boolean);

let dir: string;
const stores: FileCheckpointStore[] = [];
function store(options: { journalLimitBytes?: number } = {}): FileCheckpointStore {
  const s = new FileCheckpointStore({ directory: dir, ...options });
  stores.push(s);
  return s;
}
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamshare-journal-'));
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('FileCheckpointStore journal', () => {
  it('writes the JSON file first, then appends one line per write, and reopens an intact journal', async () => {
    const first = store();
    await first.put(STREAM, SHARD, at(1));
    expect(JSON.parse(await readFile(first.fileOf(STREAM), 'utf8')).shards[SHARD]).toMatchObject(at(1));
    expect(await lines(first.journalOf(STREAM))).toEqual([]);
    await first.put(STREAM, SHARD, at(2));
    await first.put(STREAM, 'shardId-000000000001', at(3));
    expect(await lines(first.journalOf(STREAM))).toHaveLength(2);
    await first.close();

    const second = store();
    expect(await second.getAll(STREAM)).toEqual({ [SHARD]: at(2), 'shardId-000000000001': at(3) });
    await second.put(STREAM, SHARD, at(4));
    // Appended to the journal as it was: the JSON file still holds the first checkpoint.
    expect(await lines(second.journalOf(STREAM))).toHaveLength(3);
    expect(JSON.parse(await readFile(second.fileOf(STREAM), 'utf8')).shards[SHARD]).toMatchObject(at(1));
    expect(await store().get(STREAM, SHARD)).toEqual(at(4));
  });

  it('folds the journal into the JSON file once it passes journalLimitBytes', async () => {
    const s = store({ journalLimitBytes: 600 });
    for (let n = 1; n <= 40; n++) await s.put(STREAM, `shardId-00000000000${n % 3}`, at(n));
    expect((await readFile(s.journalOf(STREAM))).byteLength).toBeLessThan(600 + 300);
    const snapshot = JSON.parse(await readFile(s.fileOf(STREAM), 'utf8'));
    expect(Number(snapshot.shards['shardId-000000000001'].sequenceNumber)).toBeGreaterThan(1020);
    expect(await store().getAll(STREAM)).toEqual({
      'shardId-000000000000': at(39),
      'shardId-000000000001': at(40),
      'shardId-000000000002': at(38),
    });
  });

  for (const [name, tail] of [
    ['cut short (no newline)', '1a2b3c4d {"streamArn":"arn:aws:kin'],
    ['failing its checksum', `${line({ streamArn: STREAM, shards: { [SHARD]: at(9) } }).replace(/^.{8}/, '00000000')}`],
    ['zeros (size written, data not)', '\0\0\0\0\0\0\0\0\0\0'],
  ] as const) {
    it(`ignores a last line ${name} (a write never acknowledged), then rewrites the files without it`, async () => {
      const s = store();
      await s.put(STREAM, SHARD, at(1));
      await s.put(STREAM, SHARD, at(2));
      await s.close();
      await appendFile(s.journalOf(STREAM), tail);

      const restarted = store();
      expect(await restarted.get(STREAM, SHARD)).toEqual(at(2));
      await restarted.put(STREAM, SHARD, at(3));
      expect(await readFile(restarted.journalOf(STREAM), 'utf8')).toBe('');
      await restarted.put(STREAM, SHARD, at(4));
      expect(await lines(restarted.journalOf(STREAM))).toHaveLength(1);
      expect(await store().get(STREAM, SHARD)).toEqual(at(4));
    });
  }

  it('reports a damaged line followed by others as CHECKPOINT_CORRUPT, and leaves the files alone', async () => {
    const s = store();
    await s.put(STREAM, SHARD, at(1));
    await s.close();
    const journal = s.journalOf(STREAM);
    const good = line({ streamArn: STREAM, shards: { [SHARD]: at(2) } });
    const damaged = `${good.slice(0, 30)}X${good.slice(31)}${good}`;
    await writeFile(journal, damaged);
    const snapshot = await readFile(s.fileOf(STREAM), 'utf8');

    const restarted = store();
    const error = await restarted.get(STREAM, SHARD).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).code).toBe('CHECKPOINT_CORRUPT');
    expect((error as Error).message).toContain(journal);
    await expect(restarted.put(STREAM, SHARD, at(3))).rejects.toMatchObject({ code: 'CHECKPOINT_CORRUPT' });
    expect(await readFile(journal, 'utf8')).toBe(damaged);
    expect(await readFile(s.fileOf(STREAM), 'utf8')).toBe(snapshot);
  });

  it('reports an intact line of another stream or with a malformed checkpoint as CHECKPOINT_CORRUPT', async () => {
    for (const entry of [
      { streamArn: OTHER, shards: { [SHARD]: at(2) } },
      { streamArn: STREAM, shards: { [SHARD]: { sequenceNumber: 5 } } },
      [],
    ]) {
      const s = store();
      await writeFile(s.journalOf(STREAM), line(entry));
      await expect(s.get(STREAM, SHARD)).rejects.toMatchObject({ code: 'CHECKPOINT_CORRUPT' });
    }
  });

  it('reads a journal without its JSON file, and writes the JSON file at the next write', async () => {
    const s = store();
    await writeFile(s.journalOf(STREAM), line({ streamArn: STREAM, shards: { [SHARD]: at(5) } }));
    expect(await s.get(STREAM, SHARD)).toEqual(at(5));
    await expect(s.put(STREAM, SHARD, at(4))).rejects.toMatchObject({ code: 'CHECKPOINT_BACKWARDS' });
    await s.put(STREAM, SHARD, at(6));
    expect(JSON.parse(await readFile(s.fileOf(STREAM), 'utf8')).shards[SHARD]).toMatchObject(at(6));
  });

  it('never reads older than what was acknowledged, while the writer keeps folding its journal', async () => {
    const writer = store({ journalLimitBytes: 300 });
    const reader = store();
    let acknowledged = 0;
    let writing = true;
    const writes = (async () => {
      for (let n = 1; n <= 150; n++) {
        await Promise.all([0, 1].map((k) => writer.put(STREAM, `shardId-00000000000${k}`, at(n))));
        acknowledged = n;
      }
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const floor = acknowledged;
      const all = await reader.getAll(STREAM);
      for (const k of [0, 1]) {
        const c = all[`shardId-00000000000${k}`];
        if (floor > 0) expect(c && compareCheckpoints(c, at(floor)) >= 0, `read ${reads}: shard ${k}`).toBe(true);
      }
      reads++;
    }
    await writes;
    expect(reads).toBeGreaterThan(5);
  });

  it('can be used again after close()', async () => {
    const s = store();
    await s.put(STREAM, SHARD, at(1));
    await s.close();
    await s.put(STREAM, SHARD, at(2));
    expect(await store().get(STREAM, SHARD)).toEqual(at(2));
  });
});
