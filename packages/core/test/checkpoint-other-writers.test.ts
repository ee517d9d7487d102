/**
 * FileCheckpointStore.open() and the check before every write that the stream's files are still the
 * ones the store last wrote: another writer, a person editing or removing the files, a directory
 * moved away are noticed at the next put, not only at the store's first write. (The directory's lock
 * keeps a second store out in the first place, see checkpoint-lock.test.ts; here the other writer
 * comes in after someone removed the lock file, and this check is the second line of defence.)
 */
import { appendFile, mkdtemp, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError, FileCheckpointStore, type SequenceCheckpoint } from '../src/index.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const SHARD = 'shardId-000000000000';
const OTHER_SHARD = 'shardId-000000000001';
const at = (n: number): SequenceCheckpoint => ({
  sequenceNumber: String(1000 + n),
  subSequenceNumber: 0,
  complete: true,
});

let dir: string;
const stores: FileCheckpointStore[] = [];
function store(directory = dir): FileCheckpointStore {
  const s = new FileCheckpointStore({ directory });
  stores.push(s);
  return s;
}
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamshare-writers-'));
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close().catch(() => {})));
  await rm(dir, { recursive: true, force: true });
  await rm(`${dir}.away`, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<CheckpointError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CheckpointError);
  return error as CheckpointError;
}

describe('FileCheckpointStore.open', () => {
  it('creates the files before the first put, which is then an append', async () => {
    const nested = join(dir, 'nested', 'checkpoints');
    const s = store(nested);
    await s.open(STREAM);
    expect(JSON.parse(await readFile(s.fileOf(STREAM), 'utf8'))).toEqual({ version: 1, streamArn: STREAM, shards: {} });
    expect((await stat(s.journalOf(STREAM))).size).toBe(0);
    const snapshotBefore = await stat(s.fileOf(STREAM));

    await s.put(STREAM, SHARD, at(1));
    expect((await stat(s.fileOf(STREAM))).ino).toBe(snapshotBefore.ino);
    expect((await readFile(s.journalOf(STREAM), 'utf8')).split('\n').filter(Boolean)).toHaveLength(1);
    expect(await store(nested).get(STREAM, SHARD)).toEqual(at(1));
  });

  it('opens intact files as they are, and twice is the same as once', async () => {
    const first = store();
    await first.put(STREAM, SHARD, at(1));
    await first.put(STREAM, SHARD, at(2));
    await first.close();
    const journal = await readFile(first.journalOf(STREAM), 'utf8');

    const second = store();
    await Promise.all([second.open(STREAM), second.open(STREAM)]);
    await second.open(STREAM);
    expect(await readFile(second.journalOf(STREAM), 'utf8')).toBe(journal);
    expect(await second.get(STREAM, SHARD)).toEqual(at(2));
  });

  it('rejects with CHECKPOINT_CORRUPT for a corrupt file and leaves it alone; puts meet it again', async () => {
    const s = store();
    await writeFile(s.fileOf(STREAM), '{"version": 1, ');
    const error = await rejection(s.open(STREAM));
    expect(error.code).toBe('CHECKPOINT_CORRUPT');
    expect(error.message).toContain(s.fileOf(STREAM));
    expect(await readFile(s.fileOf(STREAM), 'utf8')).toBe('{"version": 1, ');
    expect((await rejection(s.put(STREAM, SHARD, at(1)))).code).toBe('CHECKPOINT_CORRUPT');
  });

  it('rejects with a CHECKPOINT_IO naming the stream when the directory cannot be made, not retryable when waiting cannot mend it', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a directory');
    const s = store(join(blocker, 'checkpoints'));
    const error = await rejection(s.open(STREAM));
    expect(error.code).toBe('CHECKPOINT_IO');
    // A path through a regular file (ENOTDIR) stays so until an operator mends it: retrying it would
    // only delay the failure (a poller's start used to retry it up to its start timeout).
    expect(error.retryable).toBe(false);
  });
});

describe('FileCheckpointStore: files changed by someone else after its first write', () => {
  it("its own appends are never taken for someone else's, even seen half-written across a page", async () => {
    const s = store();
    await s.open(STREAM);
    // Lines of about 300 bytes cross 4 KiB page boundaries again and again; the check runs while each
    // is written, so it may see the journal with part of the line in (a file grows page by page).
    const shard = `shardId-${'0'.repeat(200)}`;
    for (let n = 1; n <= 400; n++) await s.put(STREAM, shard, at(n));
    // Not one rewrite: every put appended one line to the same journal.
    expect((await readFile(s.journalOf(STREAM), 'utf8')).split('\n').filter(Boolean)).toHaveLength(400);
    expect(await store().get(STREAM, shard)).toEqual(at(400));
  });

  it('another store appending to the journal: a put behind it is CHECKPOINT_BACKWARDS', async () => {
    const s = store();
    await s.open(STREAM);
    await s.put(STREAM, SHARD, at(1));
    // A second writer on the same directory, let in by someone removing the lock file: it appends.
    // Its line is longer than the one the store appends next: the check (a stat made while the
    // store's line is written) may run before that line lands, and a foreign line of exactly the
    // same length then passes for the store's own (a limit of this second line of defence, which
    // made this test flaky on a loaded machine; the lock is the first line).
    await unlink(join(dir, 'streamshare.lock'));
    const intruder = store();
    const ahead = { ...at(9), sequenceNumber: '100009' };
    await intruder.put(STREAM, SHARD, ahead);

    const error = await rejection(s.put(STREAM, SHARD, at(2)));
    expect(error.code).toBe('CHECKPOINT_BACKWARDS');
    expect(error.message).toContain(SHARD);
    // Nothing was written over the other writer's checkpoint.
    expect(await store().get(STREAM, SHARD)).toEqual(ahead);
  });

  it('another writer appending a line of the same length as the next one: noticed every time (30 rounds)', async () => {
    // The check made while the line is written may run before the line lands, and then sees the
    // other line in its place; the journal's exact size once the line is in tells them apart.
    for (let round = 0; round < 30; round++) {
      const directory = join(dir, `round-${round}`);
      const s = store(directory);
      await s.open(STREAM);
      await s.put(STREAM, SHARD, at(1));
      await unlink(join(directory, 'streamshare.lock'));
      const intruder = store(directory);
      await intruder.put(STREAM, SHARD, at(9)); // '1009' and '1002': lines of one length
      await intruder.close();
      const error = await rejection(s.put(STREAM, SHARD, at(2)));
      expect(error.code, `round ${round}`).toBe('CHECKPOINT_BACKWARDS');
      expect(await store(directory).get(STREAM, SHARD)).toEqual(at(9));
    }
  });

  it('another store rewriting the files (new inodes): noticed the same way', async () => {
    const s = store();
    await s.put(STREAM, SHARD, at(1));
    // Another writer (the lock file removed by hand) that finds a torn journal rewrites both files.
    await appendFile(s.journalOf(STREAM), '0000 {"torn');
    await unlink(join(dir, 'streamshare.lock'));
    const intruder = store();
    await intruder.put(STREAM, SHARD, at(9));

    expect((await rejection(s.put(STREAM, SHARD, at(2)))).code).toBe('CHECKPOINT_BACKWARDS');
  });

  it('the JSON file edited in place into garbage: CHECKPOINT_CORRUPT, the file left as is', async () => {
    const s = store();
    await s.put(STREAM, SHARD, at(1));
    await writeFile(s.fileOf(STREAM), '{"version": 1, ');
    const error = await rejection(s.put(STREAM, SHARD, at(2)));
    expect(error.code).toBe('CHECKPOINT_CORRUPT');
    expect(error.message).toContain('fix or remove');
    expect(await readFile(s.fileOf(STREAM), 'utf8')).toBe('{"version": 1, ');
  });

  it('the files removed: the next put writes them again with every checkpoint it acknowledged', async () => {
    const s = store();
    await s.put(STREAM, SHARD, at(1));
    await s.put(STREAM, OTHER_SHARD, at(5));
    await unlink(s.journalOf(STREAM));
    await unlink(s.fileOf(STREAM));

    await s.put(STREAM, SHARD, at(2));
    // Before, a journal removed while open swallowed every later write without a trace.
    expect(await store().getAll(STREAM)).toEqual({ [SHARD]: at(2), [OTHER_SHARD]: at(5) });
    await s.put(STREAM, SHARD, at(3));
    expect(await store().get(STREAM, SHARD)).toEqual(at(3));
  });

  it('the directory moved away: puts fail retryably until it is back, then go on', async () => {
    const s = store();
    await s.put(STREAM, SHARD, at(1));
    await rename(dir, `${dir}.away`);
    await writeFile(dir, 'not a directory');

    const error = await rejection(s.put(STREAM, SHARD, at(2)));
    expect(error.code).toBe('CHECKPOINT_IO');
    expect(error.retryable).toBe(true);
    await unlink(dir);
    await rename(`${dir}.away`, dir);
    await s.put(STREAM, SHARD, at(2));
    expect(await store().get(STREAM, SHARD)).toEqual(at(2));
    await s.put(STREAM, SHARD, at(3));
    expect(await store().get(STREAM, SHARD)).toEqual(at(3));
  });
});
