import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '../errors/record-errors.js';
import { describeThrown, readThrownProperty } from '../errors/thrown.js';
import type { Checkpoint, CheckpointStore } from './checkpoint.js';
import { compareCheckpoints, copyCheckpoint, validateCheckpoint } from './compare.js';
import { DEFAULT_LOCK_STALE_MS, DirectoryLock } from './directory-lock.js';
import { checkpointFileName } from './file-name.js';
import { closeQuietly, fsyncFd, ioError, isStaleTemp, openFd } from './fs-io.js';
import { GroupCommit, type PendingBatch, type PendingShard } from './group-commit.js';
import { type JournalShards, journalPath } from './journal.js';
import { describeLockFailure, isPassingDirectoryFailure } from './lock-error.js';
import { backwards } from './memory-store.js';
import type { CheckpointFile } from './snapshot.js';
import type { StoredCheckpoint } from './stored-checkpoint.js';
import { type OnDisk, readStreamFiles, StreamFiles } from './stream-files.js';

export type { CheckpointFile } from './snapshot.js';

/** Default {@link FileCheckpointStoreOptions.journalLimitBytes}: 256 KiB. */
export const DEFAULT_JOURNAL_LIMIT_BYTES = 256 * 1024;

/** Options of {@link FileCheckpointStore}. */
export interface FileCheckpointStoreOptions {
  /** Directory holding the checkpoint files of each stream (created when missing). */
  readonly directory: string;
  /**
   * Once a stream's journal has grown past this many bytes, the next write folds it into the JSON
   * file (a full atomic rewrite) and starts an empty journal. Default
   * {@link DEFAULT_JOURNAL_LIMIT_BYTES} (256 KiB, a few thousand checkpoint writes of a few shards).
   */
  readonly journalLimitBytes?: number;
  /**
   * The directory's lock (see {@link FileCheckpointStore}, "One writer per directory") when held by
   * a process that cannot be checked from here (another host, another container's pid namespace)
   * counts as abandoned once its holder has not refreshed it for this many milliseconds; the holder
   * refreshes it every third of it. Default {@link DEFAULT_LOCK_STALE_MS} (30 s). The lock of a
   * process of this host that no longer runs is taken over at once, whatever this says.
   */
  readonly lockStaleMs?: number;
}

/**
 * Checkpoints on local disk: per stream, a JSON file holding all its shards (the snapshot, e.g.
 * `us-east-1.999900009999.kds-sharing-example1.3f2a9c1d04b7e6a8.json`) and a journal next to it
 * (the same name ending in `.journal`).
 *
 * **Writes.** The first write of a store to a stream, and every write once the journal has grown past
 * `journalLimitBytes`, rewrites the snapshot atomically (temporary file, fsync, rename, fsync of the
 * directory) with every shard's checkpoint, then replaces the journal by an empty one (created aside,
 * renamed, directory fsynced). Every other write appends one line to the journal, with the
 * checkpoints of the shards it writes and a CRC-32 of that line, in one O_DSYNC `write` (data and
 * file size on stable storage when it returns; `write` + `fdatasync` where O_DSYNC does not exist).
 * Puts that arrive while a write is in flight are written together by the next one (group commit:
 * the shards of a stream share one synchronous write). A put resolves only once its checkpoint is
 * durable, so what a put acknowledged survives a process crash (SIGKILL) and a power loss alike.
 *
 * **Reads.** A checkpoint is the newest of the snapshot's and the journal's (the journal is read
 * first, then the snapshot, so a read that races a rewrite is never older than what was acknowledged
 * before it started). Only the journal's last line may be incomplete or fail its CRC: that is a
 * write cut short by a crash or power loss, whose put never resolved, and it is ignored (the shard
 * resumes from the checkpoint before it: duplicates, never a gap); the next write of the store
 * rewrites the files without it. Anything else unreadable (the snapshot, a line before the last, a
 * line of another stream) is `CHECKPOINT_CORRUPT`, left as is, never reset. A checkpoint that goes
 * backwards is refused (`CHECKPOINT_BACKWARDS`).
 *
 * **One writer per directory** (use the DynamoDB lease store of @streamshare/poller for several
 * workers), enforced by a lock file, `streamshare.lock`, taken at the store's first write or
 * {@link open} and removed by {@link close}: a second store on the directory (another process, on
 * this host or another, or another instance in this process) fails there with a
 * `CheckpointLockedError` (`CHECKPOINT_LOCKED`, not retryable) naming the directory and the process
 * holding it. A lock left by a process that died (SIGKILL, a crash, a power loss) is taken over: at
 * once when that process was on this host, else once not refreshed for `lockStaleMs` (see
 * {@link DirectoryLock}). Reads (`get`, `getAll`) take no lock. Taking the lock costs nothing per
 * write. As a second line of defence, with each append the store checks that the stream's files
 * are still the ones it last wrote (device, inode, size and modification time of the snapshot;
 * device, inode and exact size of the journal: two synchronous `lstat` calls once the line is in). When
 * another process or a person changed, replaced or removed them, the put is not acknowledged yet:
 * the store reads the files again as at a first write and does the put again against them: a
 * checkpoint on disk that is ahead of the one being written is `CHECKPOINT_BACKWARDS`, an
 * unreadable file `CHECKPOINT_CORRUPT` (left as is), a missing directory a retryable
 * `CHECKPOINT_IO`; otherwise the files are rewritten with every checkpoint this store acknowledged,
 * so that none is lost with a replaced journal.
 *
 * **Links are never followed**: the files are opened with O_NOFOLLOW, so that a snapshot or journal
 * replaced by a symbolic link is `CHECKPOINT_CORRUPT` (naming it, left as is), and the file it points
 * to is never read or written.
 *
 * **Any shard id or stream ARN** is kept as it is, including `__proto__`, `constructor` and other
 * names of `Object.prototype`; **any kind of checkpoint** too, in the form {@link CheckpointFile}
 * describes (the files of earlier versions load as they are).
 *
 * {@link open} makes a stream's files ready before the first put (the poller calls it at start, so
 * that their creation overlaps the shard listing and the first checkpoint is an append).
 * {@link close} waits for the writes in flight and closes the files.
 *
 * The jobs are split by module: the journal (`journal.ts`: line format, append, torn tail), the
 * snapshot (`snapshot.ts`: atomic write, parse), a stream's two files as the store knows them
 * (`stream-files.ts`), other-writer detection (`other-writers.ts`), group commit
 * (`group-commit.ts`), the directory lock (`directory-lock.ts`); this class puts them together.
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly directory: string;
  readonly journalLimitBytes: number;
  readonly lockStaleMs: number;
  /** Puts and opens waiting to be written, and the write loop of each file. */
  readonly #commit = new GroupCommit((path, batch) => this.#write(path, batch));
  /** The files this store has written, by snapshot path. */
  readonly #written = new Map<string, StreamFiles>();
  /** The file of each stream (its name hashes the ARN). */
  readonly #paths = new Map<string, string>();
  /** Reads from disk in flight, by snapshot path: concurrent gets share one. */
  readonly #loading = new Map<string, Promise<OnDisk>>();
  /** The directory, open for fsync (undefined until needed, or where directories cannot be opened). */
  #directoryFd: Promise<number | undefined> | undefined;
  /** {@link #syncDirectory}, made once. */
  readonly #sync = (): Promise<void> => this.#syncDirectory();
  #ready: Promise<void> | undefined;
  /** True once `#ready` resolved. */
  #prepared = false;
  /** The directory's lock, held from the first write (or open) to {@link close}. */
  #lock: DirectoryLock | undefined;
  /** The release of the lock by a {@link close} in progress (the next write waits for it). */
  #releasing: Promise<void> | undefined;

  /**
   * Checks the options only; nothing touches the disk before the first call.
   *
   * @throws TypeError when `options.directory` is not a non-empty string.
   * @throws RangeError when `options.journalLimitBytes` is not an integer >= 0, or
   * `options.lockStaleMs` not an integer >= 1.
   */
  constructor(options: FileCheckpointStoreOptions) {
    const directory: unknown = options?.directory;
    if (typeof directory !== 'string' || directory === '') {
      const got = typeof directory === 'string' ? '""' : describeThrown(directory);
      throw new TypeError(`FileCheckpointStore: options.directory must be a directory path, got ${got}`);
    }
    const limit = options.journalLimitBytes ?? DEFAULT_JOURNAL_LIMIT_BYTES;
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new RangeError(
        `FileCheckpointStore: journalLimitBytes must be an integer >= 0, got ${String(options.journalLimitBytes)}`,
      );
    }
    const staleMs = options.lockStaleMs ?? DEFAULT_LOCK_STALE_MS;
    if (!Number.isSafeInteger(staleMs) || staleMs < 1) {
      throw new RangeError(
        `FileCheckpointStore: lockStaleMs must be an integer >= 1, got ${describeThrown(options.lockStaleMs)}`,
      );
    }
    this.directory = directory;
    this.journalLimitBytes = limit;
    this.lockStaleMs = staleMs;
  }

  /** Path of the JSON file holding the checkpoints of `streamArn`. */
  fileOf(streamArn: string): string {
    let path = this.#paths.get(streamArn);
    if (path === undefined) {
      path = join(this.directory, checkpointFileName(streamArn));
      this.#paths.set(streamArn, path);
    }
    return path;
  }

  /** Where the checkpoints of `streamArn` are, for messages: `checkpoint file <fileOf(streamArn)>`. */
  describe(streamArn: string): string {
    return `checkpoint file ${this.fileOf(streamArn)}`;
  }

  /** Path of the journal of `streamArn` (next to {@link fileOf}). */
  journalOf(streamArn: string): string {
    return journalPath(this.fileOf(streamArn));
  }

  async get(streamArn: string, shardId: string): Promise<Checkpoint | undefined> {
    const c = (await this.#current(streamArn)).get(shardId);
    return c === undefined ? undefined : plain(c);
  }

  /** Every shard's checkpoint of a stream (empty when none was written). */
  async getAll(streamArn: string): Promise<Record<string, Checkpoint>> {
    // Object.fromEntries defines each key as an own property, `__proto__` included.
    return Object.fromEntries([...(await this.#current(streamArn))].map(([shard, c]) => [shard, plain(c)]));
  }

  async put(streamArn: string, shardId: string, checkpoint: Checkpoint): Promise<void> {
    const next = validateCheckpoint(checkpoint, `checkpoint of ${shardId} in ${streamArn}`);
    return this.#commit.put(this.fileOf(streamArn), streamArn, shardId, next);
  }

  /**
   * Makes the checkpoint files of `streamArn` ready for appending, as the first write would: creates
   * the directory, takes its lock (a directory in use by another store rejects with
   * `CheckpointLockedError`, `CHECKPOINT_LOCKED`), reads what is on disk (a corrupt file rejects
   * with `CHECKPOINT_CORRUPT` and is left alone), then opens the journal, or writes the snapshot and
   * an empty journal when there are none (or a torn journal to replace). Optional: the first put does the same. Calling it early
   * takes the file creations and directory fsync off the first checkpoint's path.
   */
  open(streamArn: string): Promise<void> {
    return this.#commit.open(this.fileOf(streamArn), streamArn);
  }

  /**
   * Takes the directory's lock now, as the first write would (creating the directory when it is
   * missing), and touches no checkpoint file: what a process calls at start to learn at once that
   * it may write here. Resolves once the lock is held (until {@link close}).
   *
   * @throws CheckpointLockedError (`CHECKPOINT_LOCKED`) when another store holds the directory.
   * @throws CheckpointError (`CHECKPOINT_IO`, retryable) when the directory cannot be created or
   * the lock file cannot be written there; its cause is the file system's error.
   */
  lock(): Promise<void> {
    return this.#prepared ? Promise.resolve() : this.#prepare();
  }

  /**
   * Waits for the writes in flight, closes the files this store keeps open (each stream's journal
   * and the directory) and releases the directory's lock (removes its lock file). The store can
   * still be used afterwards: the next write takes the lock and opens the files again. The poller
   * calls it when it stops.
   */
  async close(): Promise<void> {
    // No await when nothing is being written: what close() does below is then done before a put
    // made right after the call starts its write (that put takes the lock again).
    for (;;) {
      const loops = this.#commit.writing();
      if (loops.length === 0) break;
      await Promise.all(loops);
    }
    const lock = this.#lock;
    this.#lock = undefined;
    this.#ready = undefined;
    this.#prepared = false;
    if (lock !== undefined) {
      const releasing = lock.release();
      this.#releasing = releasing;
      void releasing.finally(() => {
        if (this.#releasing === releasing) this.#releasing = undefined;
      });
    }
    const closing = [...this.#written.values()].map((files) => files.close());
    this.#written.clear();
    const directory = this.#directoryFd;
    this.#directoryFd = undefined;
    if (directory !== undefined) {
      closing.push(directory.then((fd) => (fd === undefined ? undefined : closeQuietly(fd)), NOTHING));
    }
    await Promise.all(closing);
    await this.#releasing;
  }

  /** The checkpoints of a stream: what this store wrote, or else what is on disk now. */
  async #current(streamArn: string): Promise<ReadonlyMap<string, StoredCheckpoint>> {
    const path = this.fileOf(streamArn);
    const written = this.#written.get(path);
    if (written !== undefined) return written.shards;
    let loading = this.#loading.get(path);
    if (loading === undefined) {
      loading = readStreamFiles(path, streamArn).finally(() => this.#loading.delete(path));
      this.#loading.set(path, loading);
    }
    return (await loading).shards;
  }

  /**
   * Writes one batch of a file (see {@link GroupCommit}), settling at once the puts with nothing new
   * to write or going backwards; resolves to what resolves the puts it wrote.
   */
  async #write(path: string, batch: PendingBatch): Promise<() => void> {
    const { streamArn } = batch;
    // No await once prepared: an append is then issued within the put() call that starts it, not a
    // turn later, when other shards' work may hold the thread.
    if (!this.#prepared) await this.#prepare();
    // The lock taken away (checked every third of lockStaleMs, not here): write nothing more.
    const lost = this.#lock?.lost;
    if (lost !== undefined) throw lost;
    // The first write of this store: what is on disk (a corrupt file rejects, and is left alone).
    let file = this.#written.get(path) ?? (await this.#adopt(path, streamArn, undefined));
    const settled = new Set<PendingShard>();
    for (;;) {
      const writing: PendingShard[] = [];
      // No prototype: a shard named `__proto__` is a key like any other.
      const entry: JournalShards = Object.create(null);
      const updatedAt = new Date().toISOString();
      for (const [shardId, pending] of batch.shards) {
        if (settled.has(pending)) continue;
        const stored = file.shards.get(shardId);
        const order = stored === undefined ? 1 : compareCheckpoints(pending.checkpoint, stored);
        if (order > 0) {
          entry[shardId] = { ...pending.checkpoint, updatedAt };
          writing.push(pending);
          continue;
        }
        settled.add(pending);
        if (order < 0) {
          const error = backwards(streamArn, shardId, stored!, pending.checkpoint);
          for (const w of pending.waiters) w.reject(error);
        } else {
          for (const w of pending.waiters) w.resolve();
        }
      }
      if (writing.length === 0 && (batch.opens.length === 0 || file.journal !== undefined)) return NOTHING;
      try {
        if (file.journal === undefined && file.journalOnDisk === 'intact') await file.reopen();
        const journal = file.journal;
        if (journal === undefined || (writing.length > 0 && journal.bytes >= this.journalLimitBytes)) {
          await file.rewrite(entry, this.#sync);
        } else if (writing.length > 0 && !(await file.append(entry))) {
          // Someone else changed the files: the put is not acknowledged but done again against what
          // is on disk now.
          file = await this.#adopt(path, streamArn, file);
          continue;
        }
      } catch (error) {
        const shardIds = [...batch.shards.keys()].join(', ');
        // The puts and opens of the batch reject with it (see GroupCommit).
        throw ioError(
          shardIds === ''
            ? `could not open the checkpoint files of ${streamArn} at ${path}`
            : `could not write checkpoint of ${shardIds} in ${streamArn} to ${path}`,
          error,
        );
      }
      file.written(entry);
      return () => {
        for (const pending of writing) for (const w of pending.waiters) w.resolve();
      };
    }
  }

  /** {@link StreamFiles.adopt}, kept as what this store knows of the stream's files from now on. */
  async #adopt(path: string, streamArn: string, previous: StreamFiles | undefined): Promise<StreamFiles> {
    const files = await StreamFiles.adopt(path, streamArn, previous);
    this.#written.set(path, files);
    return files;
  }

  /**
   * Creates the directory, takes its lock and removes temp files left by a killed writer (once per
   * store, and again after a {@link close}).
   */
  #prepare(): Promise<void> {
    this.#ready ??= (async () => {
      await this.#releasing;
      try {
        await mkdir(this.directory, { recursive: true });
      } catch (error) {
        this.#ready = undefined;
        throw new CheckpointError(
          'CHECKPOINT_IO',
          `could not create checkpoint directory ${this.directory}: ${describeThrown(error)}`,
          { cause: error, retryable: isPassingDirectoryFailure(error) },
        );
      }
      try {
        this.#lock = await DirectoryLock.acquire(this.directory, this.lockStaleMs);
      } catch (error) {
        this.#ready = undefined;
        if (error instanceof CheckpointError) throw error;
        throw new CheckpointError('CHECKPOINT_IO', describeLockFailure(this.directory, error), {
          cause: error,
          retryable: isPassingDirectoryFailure(error),
        });
      }
      const names = await readdir(this.directory).catch(() => [] as string[]);
      await Promise.all(names.filter(isStaleTemp).map((n) => unlink(join(this.directory, n)).catch(() => undefined)));
      this.#prepared = true;
    })();
    return this.#ready;
  }

  /** Makes the renames and file creations in the directory durable (kept open between calls). */
  async #syncDirectory(): Promise<void> {
    this.#directoryFd ??= openFd(this.directory, 'r').catch((error: NodeJS.ErrnoException) => {
      this.#directoryFd = undefined;
      // Some platforms (Windows) cannot open or fsync a directory; the rename is still atomic there.
      if (error.code === 'EISDIR' || error.code === 'EPERM') return undefined;
      throw error;
    });
    const fd = await this.#directoryFd;
    if (fd === undefined) return;
    try {
      await fsyncFd(fd);
    } catch (error) {
      const code = readThrownProperty(error, 'code');
      if (code === 'EISDIR' || code === 'EPERM' || code === 'EINVAL') return;
      // The directory may have been replaced: open it again next time.
      this.#directoryFd = undefined;
      await closeQuietly(fd);
      throw error;
    }
  }
}

const NOTHING = (): void => {};

/** A stored checkpoint without its `updatedAt` (it is well formed: checked when read or put). */
function plain(c: StoredCheckpoint): Checkpoint {
  return copyCheckpoint(c) as Checkpoint;
}
