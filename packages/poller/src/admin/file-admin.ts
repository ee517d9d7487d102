import { readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { type Checkpoint, CheckpointLockedError, FileCheckpointStore } from '@streamshare/core';
import { compareCheckpoints, describeThrown, readDirectoryLock, readThrownProperty } from '@streamshare/core/internal';
import { isInstance } from '../errors/instance.js';
import { CheckpointAdminError } from './errors.js';
import type { ShardRow } from './shard-row.js';

/** What {@link FileStoreAdmin.replace} did. */
export interface Replaced {
  /** Every shard's checkpoint before. */
  readonly before: ReadonlyMap<string, Checkpoint>;
  /** The stream's former files, moved aside (empty when nothing changed). */
  readonly backups: readonly string[];
}

/**
 * Tool access to a checkpoint directory of `FileCheckpointStore` (through its public methods only):
 * lists every stream's checkpoints with the process holding the directory, and replaces checkpoints
 * (going back included) while holding the directory's lock.
 */
export class FileStoreAdmin {
  readonly directory: string;
  readonly #now: () => number;

  constructor(directory: string, now: () => number = Date.now) {
    this.directory = directory;
    this.#now = now;
  }

  /** The streams with checkpoint files in the directory (the ARN each snapshot names). */
  async streams(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if (readThrownProperty(error, 'code') === 'ENOENT') return [];
      throw new CheckpointAdminError(
        'TABLE_CALL_FAILED',
        `cannot read checkpoint directory ${this.directory}: ${describeThrown(error)}`,
        { cause: error },
      );
    }
    const arns: string[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      try {
        const parsed: unknown = JSON.parse(await readFile(join(this.directory, name), 'utf8'));
        const arn =
          typeof parsed === 'object' && parsed !== null ? (parsed as { streamArn?: unknown }).streamArn : undefined;
        if (typeof arn === 'string') arns.push(arn);
      } catch {
        // Not a snapshot of the store: left out of the listing.
      }
    }
    return arns;
  }

  /** Every shard's checkpoint of a stream (or of every stream in the directory), with the directory's holder. */
  async rows(streamArn?: string): Promise<ShardRow[]> {
    const arns = streamArn === undefined ? await this.streams() : [streamArn];
    const lock = await readDirectoryLock(this.directory).catch(() => undefined);
    const owner =
      lock === undefined
        ? undefined
        : lock.holder === undefined
          ? `unreadable lock ${lock.lockFile}`
          : `pid ${lock.holder.pid} on ${lock.holder.hostname}`;
    const ageMs = lock === undefined ? undefined : Math.max(0, this.#now() - lock.refreshedAtMs);
    const store = new FileCheckpointStore({ directory: this.directory });
    const rows: ShardRow[] = [];
    for (const arn of arns) {
      const all = await store.getAll(arn);
      for (const [shardId, checkpoint] of Object.entries(all)) {
        rows.push({
          streamArn: arn,
          shardId,
          checkpoint,
          owner,
          ageMs,
          counter: undefined,
          finished: checkpoint.kind === 'SHARD_END',
          parentShardIds: [],
        });
      }
    }
    return rows;
  }

  /**
   * Sets checkpoints of a stream, backwards too: takes the directory's lock (refused with
   * `DIRECTORY_LOCKED` while a live process holds it: a file store cannot fence its writer), reads
   * every shard's checkpoint, moves the stream's files aside (kept, named in the result) and writes
   * them again with the new checkpoints, then releases the lock. A crash in between leaves the
   * checkpoints in the files moved aside.
   */
  async replace(streamArn: string, writes: ReadonlyMap<string, Checkpoint>): Promise<Replaced> {
    const store = new FileCheckpointStore({ directory: this.directory });
    try {
      await store.lock();
    } catch (error) {
      if (isInstance(error, CheckpointLockedError)) {
        throw new CheckpointAdminError('DIRECTORY_LOCKED', `refused: ${error.message}`, { cause: error });
      }
      throw error;
    }
    try {
      const before = new Map(Object.entries(await store.getAll(streamArn)));
      const after = new Map(before);
      for (const [shardId, checkpoint] of writes) after.set(shardId, checkpoint);
      const changed = [...writes].some(([shardId, c]) => {
        const old = before.get(shardId);
        return old === undefined || compareCheckpoints(old, c) !== 0;
      });
      if (!changed) return { before, backups: [] };
      const stamp = new Date(this.#now()).toISOString().replace(/[:.]/g, '-');
      const backups: string[] = [];
      for (const path of [store.fileOf(streamArn), store.journalOf(streamArn)]) {
        const aside = `${path}.before-set-${stamp}`;
        try {
          await rename(path, aside);
          backups.push(aside);
        } catch (error) {
          if (readThrownProperty(error, 'code') !== 'ENOENT') throw error;
        }
      }
      await Promise.all([...after].map(([shardId, checkpoint]) => store.put(streamArn, shardId, checkpoint)));
      return { before, backups };
    } finally {
      await store.close();
    }
  }
}
