/**
 * `streamshare checkpoints set` on a checkpoint directory is crash-safe: the built CLI (dist/cli.js)
 * is killed with SIGKILL after each step of the replacement (STREAMSHARE_TEST_SET_KILL_AT, read by
 * the admin only for these tests), and a store opened afterwards, as a poller starting then would,
 * reads every shard's old checkpoint or every shard's new one, never none or a mix; it writes on
 * from there, and running set again completes it.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Checkpoint, FileCheckpointStore } from '@streamshare/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliToEnd } from './fixtures-cli/cli-process.js';
import { ensureBuilt } from './fixtures-cli/ensure-built.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/orders';
const shard = (n: number) => `shardId-00000000000${n}`;
const at = (sequenceNumber: string): Checkpoint => ({ sequenceNumber, subSequenceNumber: 0, complete: true });
const ENV = { AWS_EC2_METADATA_DISABLED: 'true' };

let work: string;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'streamshare-set-crash-'));
  await ensureBuilt();
}, 240_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Three shards: in the snapshot, then moved on in the journal (so the journal is ahead of the snapshot). */
async function seeded(dir: string): Promise<Record<string, Checkpoint>> {
  const store = new FileCheckpointStore({ directory: dir });
  await store.put(STREAM, shard(0), at('100'));
  await store.put(STREAM, shard(1), at('200'));
  await store.put(STREAM, shard(2), at('300'));
  await store.put(STREAM, shard(0), at('900'));
  await store.put(STREAM, shard(1), at('950'));
  await store.close();
  return { [shard(0)]: at('900'), [shard(1)]: at('950'), [shard(2)]: at('300') };
}

const setArgs = (dir: string) => [
  'checkpoints',
  'set',
  '--checkpoint-dir',
  dir,
  '--stream-arn',
  STREAM,
  '--to',
  'trim-horizon',
  '--shard',
  shard(0),
  '--shard',
  shard(1),
];

describe('streamshare checkpoints set killed at each step (dist/cli.js)', () => {
  const steps = [
    { step: 'backed-up', reads: 'old' },
    { step: 'folded', reads: 'old' },
    { step: 'journal-emptied', reads: 'old' },
    { step: 'replaced', reads: 'new' },
  ] as const;

  for (const { step, reads } of steps) {
    it(`killed once ${step}: the files read as the ${reads} state of every shard; set again completes it`, async () => {
      const dir = join(work, step);
      const old = await seeded(dir);
      const next = {
        ...old,
        [shard(0)]: { kind: 'TRIM_HORIZON' } as Checkpoint,
        [shard(1)]: { kind: 'TRIM_HORIZON' } as Checkpoint,
      };

      const killed = await runCliToEnd(setArgs(dir), { ...ENV, STREAMSHARE_TEST_SET_KILL_AT: step });
      expect(killed.stderr).toBe('');
      expect(killed.code).toBeNull();

      // What a poller starting now reads: the whole old state or the whole new one.
      const reader = new FileCheckpointStore({ directory: dir });
      expect(await reader.getAll(STREAM)).toEqual(reads === 'old' ? old : next);
      // The former files were kept before anything was replaced.
      expect(readdirSync(dir).filter((n) => n.includes('.before-set-')).length).toBe(2);

      // A poller takes the directory (the killed process's temporary files are removed) and goes on.
      const poller = new FileCheckpointStore({ directory: dir });
      await poller.open(STREAM);
      expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      await poller.put(STREAM, shard(2), at('301'));
      await poller.close();

      const again = await runCliToEnd(setArgs(dir), ENV);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      expect(await new FileCheckpointStore({ directory: dir }).getAll(STREAM)).toEqual({
        ...next,
        [shard(2)]: at('301'),
      });
    });
  }
});
