/**
 * A FileCheckpointStore never follows a symbolic link in place of its journal or snapshot: before,
 * a journal replaced by a link to a file outside the directory was appended to (and read). Now it is
 * CHECKPOINT_CORRUPT (not retryable) naming the file, left as is, and the outside file is never read
 * or written.
 */
import { copyFile, lstat, mkdtemp, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Checkpoint, CheckpointError, FileCheckpointStore } from '../src/index.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const SHARD = 'shardId-000000000000';
const at = (n: number): Checkpoint => ({ sequenceNumber: String(1000 + n), subSequenceNumber: 0, complete: true });

let dir: string;
let outsideDir: string;
let outside: string;
const stores: FileCheckpointStore[] = [];
function store(): FileCheckpointStore {
  const s = new FileCheckpointStore({ directory: dir });
  stores.push(s);
  return s;
}
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamshare-links-'));
  outsideDir = await mkdtemp(join(tmpdir(), 'streamshare-outside-'));
  outside = join(outsideDir, 'victim');
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close().catch(() => {})));
  await rm(dir, { recursive: true, force: true });
  await rm(outsideDir, { recursive: true, force: true });
});

async function refusedLink(promise: Promise<unknown>, file: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CheckpointError);
  expect((error as CheckpointError).code).toBe('CHECKPOINT_CORRUPT');
  expect((error as CheckpointError).retryable).toBe(false);
  expect((error as Error).message).toContain(`checkpoint file ${file} is a symbolic link`);
}

/** A store that wrote two checkpoints and was closed, as a stopped poller leaves its directory. */
async function stoppedStore(): Promise<FileCheckpointStore> {
  const s = store();
  await s.put(STREAM, SHARD, at(1));
  await s.put(STREAM, SHARD, at(2));
  await s.close();
  return s;
}

describe('FileCheckpointStore and symbolic links', () => {
  it('a journal replaced by a link to an (empty) file outside: refused at open, put and get; the outside file never written', async () => {
    const first = await stoppedStore();
    const journal = first.journalOf(STREAM);
    await writeFile(outside, '');
    await unlink(journal);
    await symlink(outside, journal);

    const s = store();
    await refusedLink(s.open(STREAM), journal);
    await refusedLink(s.put(STREAM, SHARD, at(3)), journal);
    await refusedLink(s.get(STREAM, SHARD), journal);
    expect(await readFile(outside, 'utf8')).toBe('');
    // Left as is.
    expect((await lstat(journal)).isSymbolicLink()).toBe(true);
  });

  it('a journal replaced by a dangling link: refused, and the link target is never created', async () => {
    const first = await stoppedStore();
    const journal = first.journalOf(STREAM);
    await unlink(journal);
    await symlink(outside, journal);

    await refusedLink(store().put(STREAM, SHARD, at(3)), journal);
    await expect(lstat(outside)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a snapshot replaced by a link to a copy outside: refused, the copy never read into a checkpoint nor written', async () => {
    const first = await stoppedStore();
    const snapshot = first.fileOf(STREAM);
    await copyFile(snapshot, outside);
    const copy = await readFile(outside, 'utf8');
    await unlink(snapshot);
    await symlink(outside, snapshot);

    const s = store();
    await refusedLink(s.get(STREAM, SHARD), snapshot);
    await refusedLink(s.put(STREAM, SHARD, at(3)), snapshot);
    expect(await readFile(outside, 'utf8')).toBe(copy);
  });

  it('the journal swapped for a link while the store writes: the next put is refused, the outside file never written', async () => {
    const s = store();
    await s.put(STREAM, SHARD, at(1));
    await s.put(STREAM, SHARD, at(2));
    const journal = s.journalOf(STREAM);
    await writeFile(outside, '');
    await unlink(journal);
    await symlink(outside, journal);

    await refusedLink(s.put(STREAM, SHARD, at(3)), journal);
    await refusedLink(s.put(STREAM, SHARD, at(4)), journal);
    expect(await readFile(outside, 'utf8')).toBe('');
  });

  it('a link to the store’s own journal (moved aside) counts as a change of the files, and is refused', async () => {
    const s = store();
    await s.put(STREAM, SHARD, at(1));
    const journal = s.journalOf(STREAM);
    const aside = join(dir, 'aside.journal');
    await rename(journal, aside);
    await symlink(aside, journal);

    // (stat would see the very same file through the link, and the store would go on appending.)
    await refusedLink(s.put(STREAM, SHARD, at(2)), journal);
    await refusedLink(s.put(STREAM, SHARD, at(3)), journal);
  });
});
