import { constants } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { CheckpointError } from '../errors/record-errors.js';
import { readThrownProperty } from '../errors/thrown.js';

/**
 * `O_NOFOLLOW` where the platform has it (Linux, macOS, the BSDs), else 0: opening a path whose last
 * component is a symbolic link then fails (ELOOP; EMLINK on FreeBSD) instead of opening the link's
 * target. The checkpoint files are opened with it for reading and writing, so that a file replaced
 * by a link never makes the store read or write a file outside its directory.
 */
export const O_NOFOLLOW: number = constants.O_NOFOLLOW ?? 0;

/**
 * The error for a checkpoint file (or lock file) that is a symbolic link: `CHECKPOINT_CORRUPT`, not
 * retryable (a link does not go away by itself), naming the file.
 */
export function symlinkRefused(path: string, cause?: unknown): CheckpointError {
  return new CheckpointError(
    'CHECKPOINT_CORRUPT',
    `checkpoint file ${path} is a symbolic link: the store never follows links (it would read or write a file ` +
      'outside its directory). It was left as is; replace it by the file itself, or remove it, to go on.',
    cause === undefined ? {} : { cause },
  );
}

/**
 * True when opening `path` with {@link O_NOFOLLOW} failed with `error` because it is a symbolic
 * link (checked with lstat: ELOOP may also mean a loop in a directory above it).
 */
export async function failedOnSymlink(path: string, error: unknown): Promise<boolean> {
  const code = readThrownProperty(error, 'code');
  if (code !== 'ELOOP' && code !== 'EMLINK') return false;
  return isSymlink(path);
}

/** True when `path` itself (not what it points to) is a symbolic link. */
export async function isSymlink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * The text of a file, or undefined when it does not exist; a symbolic link is refused with
 * {@link symlinkRefused} and is never followed. Other errors are thrown as they are.
 */
export async function readTextNoFollow(path: string): Promise<string | undefined> {
  // Without O_NOFOLLOW (Windows) the link is looked for first; there, links are rare and need rights.
  if (O_NOFOLLOW === 0 && (await isSymlink(path))) throw symlinkRefused(path);
  try {
    return await readFile(path, { encoding: 'utf8', flag: constants.O_RDONLY | O_NOFOLLOW });
  } catch (error) {
    if (readThrownProperty(error, 'code') === 'ENOENT') return undefined;
    if (await failedOnSymlink(path, error)) throw symlinkRefused(path, error);
    throw error;
  }
}
