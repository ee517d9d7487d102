import { constants } from 'node:fs';
import { copyFile, link, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Checkpoint, CheckpointLockedError, FileCheckpointStore, StreamshareError } from '@streamshare/core';
import {
  compareCheckpoints,
  describeThrown,
  readDirectoryLock,
  readThrownProperty,
  replaceStreamFiles,
} from '@streamshare/core/internal';
import { isInstance } from '../errors/instance.js';
import { CheckpointAdminError } from './errors.js';
import type { ShardRow } from './shard-row.js';
import { isKeyOf } from './stream-keys.js';

/** What {@link FileStoreAdmin.replace} did. */
export interface Replaced {
  /** Every shard's checkpoint before. */
  readonly before: ReadonlyMap<string, Checkpoint>;
  /** Copies of the stream's former files, kept beside them (empty when nothing changed). */
  readonly backups: readonly string[];
}

/**
 * Tool access to a checkpoint directory of `FileCheckpointStore` (its public methods, and core's
 * `replaceStreamFiles` to go backwards): lists every stream's checkpoints with the process holding
 * the directory, and replaces checkpoints (going back included, crash-safe) while holding the
 * directory's lock.
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

  /**
   * The keys of a stream in the directory (its plain ARN, and `<ARN>:<epoch>` of a poller of several
   * streams), each with its number of shards.
   */
  async keysOf(streamArn: string): Promise<Map<string, number>> {
    const store = new FileCheckpointStore({ directory: this.directory });
    const keys = new Map<string, number>();
    for (const key of await this.streams()) {
      if (isKeyOf(key, streamArn)) keys.set(key, Object.keys(await store.getAll(key)).length);
    }
    return keys;
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
   * every shard's checkpoint, keeps the stream's files as they are under a second name (a hard link,
   * a copy where links cannot be made: named in the result), then replaces them with core's
   * `replaceStreamFiles`, then releases the lock. Crash-safe: a crash (SIGKILL, power loss) at any
   * point leaves files that read as every shard's old checkpoint or every shard's new one, never
   * none (see `replaceStreamFiles` for the steps and why); running it again completes it.
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
      // A store that only reads: nothing of the stream is cached as written when its files are replaced.
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
      try {
        for (const path of [store.fileOf(streamArn), store.journalOf(streamArn)]) {
          const kept = await keepAs(path, `${path}.before-set-${stamp}`);
          if (kept !== undefined) backups.push(kept);
        }
        killAtStep('backed-up');
        await replaceStreamFiles(store.fileOf(streamArn), streamArn, after, { onStep: killAtStep });
      } catch (error) {
        if (isInstance(error, StreamshareError)) throw error;
        throw new CheckpointAdminError(
          'DIRECTORY_WRITE_FAILED',
          `could not set the checkpoints of ${streamArn} in ${this.directory}: ${describeThrown(error)}. The files still read as every shard's former checkpoint, or every shard's new one (streamshare checkpoints list tells which); run it again`,
          { cause: error },
        );
      }
      return { before, backups };
    } finally {
      await store.close();
    }
  }
}

/**
 * Keeps a file as it is under a second name: a hard link (the store renames new files over its
 * files, never writes them in place, so the link keeps the old content), or a copy where the file
 * system has no links. Undefined when there is no file.
 */
async function keepAs(path: string, kept: string): Promise<string | undefined> {
  try {
    await link(path, kept);
    return kept;
  } catch (error) {
    const code = readThrownProperty(error, 'code');
    if (code === 'ENOENT') return undefined;
    if (code === 'EEXIST') throw error;
  }
  try {
    await copyFile(path, kept, constants.COPYFILE_EXCL);
    return kept;
  } catch (error) {
    if (readThrownProperty(error, 'code') === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * For the crash-safety tests only: once the step STREAMSHARE_TEST_SET_KILL_AT names is done
 * (`backed-up`, or a step of `replaceStreamFiles`), the process ends with SIGKILL, as a crash there
 * would. Nothing happens when the variable is not set.
 */
function killAtStep(step: string): void {
  if (process.env.STREAMSHARE_TEST_SET_KILL_AT === step) process.kill(process.pid, 'SIGKILL');
}
