import { join } from 'node:path';
import { CheckpointError } from '../errors/record-errors.js';
import { describeThrown, readThrownProperty } from '../errors/thrown.js';
import { type FoundLock, LOCK_FILE_NAME, type LockOwner } from './lock-file.js';
import type { ProcessIdentity } from './process-identity.js';

/** The process holding a checkpoint directory, as its lock file says. */
export interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  /** When it took the lock (ISO 8601), when the lock file says. */
  readonly acquiredAt?: string | undefined;
}

/**
 * The checkpoint directory is in use by another store: another process (here or on another host),
 * or another `FileCheckpointStore` of this process; or this store's own lock was taken away.
 * Code `CHECKPOINT_LOCKED`, never retryable (waiting does not make two writers safe). The message
 * names the directory, the lock file, the holder when it is known, and what to do.
 */
export class CheckpointLockedError extends CheckpointError {
  /** The checkpoint directory. */
  readonly directory: string;
  /** Its lock file. */
  readonly lockFile: string;
  /** The process holding the directory, when its lock file could be read. */
  readonly holder: LockHolder | undefined;

  constructor(options: {
    directory: string;
    lockFile: string;
    holder: LockHolder | undefined;
    message: string;
    cause?: unknown;
  }) {
    super(
      'CHECKPOINT_LOCKED',
      options.message,
      options.cause === undefined ? { retryable: false } : { retryable: false, cause: options.cause },
    );
    this.directory = options.directory;
    this.lockFile = options.lockFile;
    this.holder = options.holder;
  }
}

export function holderOf(owner: LockOwner | undefined): LockHolder | undefined {
  if (owner === undefined) return undefined;
  return owner.acquiredAt === ''
    ? { pid: owner.pid, hostname: owner.hostname }
    : { pid: owner.pid, hostname: owner.hostname, acquiredAt: owner.acquiredAt };
}

export function describeHolder(owner: LockOwner | undefined): string {
  return owner === undefined ? 'another process' : `process ${owner.pid} on host ${owner.hostname}`;
}

function since(owner: LockOwner): string {
  return owner.acquiredAt === '' ? '' : `since ${owner.acquiredAt}; `;
}

/** Why a lock found on disk is held. */
export type HeldBecause = 'this-process' | 'alive' | 'unverifiable' | 'unreadable';

/** The error for a lock found held. */
export function lockedError(
  directory: string,
  path: string,
  found: FoundLock,
  why: HeldBecause,
  me: ProcessIdentity,
  staleMs: number,
): CheckpointLockedError {
  const { owner } = found;
  const age = Math.max(0, Math.round((Date.now() - found.mtimeMs) / 1000));
  const staleSeconds = Math.round(staleMs / 1000);
  let message: string;
  if (owner === undefined || why === 'unreadable') {
    message =
      `checkpoint directory ${directory} is locked by ${path}, which is not a lock file this store can read ` +
      `(changed ${age} s ago). It counts as abandoned once unchanged for ${staleSeconds} s; remove it sooner only ` +
      'if no process uses the directory.';
  } else if (why === 'this-process') {
    message =
      `checkpoint directory ${directory} is in use by another FileCheckpointStore of this process ` +
      `(${describeHolder(owner)}; ${since(owner)}lock file ${path}). One store per checkpoint directory: share ` +
      'one store, or close() the other first.';
  } else if (why === 'alive') {
    message =
      `checkpoint directory ${directory} is in use by ${describeHolder(owner)} (${since(owner)}lock file ${path}). ` +
      'One process per checkpoint directory: stop that process or give this one another directory (several ' +
      'workers share a stream through a lease table).';
  } else {
    const where =
      owner.hostname === me.hostname
        ? `from this process (another container, pid namespace or boot of host ${me.hostname})`
        : `from host ${me.hostname}`;
    message =
      `checkpoint directory ${directory} is in use by ${describeHolder(owner)} (${since(owner)}lock file ${path}, ` +
      `refreshed ${age} s ago), which cannot be checked ${where}. One process per checkpoint directory: if that ` +
      `process is gone, its lock counts as abandoned once not refreshed for ${staleSeconds} s (remove the lock ` +
      'file sooner only if you are sure).';
  }
  return new CheckpointLockedError({ directory, lockFile: path, holder: holderOf(owner), message });
}

/** Describes a failure to take the lock for a CHECKPOINT_IO message. */
export function describeLockFailure(directory: string, error: unknown): string {
  return `could not lock checkpoint directory ${directory} (lock file ${join(directory, LOCK_FILE_NAME)}): ${describeThrown(error)}`;
}

/**
 * Node error codes of a checkpoint directory that this process can never use as it stands (no
 * permission, a read-only file system, a path through a regular file, too many links): an operator
 * mistake that waiting does not mend, so taking the lock fails at once instead of being retried.
 */
const LASTING_DIRECTORY_CODES: ReadonlySet<string> = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOTDIR',
  'EEXIST',
  'ELOOP',
]);

/** True when a failure to create or lock the checkpoint directory may pass by itself (a full disk may be cleared). */
export function isPassingDirectoryFailure(error: unknown): boolean {
  const code = readThrownProperty(error, 'code');
  return !(typeof code === 'string' && LASTING_DIRECTORY_CODES.has(code));
}
