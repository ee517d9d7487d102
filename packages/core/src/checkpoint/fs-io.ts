import { randomBytes } from 'node:crypto';
import { close, constants, fdatasync, fstatSync, fsync, open, type Stats, write } from 'node:fs';
import { promisify } from 'node:util';
import { CheckpointError } from '../errors/record-errors.js';
import { describeThrown, readThrownProperty } from '../errors/thrown.js';
import { readTextNoFollow } from './no-follow.js';

/** The file-descriptor calls of the file store (callback API, promisified: no FileHandle objects). */
export const openFd = promisify(open);
export const fsyncFd = promisify(fsync);
export const fdatasyncFd = promisify(fdatasync);
export const closeFd = promisify(close);

/**
 * The stats of an open file, synchronously: fstat reads the inode the kernel holds for the
 * descriptor (no disk I/O, a few µs), where the asynchronous call's thread-pool round trip costs
 * tens of µs of CPU. Throws what fstat throws.
 */
export function statOpen(fd: number): Stats {
  return fstatSync(fd);
}

/** One `write` at the file's position: the bytes written. */
export function writeFd(fd: number, data: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    write(fd, data, (error, written) => (error ? reject(error) : resolve(written)));
  });
}

/** Writes all of `bytes` at the file's position (one `write` unless the system writes less). */
export async function writeAll(fd: number, bytes: Uint8Array): Promise<void> {
  let done = await writeFd(fd, bytes);
  while (done < bytes.byteLength) done += await writeFd(fd, bytes.subarray(done));
}

/** Closes a file descriptor, ignoring a failure (a file being given up after an error). */
export function closeQuietly(fd: number): Promise<void> {
  return closeFd(fd).catch(() => undefined);
}

/**
 * O_DSYNC where the platform has it (Linux, macOS): a `write` then returns only once the bytes, and
 * the file size that makes them readable, are on stable storage. 0 elsewhere (Windows).
 */
export const O_DSYNC: number = constants.O_DSYNC ?? 0;

/** The text of a file, or undefined when it does not exist; a symbolic link is CHECKPOINT_CORRUPT. */
export async function readText(path: string): Promise<string | undefined> {
  try {
    return await readTextNoFollow(path);
  } catch (error) {
    throw ioError(`could not read checkpoint file ${path}`, error);
  }
}

/** A retryable CHECKPOINT_IO error saying what failed (a CheckpointError passes as it is). */
export function ioError(what: string, error: unknown): CheckpointError {
  if (error instanceof CheckpointError) return error;
  return new CheckpointError('CHECKPOINT_IO', `${what}: ${describeThrown(error)}`, {
    cause: error,
    retryable: true,
  });
}

/** CHECKPOINT_CORRUPT: a checkpoint file that cannot be read, left as it is. */
export function corrupt(path: string, why: string, cause?: unknown): CheckpointError {
  return new CheckpointError(
    'CHECKPOINT_CORRUPT',
    `checkpoint file ${path} is unreadable: ${why}. It was left as is; fix or remove it to go on.`,
    cause === undefined ? {} : { cause },
  );
}

/** A temporary file next to `path`, named so that {@link isStaleTemp} recognises it once its writer is gone. */
export function tempOf(path: string): string {
  return `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/** A temp file (`<file>.<pid>.<random>.tmp`) of a writer process that is gone. */
export function isStaleTemp(name: string): boolean {
  const match = /\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
  if (!match) return false;
  const pid = Number(match[1]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return readThrownProperty(error, 'code') === 'ESRCH';
  }
}
