import { lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readThrownProperty } from '../errors/thrown.js';
import type { Checkpoint } from './checkpoint.js';
import { compareCheckpoints, validateCheckpoint } from './compare.js';
import { closeQuietly, fsyncFd, openFd } from './fs-io.js';
import { Journal, journalPath } from './journal.js';
import { writeSnapshot } from './snapshot.js';
import type { StoredCheckpoint } from './stored-checkpoint.js';
import { readStreamFiles } from './stream-files.js';

/**
 * The steps of {@link replaceStreamFiles}, each durable (renamed, directory fsynced) when reported:
 * `folded` (the snapshot holds the whole old state, the old journal beside it), `journal-emptied`
 * (the journal is empty), `replaced` (the snapshot holds the new state).
 */
export type ReplaceStep = 'folded' | 'journal-emptied' | 'replaced';

/** Options of {@link replaceStreamFiles}. */
export interface ReplaceStreamFilesOptions {
  /** Called once each step is durable (tests stop or kill the process there). */
  readonly onStep?: (step: ReplaceStep) => void | Promise<void>;
}

/**
 * Replaces every checkpoint of a stream in a `FileCheckpointStore` directory by exactly `next`
 * (shards left out are dropped; a checkpoint may go backwards: a replay), crash-safe. The caller
 * holds the directory's lock (`FileCheckpointStore.lock()`) and no store of its process has written
 * the stream's files (they would be stale). `path` is the stream's snapshot
 * (`FileCheckpointStore.fileOf`). A shard whose checkpoint does not change keeps its stored form
 * (its `updatedAt`).
 *
 * Why it is safe. A reader takes, per shard, the newest of the snapshot's checkpoint and the
 * journal's lines (nothing ties a journal to its snapshot), so a new snapshot beside the old journal
 * would read as a mix: old journal lines ahead of a backwards move win over it. Hence three steps,
 * each one atomic rename of a complete file followed by an fsync of the directory, so that a crash or
 * a power loss leaves the files of one of these states, and every one of them reads as the complete
 * old state or the complete new state:
 *
 * 1. `folded`: the old state (snapshot and journal merged, as a reader sees it) is written as the
 *    snapshot. Beside it, the old journal: its lines are no newer than the snapshot, so the files
 *    read as the old state.
 * 2. `journal-emptied`: an empty journal is renamed over the old one. The snapshot alone: the old state.
 * 3. `replaced`: the new snapshot is renamed over the folded one, beside the empty journal: the new state.
 *
 * Steps 1 and 2 are skipped when the journal is missing or empty (the snapshot alone is the old
 * state). A crash inside a step leaves at most a temporary file (`<file>.<pid>.<hex>.tmp`), which no
 * reader looks at and the next store of the directory removes. The old files are renamed over, never
 * written: hard links to them made before the call keep the old state as it was.
 *
 * @throws CheckpointError `CHECKPOINT_CORRUPT` when the files cannot be read, InvalidInputError
 * `INVALID_CHECKPOINT` when a checkpoint of `next` is malformed (nothing written in both cases), or
 * the file system's error of a failed step (the files then hold the state of the last step done).
 */
export async function replaceStreamFiles(
  path: string,
  streamArn: string,
  next: ReadonlyMap<string, Checkpoint>,
  options: ReplaceStreamFilesOptions = {},
): Promise<void> {
  const updatedAt = new Date().toISOString();
  const disk = await readStreamFiles(path, streamArn);
  const shards: Record<string, StoredCheckpoint> = Object.create(null);
  for (const [shardId, checkpoint] of next) {
    const wanted = validateCheckpoint(checkpoint, `checkpoint of ${shardId} in ${streamArn}`);
    const stored = disk.shards.get(shardId);
    shards[shardId] =
      stored !== undefined && compareCheckpoints(stored, wanted) === 0 ? stored : { ...wanted, updatedAt };
  }
  const sync = () => syncDirectory(dirname(path));
  const journal = journalPath(path);
  if (((await sizeOf(journal)) ?? 0) > 0) {
    await writeSnapshot(path, streamArn, Object.fromEntries(disk.shards), sync);
    await options.onStep?.('folded');
    await (await Journal.create(journal, true, sync)).close();
    await options.onStep?.('journal-emptied');
  }
  await writeSnapshot(path, streamArn, shards, sync);
  await options.onStep?.('replaced');
}

/** The size of a file (not following a link), undefined when there is none. */
async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await lstat(path)).size;
  } catch (error) {
    if (readThrownProperty(error, 'code') === 'ENOENT') return undefined;
    throw error;
  }
}

/** Makes the renames in a directory durable (a no-op where directories cannot be fsynced: Windows). */
async function syncDirectory(directory: string): Promise<void> {
  let fd: number;
  try {
    fd = await openFd(directory, 'r');
  } catch (error) {
    const code = readThrownProperty(error, 'code');
    if (code === 'EISDIR' || code === 'EPERM') return;
    throw error;
  }
  try {
    await fsyncFd(fd);
  } catch (error) {
    const code = readThrownProperty(error, 'code');
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw error;
  } finally {
    await closeQuietly(fd);
  }
}
