import { constants } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { describeThrown } from '../errors/thrown.js';
import { closeFd, corrupt, fsyncFd, openFd, statOpen, tempOf, writeAll } from './fs-io.js';
import { O_NOFOLLOW } from './no-follow.js';
import { type FileIdentity, identityOf } from './other-writers.js';
import { isStoredCheckpoint, type StoredCheckpoint } from './stored-checkpoint.js';

/**
 * What a stream's checkpoint file (the JSON snapshot) holds. Each shard's checkpoint is stored as
 * the store was given it, with the time it was written: a position at a record as
 * `{ "sequenceNumber", "subSequenceNumber", "complete", "updatedAt" }`, the other kinds as
 * `{ "kind": "SHARD_END", "updatedAt" }` (TRIM_HORIZON, LATEST alike) and
 * `{ "kind": "AT_TIMESTAMP", "timestampMs", "updatedAt" }`.
 */
export interface CheckpointFile {
  readonly version: 1;
  readonly streamArn: string;
  readonly shards: Record<string, StoredCheckpoint>;
}

/** A snapshot's temporary file: new (never an existing file, nor a link's target). */
const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW;

/** The snapshot in a file's text, or undefined when there is no file; anything unreadable is CHECKPOINT_CORRUPT. */
export function parseSnapshot(path: string, streamArn: string, text: string | undefined): CheckpointFile | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corrupt(path, `not JSON (${describeThrown(error)})`, error);
  }
  const file = parsed as Partial<CheckpointFile> | null;
  if (typeof file !== 'object' || file === null || file.version !== 1 || typeof file.shards !== 'object') {
    throw corrupt(path, 'expected { version: 1, streamArn, shards: { <shardId>: checkpoint } }');
  }
  if (file.streamArn !== streamArn) {
    throw corrupt(path, `it holds stream ${JSON.stringify(file.streamArn)}, expected ${JSON.stringify(streamArn)}`);
  }
  for (const [shard, c] of Object.entries(file.shards ?? {})) {
    if (!isStoredCheckpoint(c)) throw corrupt(path, `the checkpoint of ${shard} is malformed: ${JSON.stringify(c)}`);
  }
  return file as CheckpointFile;
}

/**
 * Writes the JSON file atomically: temporary file, fsync, rename, then `syncDirectory` (when given)
 * to make the rename durable. Returns the identity of the file written (a rename keeps it).
 */
export async function writeSnapshot(
  path: string,
  streamArn: string,
  shards: Record<string, StoredCheckpoint>,
  syncDirectory: (() => Promise<void>) | undefined,
): Promise<FileIdentity> {
  const content: CheckpointFile = { version: 1, streamArn, shards };
  const temp = tempOf(path);
  try {
    let written: FileIdentity;
    const fd = await openFd(temp, TEMP_FLAGS, 0o600);
    try {
      await writeAll(fd, Buffer.from(`${JSON.stringify(content, null, 2)}\n`));
      await fsyncFd(fd);
      written = identityOf(statOpen(fd));
    } finally {
      await closeFd(fd);
    }
    await rename(temp, path);
    if (syncDirectory !== undefined) await syncDirectory();
    return written;
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
