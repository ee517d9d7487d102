import { fstatSync } from 'node:fs';
import { lstat } from 'node:fs/promises';

/**
 * Other-writer detection, the file store's second line of defence behind the directory lock: with
 * each append the store checks that a stream's files are still the ones it last wrote.
 */

/** Which file a path held when the store last wrote it, to tell whether anyone else changed it since. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

/** The identity in a file's stats. */
export function identityOf(stats: FileIdentity): FileIdentity {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs };
}

/** What the store knows of a stream's two files, to compare with what is on disk. */
export interface KnownFiles {
  /** The open journal's device and inode (its size is told apart). */
  readonly journalFile: { readonly dev: number; readonly ino: number } | undefined;
  /** The snapshot as the store last wrote (or found) it. */
  readonly snapshotFile: FileIdentity | undefined;
}

/**
 * True when a stream's snapshot and journal are still the files the store last wrote: nobody
 * replaced, removed, truncated or appended to them. The journal's size is from `minSize` to
 * `maxSize`: a line being appended may be in, out, or partly in (the file system makes a write
 * visible page by page). A path that cannot be looked at (a directory gone or replaced) counts as
 * changed. Two `lstat` calls, made while the line is written (they cost no time on the put's path).
 */
export async function unchanged(
  snapshotPath: string,
  journalPath: string,
  known: KnownFiles,
  minSize: number,
  maxSize: number,
): Promise<boolean> {
  const { journalFile, snapshotFile } = known;
  if (journalFile === undefined || snapshotFile === undefined) return false;
  let journal: { dev: number; ino: number; size: number };
  let snapshot: FileIdentity;
  try {
    // lstat: a file replaced by a link to it is a change too.
    [journal, snapshot] = await Promise.all([lstat(journalPath), lstat(snapshotPath)]);
  } catch {
    return false;
  }
  return (
    journal.dev === journalFile.dev &&
    journal.ino === journalFile.ino &&
    journal.size >= minSize &&
    journal.size <= maxSize &&
    snapshot.dev === snapshotFile.dev &&
    snapshot.ino === snapshotFile.ino &&
    snapshot.size === snapshotFile.size &&
    snapshot.mtimeMs === snapshotFile.mtimeMs
  );
}

/**
 * Is the open journal exactly `size` bytes long (nobody else appended to it)? {@link unchanged} may
 * run before the store's line lands, and cannot tell it from another writer's line of the same
 * length that landed first: the journal's exact size once the line is in can (fstat of the open
 * file: no I/O, a few µs, no thread-pool round trip).
 */
export function appendedAlone(journal: number | undefined, size: number): boolean {
  if (journal === undefined) return false;
  try {
    return fstatSync(journal).size === size;
  } catch {
    return false;
  }
}
