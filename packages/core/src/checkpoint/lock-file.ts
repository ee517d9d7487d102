import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, link, lstat, open, unlink } from 'node:fs/promises';
import { readThrownProperty } from '../errors/thrown.js';
import { O_NOFOLLOW } from './no-follow.js';
import type { ProcessIdentity } from './process-identity.js';

/** Name of the lock file a {@link FileCheckpointStore} keeps in its directory while it writes there. */
export const LOCK_FILE_NAME = 'streamshare.lock';

/** What a lock file holds (one JSON line): who holds the directory. */
export interface LockOwner extends ProcessIdentity {
  /** Random, unique to one acquisition: tells one lock file from the next. */
  readonly token: string;
  /** When the lock was taken (ISO 8601). */
  readonly acquiredAt: string;
}

/** A lock file as found on disk. */
export interface FoundLock {
  /** Undefined when the file is not a lock file this store can read (or not a regular file). */
  readonly owner: LockOwner | undefined;
  /** Which acquisition it is: the owner's token, or the file's device and inode when unreadable. */
  readonly id: string;
  readonly dev: number;
  readonly ino: number;
  /** Last refreshed by its holder (or last changed, when unreadable). */
  readonly mtimeMs: number;
}

/**
 * Writes `text` to a new temporary file next to `path` and returns it open; fsynced unless `sync` is
 * false (the caller then fsyncs the handle itself, off its critical path).
 */
export async function writeTemp(
  path: string,
  text: string,
  { sync = true }: { sync?: boolean } = {},
): Promise<{ path: string; handle: FileHandle }> {
  // Named like the store's temporary files, so that one left by a killed process is swept.
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, 0o644);
  try {
    await handle.writeFile(text);
    if (sync) await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  return { path: temp, handle };
}

/** Errors of `link` on file systems without hard links (FAT, exFAT, some network file systems). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Creates `path` with the content of `temp` unless it exists: `'linked'` (a hard link to `temp`),
 * a handle of the file created in place where there are no hard links, or `'exists'`.
 */
export async function createExclusive(
  temp: string,
  path: string,
  text: string,
): Promise<'linked' | 'exists' | FileHandle> {
  try {
    await link(temp, path);
    return 'linked';
  } catch (error) {
    const code = readThrownProperty(error, 'code');
    if (code === 'EEXIST') return 'exists';
    if (typeof code !== 'string' || !NO_HARD_LINKS.has(code)) throw error;
  }
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, 0o644);
  } catch (error) {
    if (readThrownProperty(error, 'code') === 'EEXIST') return 'exists';
    throw error;
  }
  try {
    await handle.writeFile(text);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw error;
  }
  return handle;
}

/**
 * The lock file at `path`, or undefined when there is none. Read through one descriptor (never
 * following a link), so that its content and modification time are of the same file.
 */
export async function readLock(path: string): Promise<FoundLock | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | O_NOFOLLOW);
  } catch (error) {
    const code = readThrownProperty(error, 'code');
    if (code === 'ENOENT') return undefined;
    if (code !== 'ELOOP' && code !== 'EMLINK') throw error;
    // A symbolic link in its place: not a lock file (judged by age, then replaced).
    try {
      const stats = await lstat(path);
      return {
        owner: undefined,
        id: `${stats.dev}-${stats.ino}`,
        dev: stats.dev,
        ino: stats.ino,
        mtimeMs: stats.mtimeMs,
      };
    } catch {
      return undefined;
    }
  }
  try {
    const stats = await handle.stat();
    let owner: LockOwner | undefined;
    if (stats.isFile() && stats.size <= 4096) {
      owner = parseOwner(await handle.readFile('utf8').catch(() => ''));
    }
    const id = owner?.token ?? `${stats.dev}-${stats.ino}`;
    return { owner, id, dev: stats.dev, ino: stats.ino, mtimeMs: stats.mtimeMs };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

const OPTIONAL_TEXT = ['bootId', 'pidNamespace', 'processStart'] as const;

/** The owner a lock file's text names, or undefined when it is not a lock file of this store. */
function parseOwner(text: string): LockOwner | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  const { pid, hostname, token, acquiredAt } = o;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (typeof hostname !== 'string' || typeof token !== 'string' || !/^[0-9a-f]{8,64}$/.test(token)) return undefined;
  const owner: Record<string, unknown> = {
    pid,
    hostname,
    token,
    acquiredAt: typeof acquiredAt === 'string' ? acquiredAt : '',
  };
  for (const key of OPTIONAL_TEXT) {
    const field = o[key];
    if (field !== undefined && typeof field !== 'string') return undefined;
    if (field !== undefined) owner[key] = field;
  }
  return owner as unknown as LockOwner;
}
