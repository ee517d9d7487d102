import { randomBytes } from 'node:crypto';
import { type FileHandle, lstat, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readThrownProperty } from '../errors/thrown.js';
import { statOpen } from './fs-io.js';
import { CheckpointLockedError, describeHolder, type HeldBecause, holderOf, lockedError } from './lock-error.js';
import { createExclusive, type FoundLock, LOCK_FILE_NAME, type LockOwner, readLock, writeTemp } from './lock-file.js';
import { type ProcessIdentity, pidExists, startTimeOf, thisProcess } from './process-identity.js';

/** Default {@link FileCheckpointStoreOptions.lockStaleMs}: 30 s. */
export const DEFAULT_LOCK_STALE_MS = 30_000;

/** How long an open keeps trying while another process is taking over the same stale lock. */
const TAKEOVER_PATIENCE_MS = 5_000;

/** Whether a lock found on disk is held, and why (or why not). */
type Verdict =
  | { readonly held: true; readonly why: HeldBecause }
  | { readonly held: false; readonly why: 'gone' | 'pid-reused' | 'expired' };

/**
 * The lock a {@link FileCheckpointStore} holds on its directory while it writes there, so that a
 * second store (another process, here or on another host, or another instance in this process)
 * fails at open instead of writing the same files.
 *
 * **The lock file** (`streamshare.lock` in the directory) holds the pid, host name, start time
 * and (Linux) boot id and pid namespace of its holder and a random token. It is written whole to a
 * temporary file, fsynced, then linked to its name (`link` fails when the name exists: exactly one
 * process creates it); where the file system has no hard links, it is created with an exclusive
 * open instead. It is removed by {@link release} (the store's `close()`).
 *
 * **A lock left behind** (a holder killed with SIGKILL, a crash, a power loss) does not block a
 * restart. On the same host (same host name, boot and pid namespace) its holder is checked at once:
 * a pid that no longer exists, or (Linux) that now belongs to a process started at another time,
 * means the lock is stale. A holder that cannot be checked from here (another host, another
 * container's pid namespace, a host rebooted since, an unreadable lock file) is judged by the lock
 * file's modification time, which its holder refreshes every third of `staleMs`: the lock is stale
 * once it was not refreshed for `staleMs` (this assumes clocks within a few seconds of each other).
 *
 * **Taking over a stale lock** is decided once among processes racing for it: each must first
 * create a claim file named after the stale lock's token (`streamshare.lock.takeover-<token>`,
 * exclusive); the one that did checks that the lock is still that stale one and renames its own
 * lock file over it. A claim whose maker died is itself taken over the same way.
 *
 * **While held**, the lock's holder checks every third of `staleMs` that the lock file is still its
 * own (no syscall per checkpoint write): when it was replaced (someone removed it and another store
 * took the directory), {@link lost} is set and the store refuses further writes with it.
 */
export class DirectoryLock {
  /** Path of the lock file. */
  readonly path: string;
  /** What the lock file holds. */
  readonly owner: LockOwner;
  readonly #directory: string;
  #handle: FileHandle;
  #dev: number;
  #ino: number;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  /** The fsync of the lock file after it was taken (awaited before its handle is closed). */
  #durable: Promise<void> = Promise.resolve();
  #lost: CheckpointLockedError | undefined;
  #released = false;

  private constructor(
    directory: string,
    path: string,
    owner: LockOwner,
    handle: FileHandle,
    identity: { dev: number; ino: number },
    staleMs: number,
  ) {
    this.#directory = directory;
    this.path = path;
    this.owner = owner;
    this.#handle = handle;
    this.#dev = identity.dev;
    this.#ino = identity.ino;
    this.#timer = setInterval(
      () => {
        this.#refreshing ??= this.#refresh()
          .catch(() => undefined)
          .finally(() => {
            this.#refreshing = undefined;
          });
      },
      Math.max(10, Math.floor(staleMs / 3)),
    );
    this.#timer.unref();
  }

  /**
   * Takes the lock of `directory` (which must exist), taking over a stale one.
   *
   * @throws CheckpointLockedError when another store holds it.
   * @throws the file system's error when the lock file cannot be written (e.g. a read-only directory).
   */
  static async acquire(directory: string, staleMs: number): Promise<DirectoryLock> {
    const me = await thisProcess();
    const path = join(directory, LOCK_FILE_NAME);
    const owner: LockOwner = { ...me, token: randomBytes(8).toString('hex'), acquiredAt: new Date().toISOString() };
    const text = `${JSON.stringify(owner)}\n`;
    // Not fsynced before it is linked in place: the link alone makes the lock exclusive among live
    // processes (they share the page cache); the content is fsynced once the lock is held (#held),
    // off the start's path. Only a power loss in that instant leaves an empty lock file, which the
    // next start judges by its age (lockStaleMs).
    const temp = await writeTemp(path, text, { sync: false });
    let handle: FileHandle | undefined = temp.handle;
    try {
      const deadline = Date.now() + TAKEOVER_PATIENCE_MS;
      for (;;) {
        const made = await createExclusive(temp.path, path, text);
        if (made !== 'exists') {
          if (made !== 'linked') {
            // Created in place (no hard links here): the lock file is that new file, not the temp.
            await handle.close().catch(() => undefined);
            handle = made;
          }
          return await DirectoryLock.#held(directory, path, owner, handle, staleMs);
        }
        const found = await readLock(path);
        if (found !== undefined) {
          const verdict = await judge(found, me, staleMs);
          if (verdict.held) throw lockedError(directory, path, found, verdict.why, me, staleMs);
          const outcome = await takeOver(path, temp.path, text, found, me, staleMs);
          if (outcome === 'won') return await DirectoryLock.#held(directory, path, owner, handle, staleMs);
          if (Date.now() > deadline) {
            const holder = outcome === 'busy' ? await readClaimer(path, found) : found;
            throw new CheckpointLockedError({
              directory,
              lockFile: path,
              holder: holderOf(holder?.owner),
              message:
                `checkpoint directory ${directory} is being taken over by ${describeHolder(holder?.owner)} ` +
                `(its lock file ${path} was stale). One process per checkpoint directory.`,
            });
          }
        }
        // The lock vanished, or changed, or another process is taking it over: look again shortly.
        await sleep(10 + Math.floor(Math.random() * 40));
      }
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    } finally {
      await unlink(temp.path).catch(() => undefined);
    }
  }

  /** The lock, now held: claims left by takeovers are removed (none is of use any more). */
  static async #held(
    directory: string,
    path: string,
    owner: LockOwner,
    handle: FileHandle,
    staleMs: number,
  ): Promise<DirectoryLock> {
    const stats = statOpen(handle.fd);
    const names = await readdir(directory).catch(() => [] as string[]);
    const claims = names.filter((name) => name.startsWith(`${LOCK_FILE_NAME}.takeover-`));
    await Promise.all(claims.map((name) => unlink(join(directory, name)).catch(() => undefined)));
    const lock = new DirectoryLock(directory, path, owner, handle, stats, staleMs);
    // The lock file's content made durable (see acquire); a failure changes nothing of the lock.
    lock.#durable = handle.sync().catch(() => undefined);
    return lock;
  }

  /**
   * Set once the lock was taken away from this holder (its lock file removed and re-created by
   * another store, or replaced): the error the store then gives every write.
   */
  get lost(): CheckpointLockedError | undefined {
    return this.#lost;
  }

  /**
   * Stops refreshing and removes the lock file, when it is still this holder's. Never rejects.
   */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#refreshing;
    await this.#durable;
    try {
      if (this.#lost === undefined) {
        const stats = await lstat(this.path);
        if (stats.dev === this.#dev && stats.ino === this.#ino) await unlink(this.path);
      }
    } catch {
      // Gone already, or the directory is: nothing to release.
    }
    await this.#handle.close().catch(() => undefined);
  }

  /**
   * Refreshes the lock file's modification time (so that stores that cannot check this process see
   * it alive) and checks that the lock file is still this holder's. A lock file removed while the
   * directory is there is written again; one replaced by another store's makes the lock {@link lost}.
   * A directory gone or moved away for a while is left alone (the writes report it).
   */
  async #refresh(): Promise<void> {
    if (this.#lost !== undefined || this.#released) return;
    const now = new Date();
    await this.#handle.utimes(now, now).catch(() => undefined);
    let stats: { dev: number; ino: number };
    try {
      stats = await lstat(this.path);
    } catch (error) {
      if (readThrownProperty(error, 'code') !== 'ENOENT') return;
      const directory = await lstat(this.#directory).catch(() => undefined);
      if (directory?.isDirectory() !== true || this.#released) return;
      await this.#restore();
      return;
    }
    if (stats.dev !== this.#dev || stats.ino !== this.#ino)
      this.#loseTo(await readLock(this.path).catch(() => undefined));
  }

  /** Writes the lock file again after someone removed it, unless another store took it meanwhile. */
  async #restore(): Promise<void> {
    const text = `${JSON.stringify(this.owner)}\n`;
    let temp: { path: string; handle: FileHandle };
    try {
      temp = await writeTemp(this.path, text);
    } catch {
      return;
    }
    let handle = temp.handle;
    try {
      const made = await createExclusive(temp.path, this.path, text);
      if (made === 'exists') {
        await handle.close().catch(() => undefined);
        this.#loseTo(await readLock(this.path).catch(() => undefined));
        return;
      }
      if (made !== 'linked') {
        await handle.close().catch(() => undefined);
        handle = made;
      }
      const stats = await handle.stat();
      const old = this.#handle;
      this.#handle = handle;
      this.#dev = stats.dev;
      this.#ino = stats.ino;
      await this.#durable;
      await old.close().catch(() => undefined);
    } catch {
      await handle.close().catch(() => undefined);
    } finally {
      await unlink(temp.path).catch(() => undefined);
    }
  }

  #loseTo(found: FoundLock | undefined): void {
    const now = found?.owner === undefined ? '' : `; it is now held by ${describeHolder(found.owner)}`;
    this.#lost = new CheckpointLockedError({
      directory: this.#directory,
      lockFile: this.path,
      holder: holderOf(found?.owner),
      message:
        `the lock of checkpoint directory ${this.#directory} was taken away from this store (its lock file ` +
        `${this.path} was removed or replaced${now}): it writes no more checkpoints there, so that two ` +
        'processes never write one directory. One process per checkpoint directory.',
    });
    clearInterval(this.#timer);
  }
}

/**
 * Replaces the stale lock `found` by this process's (the temp file), unless another process does:
 * `'won'`, `'busy'` (another live process is taking it over) or `'changed'` (the lock is no longer
 * `found`: look again).
 */
async function takeOver(
  path: string,
  temp: string,
  text: string,
  found: FoundLock,
  me: ProcessIdentity,
  staleMs: number,
): Promise<'won' | 'busy' | 'changed'> {
  // Claim `found`; when a claim of it exists and its maker is gone, claim that claim, and so on.
  let target = found.id;
  let claim: string | undefined;
  for (let depth = 0; depth < 16 && claim === undefined; depth++) {
    const name = claimOf(path, target);
    const made = await createExclusive(temp, name, text);
    if (made !== 'exists') {
      if (made !== 'linked') await made.close().catch(() => undefined);
      claim = name;
      break;
    }
    const claimer = await readLock(name);
    if (claimer === undefined) continue;
    if ((await judge(claimer, me, staleMs)).held) return 'busy';
    target = claimer.id;
  }
  if (claim === undefined) return 'busy';
  // Only this process may replace `found` now; it must still be there.
  const current = await readLock(path).catch(() => undefined);
  if (current === undefined || current.id !== found.id || current.ino !== found.ino || current.dev !== found.dev) {
    await unlink(claim).catch(() => undefined);
    return 'changed';
  }
  await rename(temp, path);
  return 'won';
}

function claimOf(path: string, id: string): string {
  return `${path}.takeover-${id}`;
}

/** The lock file of whoever claimed `found` (for a message), or `found` when there is none. */
async function readClaimer(path: string, found: FoundLock): Promise<FoundLock | undefined> {
  return (await readLock(claimOf(path, found.id)).catch(() => undefined)) ?? found;
}

/** Same host, boot and pid space: the holder's pid can be checked from here. */
function checkable(owner: LockOwner, me: ProcessIdentity): boolean {
  return owner.hostname === me.hostname && owner.bootId === me.bootId && owner.pidNamespace === me.pidNamespace;
}

/** Whether a lock (or a claim) found on disk is held (see {@link DirectoryLock}). */
async function judge(found: FoundLock, me: ProcessIdentity, staleMs: number): Promise<Verdict> {
  const expired = Date.now() - found.mtimeMs >= staleMs;
  const { owner } = found;
  if (owner === undefined) return expired ? { held: false, why: 'expired' } : { held: true, why: 'unreadable' };
  if (!checkable(owner, me)) return expired ? { held: false, why: 'expired' } : { held: true, why: 'unverifiable' };
  if (!pidExists(owner.pid)) return { held: false, why: 'gone' };
  const alive = owner.pid === me.pid ? 'this-process' : 'alive';
  if (owner.processStart !== undefined) {
    const start = owner.pid === me.pid ? me.processStart : await startTimeOf(owner.pid);
    if (start !== undefined)
      return start === owner.processStart ? { held: true, why: alive } : { held: false, why: 'pid-reused' };
  }
  // No start time to compare (not Linux, or /proc hides the process): a pid alive that has not
  // refreshed the lock for staleMs is taken for a pid given to another process since.
  return expired ? { held: false, why: 'pid-reused' } : { held: true, why: alive };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
