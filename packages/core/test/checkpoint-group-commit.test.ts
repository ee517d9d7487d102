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
    const file = JSON.parse(await readFile(store.fileOf(STREAM), 'utf8'));
    for (let shard = 0; shard < 8; shard++) {
      expect(file.shards[`shardId-${shard}`].sequenceNumber).toBe(String(1000 + 200 + shard));
    }
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
