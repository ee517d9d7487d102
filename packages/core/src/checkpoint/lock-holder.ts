import { join } from 'node:path';
import { holderOf, type LockHolder } from './lock-error.js';
import { LOCK_FILE_NAME, readLock } from './lock-file.js';

/** A checkpoint directory's lock as found on disk, for tools that show who holds it. */
export interface DirectoryLockInfo {
  /** The lock file's path. */
  readonly lockFile: string;
  /** The process the lock file names; undefined when it is not a lock file a store can read. */
  readonly holder: LockHolder | undefined;
  /** When its holder last refreshed it (epoch ms; the holder refreshes it every third of `lockStaleMs`). */
  readonly refreshedAtMs: number;
}

/**
 * Who holds a checkpoint directory's lock, read without taking it (no lock file: `undefined`).
 * Whether the holder still runs is not judged here: `FileCheckpointStore.lock()` does that.
 */
export async function readDirectoryLock(directory: string): Promise<DirectoryLockInfo | undefined> {
  const lockFile = join(directory, LOCK_FILE_NAME);
  const found = await readLock(lockFile);
  if (found === undefined) return undefined;
  return { lockFile, holder: holderOf(found.owner), refreshedAtMs: found.mtimeMs };
}
