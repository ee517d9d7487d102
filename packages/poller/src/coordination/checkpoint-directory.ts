import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '@streamshare/core';
import { describeThrown, readThrownProperty } from '@streamshare/core/internal';

/**
 * The checkpoint directory of the file store cannot be used: it is a regular file, a path under a
 * regular file, or a directory this process cannot create, write or fsync a file in (permissions, a
 * read-only or full file system). Code `CHECKPOINT_IO`, not retryable: `start()` rejects with it at
 * once rather than retry forever. The message names the directory and why.
 */
export class CheckpointDirectoryError extends CheckpointError {
  /** The directory, as given. */
  readonly directory: string;
  /** Why, in a few words: e.g. `it is a regular file, not a directory`. */
  readonly reason: string;

  constructor(directory: string, reason: string, options: { cause?: unknown } = {}) {
    super('CHECKPOINT_IO', `checkpoint directory ${directory} cannot be used: ${reason}`, {
      ...options,
      retryable: false,
    });
    this.directory = directory;
    this.reason = reason;
  }
}

/** Words for the file-system error codes met when a directory cannot be used. */
function reasonOf(error: unknown, doing: string): string {
  const code = readThrownProperty(error, 'code');
  switch (code) {
    case 'EACCES':
    case 'EPERM': {
      const uid = typeof process.getuid === 'function' ? ` (the process runs as uid ${process.getuid()})` : '';
      return `permission denied ${doing}${uid}`;
    }
    case 'EROFS':
      return `the file system is read-only (${doing})`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `no space left on the device (${doing})`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `a part of the path is a regular file, not a directory (${doing})`;
    default:
      return `${doing} failed: ${describeThrown(error)}`;
  }
}

/** Name of the probe file: the file store's own temp-file pattern, so that one left by a killed process is cleaned up. */
function probeName(): string {
  return `.streamshare-probe.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/**
 * Checks that `directory` can hold checkpoints, as the poller does at start: creates it when it is
 * missing, checks that it is a directory, then creates, writes, fsyncs and removes a small probe file
 * in it. A few milliseconds, once per start.
 *
 * @throws CheckpointDirectoryError (code `CHECKPOINT_IO`, not retryable) naming the directory and why.
 */
export async function checkCheckpointDirectory(directory: string): Promise<void> {
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    const info = await stat(directory).catch(() => undefined);
    if (info !== undefined && !info.isDirectory()) {
      throw new CheckpointDirectoryError(directory, 'it is a regular file, not a directory', { cause: error });
    }
    throw new CheckpointDirectoryError(directory, reasonOf(error, 'creating it'), { cause: error });
  }
  const info = await stat(directory).catch((error: unknown) => {
    throw new CheckpointDirectoryError(directory, reasonOf(error, 'reading it'), { cause: error });
  });
  if (!info.isDirectory()) throw new CheckpointDirectoryError(directory, 'it is a regular file, not a directory');

  const probe = join(directory, probeName());
  let handle: FileHandle;
  try {
    handle = await open(probe, 'wx', 0o600);
  } catch (error) {
    throw new CheckpointDirectoryError(directory, reasonOf(error, 'creating a file in it'), { cause: error });
  }
  try {
    await handle.writeFile('streamshare checkpoint directory probe\n');
    await handle.sync();
  } catch (error) {
    throw new CheckpointDirectoryError(directory, reasonOf(error, 'writing a file in it'), { cause: error });
  } finally {
    await handle.close().catch(() => undefined);
    await unlink(probe).catch(() => undefined);
  }
}
