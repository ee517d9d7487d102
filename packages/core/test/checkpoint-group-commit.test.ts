import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointError, FileCheckpointStore } from '../src/index.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const at = (n: number) => ({ sequenceNumber: String(1000 + n), subSequenceNumber: 0, complete: true });

describe('FileCheckpointStore group commit', () => {
  it('writes puts that arrive during a write together, and resolves each once it is on disk', async () => {
    const store = new FileCheckpointStore({ directory: await mkdtemp(join(tmpdir(), 'ckpt-group-')) });
    const puts = [];
    for (let round = 1; round <= 20; round++) {
      for (let shard = 0; shard < 8; shard++) puts.push(store.put(STREAM, `shardId-${shard}`, at(round * 10 + shard)));
    }
    await Promise.all(puts);
    // What is on disk (snapshot and journal), read by another store as a restarted process would.
    const file = await new FileCheckpointStore({ directory: store.directory }).getAll(STREAM);
    for (let shard = 0; shard < 8; shard++) {
      expect(file[`shardId-${shard}`]?.sequenceNumber).toBe(String(1000 + 200 + shard));
    }
    // The first write made the JSON file; the others were appended to the journal, a few lines in all.
    const journal = (await readFile(store.journalOf(STREAM), 'utf8')).split('\n').filter(Boolean);
    expect(journal.length).toBeGreaterThan(0);
    expect(journal.length).toBeLessThan(20 * 8);
  });

  it('refuses a put that goes behind one still waiting to be written, and keeps the newer one', async () => {
    const store = new FileCheckpointStore({ directory: await mkdtemp(join(tmpdir(), 'ckpt-group-')) });
    const first = store.put(STREAM, 'shardId-0', at(1)); // in flight
    const newer = store.put(STREAM, 'shardId-0', at(5)); // waits for the next write
    await expect(store.put(STREAM, 'shardId-0', at(3))).rejects.toMatchObject({ code: 'CHECKPOINT_BACKWARDS' });
    await Promise.all([first, newer]);
    expect(await store.get(STREAM, 'shardId-0')).toEqual(at(5));
    await expect(store.put(STREAM, 'shardId-0', at(4))).rejects.toBeInstanceOf(CheckpointError);
  });
});
