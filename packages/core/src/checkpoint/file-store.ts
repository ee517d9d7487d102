import { randomBytes } from 'node:crypto';
import { close, constants, fdatasync, fstat, fstatSync, fsync, open, write } from 'node:fs';
import { lstat, mkdir, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { CheckpointError } from '../errors/record-errors.js';
import { describeThrown, readThrownProperty } from '../errors/thrown.js';
import type { Checkpoint, CheckpointStore } from './checkpoint.js';
import { compareCheckpoints, copyCheckpoint, validateCheckpoint } from './compare.js';
import { DEFAULT_LOCK_STALE_MS, DirectoryLock } from './directory-lock.js';
import { checkpointFileName } from './file-name.js';
import { describeLockFailure } from './lock-error.js';
import { backwards } from './memory-store.js';
import { failedOnSymlink, O_NOFOLLOW, readTextNoFollow, symlinkRefused } from './no-follow.js';

const openFd = promisify(open);
function writeFd(fd: number, data: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    write(fd, data, (error, written) => (error ? reject(error) : resolve(written)));
  });
}
const fsyncFd = promisify(fsync);
const fdatasyncFd = promisify(fdatasync);
const closeFd = promisify(close);
const fstatFd = promisify(fstat);

/**
 * The journal is opened O_DSYNC where the platform has it (Linux, macOS): one `write` then returns
 * only once the appended bytes, and the file size that makes them readable, are on stable storage,
 * with no separate fdatasync (one thread-pool round trip per group commit). Elsewhere (Windows) each
 * append is followed by an fdatasync.
 */
const O_DSYNC: number = constants.O_DSYNC ?? 0;
const JOURNAL_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND | O_DSYNC | O_NOFOLLOW;
/** A snapshot's temporary file: new (never an existing file, nor a link's target). */
const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW;

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

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** The newest checkpoint asked for a shard, and every put waiting for it to be on disk. */
interface PendingShard {
  checkpoint: Checkpoint;
  readonly waiters: Waiter[];
}

interface PendingBatch {
  readonly streamArn: string;
  readonly shards: Map<string, PendingShard>;
  /** {@link FileCheckpointStore.open} calls waiting for the files to be ready for appending. */
  readonly opens: Waiter[];
}

type StoredCheckpoint = Checkpoint & { readonly updatedAt?: string };

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

/** One journal entry (a line `<crc32 of the JSON, 8 hex digits> <JSON>\n`): the shards written by one group commit. */
interface JournalEntry {
  readonly streamArn: string;
  readonly shards: Record<string, StoredCheckpoint>;
}

/**
 * The journal found on disk at a store's first write: none; intact (appended to as it is); or to be
 * replaced at the next write (a torn last line, or no snapshot beside it).
 */
type JournalOnDisk = 'none' | 'intact' | 'rewrite';

/** What a read of a stream's files found. */
interface OnDisk {
  readonly shards: Map<string, StoredCheckpoint>;
  readonly journal: JournalOnDisk;
}

/** Which file a path held when this store last wrote it, to tell whether anyone else changed it since. */
interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

/** What this store (the only writer of the directory) knows is on disk for one stream. */
interface WrittenFile {
  readonly streamArn: string;
  /** Every shard's durable checkpoint: the snapshot and the journal merged. */
  readonly shards: Map<string, StoredCheckpoint>;
  /** The journal, open for appending; undefined until the first write of this store, and after a failed append. */
  journal: number | undefined;
  /** Bytes in the journal. */
  journalBytes: number;
  /** The journal on disk when `journal` is not open: whether a rewrite must replace it. */
  journalOnDisk: JournalOnDisk;
  /** The open journal's device and inode (its size is `journalBytes`). */
  journalFile: { readonly dev: number; readonly ino: number } | undefined;
  /** The snapshot as this store last wrote (or found) it. */
  snapshotFile: FileIdentity | undefined;
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
 * write. As a second line of defence, with each append the store checks that the stream's files are still the ones it last
 * wrote (device, inode, size and modification time of the snapshot; device, inode and size of the
 * journal: two `lstat` calls, made while the line is written). When another process or a person
 * changed, replaced or removed them, the put is not acknowledged yet: the store reads the files again
 * as at a first write and does the put again against them: a checkpoint on disk that is ahead of the one
 * being written is `CHECKPOINT_BACKWARDS`, an unreadable file `CHECKPOINT_CORRUPT` (left as is), a
 * missing directory a retryable `CHECKPOINT_IO`; otherwise the files are rewritten with every
 * checkpoint this store acknowledged, so that none is lost with a replaced journal.
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
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly directory: string;
  readonly journalLimitBytes: number;
  readonly lockStaleMs: number;
  /** Checkpoints waiting to be written, per file. */
  readonly #pending = new Map<string, PendingBatch>();
  /** The write loop of each file that has one running. */
  readonly #flushing = new Map<string, Promise<void>>();
  /** The files this store has written, by snapshot path. */
  readonly #written = new Map<string, WrittenFile>();
  /** The file of each stream (its name hashes the ARN). */
  readonly #paths = new Map<string, string>();
  /** Reads from disk in flight, by snapshot path: concurrent gets share one. */
  readonly #loading = new Map<string, Promise<OnDisk>>();
  /** The directory, open for fsync (undefined until needed, or where directories cannot be opened). */
  #directoryFd: Promise<number | undefined> | undefined;
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
      const got = typeof directory === 'string' ? '""' : String(directory);
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
    const path = this.fileOf(streamArn);
    const batch = this.#batchOf(path, streamArn);
    const waiting = batch.shards.get(shardId);
    if (waiting !== undefined && compareCheckpoints(next, waiting.checkpoint) < 0) {
      throw backwards(streamArn, shardId, waiting.checkpoint, next);
    }
    const done = new Promise<void>((resolve, reject) => {
      const waiters = waiting?.waiters ?? [];
      waiters.push({ resolve, reject });
      batch.shards.set(shardId, { checkpoint: next, waiters });
    });
    this.#flushSoon(path);
    return done;
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
    const path = this.fileOf(streamArn);
    const batch = this.#batchOf(path, streamArn);
    const ready = new Promise<void>((resolve, reject) => batch.opens.push({ resolve, reject }));
    this.#flushSoon(path);
    return ready;
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

  /** The batch of a file that the next write takes (made when there is none). */
  #batchOf(path: string, streamArn: string): PendingBatch {
    let batch = this.#pending.get(path);
    if (batch === undefined) {
      batch = { streamArn, shards: new Map(), opens: [] };
      this.#pending.set(path, batch);
    }
    return batch;
  }

  /** Starts the file's write loop unless it runs (it takes every batch pending before it ends). */
  #flushSoon(path: string): void {
    if (!this.#flushing.has(path)) this.#flushing.set(path, this.#flush(path));
  }

  /**
   * Waits for the writes in flight, closes the files this store keeps open (each stream's journal
   * and the directory) and releases the directory's lock (removes its lock file). The store can
   * still be used afterwards: the next write takes the lock and opens the files again. The poller
   * calls it when it stops.
   */
  async close(): Promise<void> {
    for (;;) {
      const loops = [...this.#flushing.values()];
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
    const fds: Promise<number | undefined>[] = [];
    for (const file of this.#written.values()) if (file.journal !== undefined) fds.push(Promise.resolve(file.journal));
    this.#written.clear();
    if (this.#directoryFd !== undefined) fds.push(this.#directoryFd.catch(() => undefined));
    this.#directoryFd = undefined;
    await Promise.all(
      fds.map(async (pending) => {
        const fd = await pending;
        if (fd !== undefined) await closeFd(fd).catch(() => undefined);
      }),
    );
    await this.#releasing;
  }

  /** The checkpoints of a stream: what this store wrote, or else what is on disk now. */
  async #current(streamArn: string): Promise<Map<string, StoredCheckpoint>> {
    const path = this.fileOf(streamArn);
    const written = this.#written.get(path);
    if (written !== undefined) return written.shards;
    let loading = this.#loading.get(path);
    if (loading === undefined) {
      loading = this.#load(path, streamArn).finally(() => this.#loading.delete(path));
      this.#loading.set(path, loading);
    }
    return (await loading).shards;
  }

  /**
   * Writes the pending checkpoints of one file, batch after batch: puts that arrive while a write
   * is in flight (other shards of the stream, or a newer checkpoint of the same shard) are written
   * together by the next one (group commit), so N shards cost one synchronous write, not N in a
   * row. Every put resolves only once its checkpoint is on disk.
   *
   * The next group's write is issued before the puts of the one just written resolve: their
   * continuations (the shards' next batches) would otherwise run first and hold the thread while
   * the disk waits.
   */
  async #flush(path: string): Promise<void> {
    let writing = this.#writeNext(path);
    while (writing !== undefined) {
      const settle = await writing;
      writing = this.#writeNext(path);
      settle();
    }
  }

  /**
   * Starts writing the file's pending batch: what settles its puts and opens once written (never
   * rejects). Undefined when nothing is pending: the write loop ends then, in the same tick as the
   * check, so that a put never finds a loop that is about to end.
   */
  #writeNext(path: string): Promise<() => void> | undefined {
    const batch = this.#pending.get(path);
    if (batch === undefined) {
      this.#flushing.delete(path);
      return undefined;
    }
    this.#pending.delete(path);
    return this.#write(path, batch).then(
      (settle) => () => {
        settle();
        for (const w of batch.opens) w.resolve();
      },
      (error: unknown) => () => {
        for (const { waiters } of batch.shards.values()) for (const w of waiters) w.reject(error);
        for (const w of batch.opens) w.reject(error);
      },
    );
  }

  /**
   * Writes one batch (settling at once the puts with nothing new to write or going backwards);
   * resolves to what resolves the puts it wrote.
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
      const entry: Record<string, StoredCheckpoint> = Object.create(null);
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
        if (file.journal === undefined && file.journalOnDisk === 'intact') await this.#reopen(path, file);
        if (file.journal === undefined || (writing.length > 0 && file.journalBytes >= this.journalLimitBytes)) {
          await this.#rewrite(path, file, entry);
        } else if (writing.length > 0) {
          const line = journalLine({ streamArn, shards: entry });
          const before = file.journalBytes;
          // The files are checked while the line is written (the check costs no time): when someone
          // else changed them, the put is not acknowledged but done again against what is on disk
          // now (the line went to a journal no longer read alone, or that is gone: harmless).
          const [, ours] = await Promise.all([
            this.#append(file, line),
            unchanged(path, file, before, before + line.byteLength),
          ]);
          // That check may run before the line lands, and cannot tell it from another writer's line
          // of the same length that landed first: the journal's exact size once the line is in
          // can (fstat of the open file: no I/O, a few µs, no thread-pool round trip).
          if (!ours || !appendedAlone(file, before + line.byteLength)) {
            file = await this.#adopt(path, streamArn, file);
            continue;
          }
        }
      } catch (error) {
        const shardIds = [...batch.shards.keys()].join(', ');
        // The puts and opens of the batch reject with it (see #flush).
        throw ioError(
          shardIds === ''
            ? `could not open the checkpoint files of ${streamArn} at ${path}`
            : `could not write checkpoint of ${shardIds} in ${streamArn} to ${path}`,
          error,
        );
      }
      for (const [shardId, c] of Object.entries(entry)) file.shards.set(shardId, c);
      return () => {
        for (const pending of writing) for (const w of pending.waiters) w.resolve();
      };
    }
  }

  /**
   * What this store knows of a stream's files from now on: what is on disk, at its first write or
   * once someone else changed the files (`previous`: what it knew before). In the second case every
   * checkpoint it acknowledged that the disk no longer has is kept, and the files are rewritten.
   */
  async #adopt(path: string, streamArn: string, previous: WrittenFile | undefined): Promise<WrittenFile> {
    const disk = await this.#load(path, streamArn);
    const file: WrittenFile = {
      streamArn,
      shards: disk.shards,
      journal: undefined,
      journalBytes: 0,
      journalOnDisk: previous === undefined ? disk.journal : 'rewrite',
      journalFile: undefined,
      snapshotFile: undefined,
    };
    if (previous !== undefined) {
      for (const [shardId, c] of previous.shards) {
        const found = file.shards.get(shardId);
        if (found === undefined || compareCheckpoints(c, found) > 0) file.shards.set(shardId, c);
      }
      if (previous.journal !== undefined) await closeFd(previous.journal).catch(() => undefined);
      previous.journal = undefined;
    }
    this.#written.set(path, file);
    return file;
  }

  /** Opens an intact journal found on disk for appending (once: after a failure, the files are rewritten). */
  async #reopen(path: string, file: WrittenFile): Promise<void> {
    file.journalOnDisk = 'rewrite';
    const journal = journalPath(path);
    let fd: number;
    try {
      fd = await openFd(journal, constants.O_WRONLY | constants.O_APPEND | O_DSYNC | O_NOFOLLOW);
    } catch (error) {
      if (await failedOnSymlink(journal, error)) throw symlinkRefused(journal, error);
      throw error;
    }
    try {
      const [opened, snapshot] = await Promise.all([fstatFd(fd), lstat(path)]);
      file.journalBytes = opened.size;
      file.journalFile = { dev: opened.dev, ino: opened.ino };
      file.snapshotFile = identityOf(snapshot);
    } catch (error) {
      await closeFd(fd).catch(() => undefined);
      throw error;
    }
    file.journal = fd;
  }

  /** Appends one journal line; after a failure (maybe a partial line) the next write rewrites the files. */
  async #append(file: WrittenFile, line: Uint8Array): Promise<void> {
    const fd = file.journal!;
    try {
      let written = 0;
      while (written < line.byteLength) written += await writeFd(fd, line.subarray(written));
      if (O_DSYNC === 0) await fdatasyncFd(fd);
      file.journalBytes += line.byteLength;
    } catch (error) {
      file.journal = undefined;
      await closeFd(fd).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Rewrites the snapshot with every checkpoint (the stored ones and `entry`), then replaces the
   * journal by an empty one. The snapshot is durable before the journal is replaced, so a crash in
   * between leaves the new snapshot beside the old journal, whose entries are older: nothing lost.
   */
  async #rewrite(path: string, file: WrittenFile, entry: Record<string, StoredCheckpoint>): Promise<void> {
    const shards = { ...Object.fromEntries(file.shards), ...entry };
    const replacing = file.journalOnDisk !== 'none';
    // Should this fail half-way, the next attempt replaces whatever journal there is.
    file.journalOnDisk = 'rewrite';
    // With no journal yet, one directory fsync (below) serves the snapshot and the new journal.
    const snapshot = await this.#writeSnapshot(path, file.streamArn, shards, replacing);
    const journal = journalPath(path);
    const temp = replacing ? tempOf(journal) : journal;
    let fd: number | undefined;
    let opened: FileIdentity;
    try {
      fd = await openFd(temp, JOURNAL_FLAGS, 0o600);
      opened = identityOf(await fstatFd(fd));
      if (replacing) await rename(temp, journal);
      await this.#syncDirectory();
    } catch (error) {
      if (fd !== undefined) await closeFd(fd).catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    const old = file.journal;
    file.journal = fd;
    file.journalBytes = 0;
    file.journalFile = { dev: opened.dev, ino: opened.ino };
    file.snapshotFile = snapshot;
    if (old !== undefined) await closeFd(old).catch(() => undefined);
  }

  /**
   * Writes the JSON file atomically: temporary file, fsync, rename, fsync of the directory. Returns
   * the identity of the file written (a rename keeps it).
   */
  async #writeSnapshot(
    path: string,
    streamArn: string,
    shards: Record<string, StoredCheckpoint>,
    syncDirectory = true,
  ): Promise<FileIdentity> {
    const content: CheckpointFile = { version: 1, streamArn, shards };
    const temp = tempOf(path);
    try {
      let written: FileIdentity;
      const fd = await openFd(temp, TEMP_FLAGS, 0o600);
      try {
        const bytes = Buffer.from(`${JSON.stringify(content, null, 2)}\n`);
        let done = 0;
        while (done < bytes.byteLength) done += await writeFd(fd, bytes.subarray(done));
        await fsyncFd(fd);
        written = identityOf(await fstatFd(fd));
      } finally {
        await closeFd(fd);
      }
      await rename(temp, path);
      if (syncDirectory) await this.#syncDirectory();
      return written;
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
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
          { cause: error, retryable: true },
        );
      }
      try {
        this.#lock = await DirectoryLock.acquire(this.directory, this.lockStaleMs);
      } catch (error) {
        this.#ready = undefined;
        if (error instanceof CheckpointError) throw error;
        throw new CheckpointError('CHECKPOINT_IO', describeLockFailure(this.directory, error), {
          cause: error,
          retryable: true,
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
      await closeFd(fd).catch(() => undefined);
      throw error;
    }
  }

  /**
   * What is on disk for a stream: the journal's entries over the snapshot, newest checkpoint per
   * shard. The journal is read first: a rewrite that lands between the two reads only makes the
   * snapshot newer.
   */
  async #load(path: string, streamArn: string): Promise<OnDisk> {
    const journal = journalPath(path);
    const text = await readText(journal);
    const { entries, torn } = parseJournal(journal, streamArn, text);
    const snapshot = parseSnapshot(path, streamArn, await readText(path));
    const shards = new Map<string, StoredCheckpoint>(Object.entries(snapshot?.shards ?? {}));
    for (const entry of entries) {
      for (const [shard, c] of Object.entries(entry.shards)) {
        const known = shards.get(shard);
        if (known === undefined || compareCheckpoints(c, known) > 0) shards.set(shard, c);
      }
    }
    // A fresh stream starts with a snapshot, so that its JSON file exists from the first write.
    const state = text === undefined ? 'none' : torn || snapshot === undefined ? 'rewrite' : 'intact';
    return { shards, journal: state };
  }
}

const NOTHING = (): void => {};

function identityOf(stats: { dev: number; ino: number; size: number; mtimeMs: number }): FileIdentity {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs };
}

/**
 * True when a stream's snapshot and journal are still the files this store last wrote: nobody
 * replaced, removed, truncated or appended to them. The journal's size is from `minSize` to
 * `maxSize`: a line being appended may be in, out, or partly in (the file system makes a write
 * visible page by page). A path that cannot be looked at (a directory gone or replaced) counts as
 * changed.
 */
async function unchanged(path: string, file: WrittenFile, minSize: number, maxSize: number): Promise<boolean> {
  const { journalFile, snapshotFile } = file;
  if (journalFile === undefined || snapshotFile === undefined) return false;
  let journal: { dev: number; ino: number; size: number };
  let snapshot: { dev: number; ino: number; size: number; mtimeMs: number };
  try {
    // lstat: a file replaced by a link to it is a change too.
    [journal, snapshot] = await Promise.all([lstat(journalPath(path)), lstat(path)]);
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

/** Is the open journal exactly `size` bytes long (nobody else appended to it)? */
function appendedAlone(file: WrittenFile, size: number): boolean {
  if (file.journal === undefined) return false;
  try {
    return fstatSync(file.journal).size === size;
  } catch {
    return false;
  }
}

/** A stored checkpoint without its `updatedAt` (it is well formed: checked when read or put). */
function plain(c: StoredCheckpoint): Checkpoint {
  return copyCheckpoint(c) as Checkpoint;
}

/** The journal next to a stream's JSON file: `<name>.journal` instead of `<name>.json`. */
function journalPath(path: string): string {
  return `${path.replace(/\.json$/, '')}.journal`;
}

/** A temporary file next to `path`, named so that {@link isStaleTemp} recognises it once its writer is gone. */
function tempOf(path: string): string {
  return `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/** One journal line: `<crc32 of the JSON, 8 hex digits> <JSON>\n`. */
function journalLine(entry: JournalEntry): Buffer {
  const json = Buffer.from(JSON.stringify(entry));
  const head = Buffer.from(`${crc32(json).toString(16).padStart(8, '0')} `);
  return Buffer.concat([head, json, NEWLINE]);
}

const NEWLINE = Buffer.from('\n');
const LINE = /^([0-9a-f]{8}) (.*)$/s;

/**
 * The entries of a journal, in order. Only the last line may be cut short or fail its CRC (a write
 * interrupted by a crash or power loss, never acknowledged): it is ignored. Any other bad line, or a
 * well-formed line that is not an entry of this stream, is CHECKPOINT_CORRUPT.
 */
function parseJournal(
  path: string,
  streamArn: string,
  text: string | undefined,
): { entries: JournalEntry[]; torn: boolean } {
  if (text === undefined || text === '') return { entries: [], torn: false };
  const lines = text.split('\n');
  // A complete journal ends with '\n': the last piece is then empty; otherwise it is a cut-short line.
  const last = lines.length - 1;
  const entries: JournalEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (i === last && line === '') break;
    const match = LINE.exec(line);
    const intact = match !== null && crc32(Buffer.from(match[2]!)) === Number.parseInt(match[1]!, 16);
    if (!intact) {
      // The torn tail of an interrupted write.
      if (i === last || (i === last - 1 && lines[last] === '')) return { entries, torn: true };
      throw corrupt(path, `line ${i + 1} of the journal is damaged (bad checksum), and lines follow it`);
    }
    let entry: unknown;
    try {
      entry = JSON.parse(match[2]!);
    } catch (error) {
      throw corrupt(path, `line ${i + 1} of the journal is not JSON (${describeThrown(error)})`, error);
    }
    const e = entry as Partial<JournalEntry> | null;
    if (typeof e !== 'object' || e === null || typeof e.shards !== 'object' || e.shards === null) {
      throw corrupt(path, `line ${i + 1} of the journal is not { streamArn, shards: { <shardId>: checkpoint } }`);
    }
    if (e.streamArn !== streamArn) {
      throw corrupt(
        path,
        `line ${i + 1} of the journal is of stream ${JSON.stringify(e.streamArn)}, expected ${JSON.stringify(streamArn)}`,
      );
    }
    for (const [shard, c] of Object.entries(e.shards)) {
      if (copyCheckpoint(c) === undefined) {
        throw corrupt(
          path,
          `line ${i + 1} of the journal has a malformed checkpoint of ${shard}: ${JSON.stringify(c)}`,
        );
      }
    }
    entries.push(e as JournalEntry);
  }
  // A last line without its newline (even when intact) must not have lines appended to it.
  return { entries, torn: !text.endsWith('\n') };
}

function parseSnapshot(path: string, streamArn: string, text: string | undefined): CheckpointFile | undefined {
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
    if (copyCheckpoint(c) === undefined)
      throw corrupt(path, `the checkpoint of ${shard} is malformed: ${JSON.stringify(c)}`);
  }
  return file as CheckpointFile;
}

/** The text of a file, or undefined when it does not exist; a symbolic link is CHECKPOINT_CORRUPT. */
async function readText(path: string): Promise<string | undefined> {
  try {
    return await readTextNoFollow(path);
  } catch (error) {
    throw ioError(`could not read checkpoint file ${path}`, error);
  }
}

function ioError(what: string, error: unknown): CheckpointError {
  if (error instanceof CheckpointError) return error;
  return new CheckpointError('CHECKPOINT_IO', `${what}: ${describeThrown(error)}`, {
    cause: error,
    retryable: true,
  });
}

/** A temp file (`<file>.<pid>.<random>.tmp`) of a writer process that is gone. */
function isStaleTemp(name: string): boolean {
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

function corrupt(path: string, why: string, cause?: unknown): CheckpointError {
  return new CheckpointError(
    'CHECKPOINT_CORRUPT',
    `checkpoint file ${path} is unreadable: ${why}. It was left as is; fix or remove it to go on.`,
    cause === undefined ? {} : { cause },
  );
}
