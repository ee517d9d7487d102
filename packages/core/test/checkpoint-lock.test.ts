/**
 * The lock of a FileCheckpointStore's directory, within one process and with lock files left by
 * others: a second store is refused at open with a CheckpointLockedError naming the directory and the
 * holder; a lock whose holder is gone is taken over (at once on this host, after lockStaleMs when the
 * holder cannot be checked from here); a lock taken away from a store stops its writes.
 * (Real processes racing: checkpoint-lock-processes.test.ts.)
 */
import { spawn } from 'node:child_process';
import {
  lstat,
  lutimes,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTimeOf, thisProcess } from '../src/checkpoint/process-identity.js';
import { type Checkpoint, CheckpointError, CheckpointLockedError, FileCheckpointStore } from '../src/index.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const SHARD = 'shardId-000000000000';
const at = (n: number): Checkpoint => ({ sequenceNumber: String(1000 + n), subSequenceNumber: 0, complete: true });

let dir: string;
let lockFile: string;
const stores: FileCheckpointStore[] = [];
function store(options: { directory?: string; lockStaleMs?: number } = {}): FileCheckpointStore {
  const s = new FileCheckpointStore({ directory: dir, ...options });
  stores.push(s);
  return s;
}
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamshare-lock-'));
  lockFile = join(dir, 'streamshare.lock');
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close().catch(() => {})));
  await rm(dir, { recursive: true, force: true });
});

async function locked(promise: Promise<unknown>): Promise<CheckpointLockedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CheckpointLockedError);
  expect(error).toBeInstanceOf(CheckpointError);
  const lockedError = error as CheckpointLockedError;
  expect(lockedError.code).toBe('CHECKPOINT_LOCKED');
  expect(lockedError.retryable).toBe(false);
  expect(lockedError.directory).toBe(dir);
  expect(lockedError.lockFile).toBe(lockFile);
  expect(lockedError.message).toContain(dir);
  return lockedError;
}

/** The pid of a process that has just exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

/** Writes a lock file as another holder would, modified `ageMs` ago. */
async function fakeLock(fields: Record<string, unknown>, ageMs = 0): Promise<void> {
  const me = await thisProcess();
  await writeFile(
    lockFile,
    `${JSON.stringify({ ...me, token: 'feedfacecafebeef', acquiredAt: '2024-01-01T00:00:00.000Z', ...fields })}\n`,
  );
  if (ageMs > 0) {
    const then = new Date(Date.now() - ageMs);
    await utimes(lockFile, then, then);
  }
}

const lockOwner = async () => JSON.parse(await readFile(lockFile, 'utf8')) as { pid: number; token: string };

describe('FileCheckpointStore directory lock, in one process', () => {
  it('a second store on the directory is refused at open and at put, naming the directory and the holder', async () => {
    const first = store();
    await first.open(STREAM);
    await first.put(STREAM, SHARD, at(1));
    expect(await lockOwner()).toMatchObject({ pid: process.pid, hostname: hostname() });

    const second = store();
    const error = await locked(second.open(STREAM));
    expect(error.holder).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(error.message).toContain('another FileCheckpointStore of this process');
    expect(error.message).toContain(`process ${process.pid} on host ${hostname()}`);
    expect(error.message).toContain(lockFile);
    await locked(second.put(STREAM, 'shardId-000000000001', at(5)));
    // The same directory by another path is the same lock.
    await locked(store({ directory: join(dir, '.', 'sub', '..') }).open(STREAM));

    // The holder goes on; reads by the other store need no lock.
    await first.put(STREAM, SHARD, at(2));
    expect(await second.get(STREAM, SHARD)).toEqual(at(2));
    expect(await second.getAll(STREAM)).toEqual({ [SHARD]: at(2) });
  });

  it('close() releases the lock (the next store gets the directory); the closed store takes it again at its next write', async () => {
    const first = store();
    await first.put(STREAM, SHARD, at(1));
    await first.close();
    await expect(lstat(lockFile)).rejects.toMatchObject({ code: 'ENOENT' });

    const second = store();
    await second.put(STREAM, SHARD, at(2));
    await locked(first.put(STREAM, SHARD, at(3)));
    await second.close();
    await first.put(STREAM, SHARD, at(3));
    expect(await lockOwner()).toMatchObject({ pid: process.pid });
    expect(await store().get(STREAM, SHARD)).toEqual(at(3));
  });

  it('a put during close() waits for the release and takes the lock again', async () => {
    const s = store();
    await s.put(STREAM, SHARD, at(1));
    const closing = s.close();
    const put = s.put(STREAM, SHARD, at(2));
    await closing;
    await put;
    expect(await store().get(STREAM, SHARD)).toEqual(at(2));
    expect((await lstat(lockFile)).isFile()).toBe(true);
  });

  it('refuses a lockStaleMs that is not an integer >= 1 with a RangeError naming it', () => {
    for (const lockStaleMs of [0, -5, 1.5, Number.NaN, '30000']) {
      expect(() => new FileCheckpointStore({ directory: dir, lockStaleMs } as never)).toThrow(
        /^FileCheckpointStore: lockStaleMs must be an integer >= 1, got /,
      );
    }
  });
});

describe('FileCheckpointStore directory lock left by others', () => {
  it('a lock of a process of this host that is gone (killed with SIGKILL) is taken over at once', async () => {
    await fakeLock({ pid: await deadPid() });
    const s = store();
    await s.put(STREAM, SHARD, at(1));
    expect(await lockOwner()).toMatchObject({ pid: process.pid });
    expect((await lockOwner()).token).not.toBe('feedfacecafebeef');
  });

  it.runIf(process.platform === 'linux')(
    'a lock of this pid started at another time (a container restarted with the same pid) is taken over at once',
    async () => {
      const me = await thisProcess();
      expect(me.processStart).toMatch(/^\d+$/);
      await fakeLock({ processStart: String(Number(me.processStart) - 1) });
      await store().open(STREAM);
      expect((await lockOwner()).token).not.toBe('feedfacecafebeef');
    },
  );

  it('a live holder of this host (a running process) is never taken over, however old its lock', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      // A process of this host whose start time cannot be compared (not Linux): alive, fresh lock.
      await fakeLock({ pid: child.pid, processStart: undefined });
      const error = await locked(store().open(STREAM));
      expect(error.holder).toEqual({ pid: child.pid, hostname: hostname(), acquiredAt: '2024-01-01T00:00:00.000Z' });
      expect(error.message).toContain(`in use by process ${child.pid} on host ${hostname()}`);
      expect(error.message).toContain('One process per checkpoint directory');
      if (process.platform === 'linux') {
        // On Linux its start time proves it is the same process: refused even when not refreshed.
        await fakeLock({ pid: child.pid, processStart: await startTimeOf(child.pid!) }, 10 * 60_000);
        await locked(store({ lockStaleMs: 1_000 }).open(STREAM));
      }
    } finally {
      child.kill();
    }
  });

  it('a holder on another host: refused while it refreshes its lock, taken over once not refreshed for lockStaleMs', async () => {
    await fakeLock({ pid: 4242, hostname: 'worker-b.internal', bootId: 'another-boot' }, 5_000);
    const error = await locked(store().open(STREAM));
    expect(error.holder).toMatchObject({ pid: 4242, hostname: 'worker-b.internal' });
    expect(error.message).toContain('in use by process 4242 on host worker-b.internal');
    expect(error.message).toContain(`cannot be checked from host ${hostname()}`);
    expect(error.message).toMatch(/refreshed [45] s ago/);
    expect(error.message).toContain('not refreshed for 30 s');
    await expect(readFile(lockFile, 'utf8')).resolves.toContain('worker-b.internal');

    await fakeLock({ pid: 4242, hostname: 'worker-b.internal', bootId: 'another-boot' }, 31_000);
    await store().put(STREAM, SHARD, at(1));
    expect(await lockOwner()).toMatchObject({ pid: process.pid, hostname: hostname() });
  });

  it.runIf(process.platform === 'linux')(
    'another container with the same host name (another pid namespace) counts as another host',
    async () => {
      await fakeLock({ pid: process.pid, pidNamespace: 'pid:[1]' }, 1_000);
      const error = await locked(store().open(STREAM));
      expect(error.message).toContain('another container, pid namespace or boot of host');
      await fakeLock({ pid: process.pid, pidNamespace: 'pid:[1]' }, 2_000);
      await store({ lockStaleMs: 1_000 }).open(STREAM);
      expect((await lockOwner()).token).not.toBe('feedfacecafebeef');
    },
  );

  it('an unreadable or hostile lock file is refused while fresh, taken over once unchanged for lockStaleMs, and no pid of it is signalled', async () => {
    for (const content of [
      '',
      'garbage',
      '[]',
      JSON.stringify({ pid: 0, hostname: hostname(), token: 'feedfacecafebeef' }),
      JSON.stringify({ pid: -1, hostname: hostname(), token: 'feedfacecafebeef' }),
      JSON.stringify({ pid: '1', hostname: hostname(), token: 'feedfacecafebeef' }),
      JSON.stringify({ pid: 1, hostname: hostname(), token: '../../etc/passwd' }),
      JSON.stringify({ pid: 1, hostname: hostname(), token: 'feedfacecafebeef', bootId: 7 }),
    ]) {
      await writeFile(lockFile, content);
      const error = await locked(store().open(STREAM));
      expect(error.holder).toBeUndefined();
      expect(error.message).toContain('not a lock file this store can read');
      const then = new Date(Date.now() - 2_000);
      await utimes(lockFile, then, then);
      const s = store({ lockStaleMs: 1_000 });
      await s.open(STREAM);
      expect(await lockOwner()).toMatchObject({ pid: process.pid });
      await s.close();
    }
  });

  it('a lock file replaced by a symbolic link: the target is never written; taken over (the link replaced) once stale', async () => {
    const outside = join(await mkdtemp(join(tmpdir(), 'streamshare-outside-')), 'victim');
    try {
      await writeFile(outside, 'precious\n');
      await symlink(outside, lockFile);
      const error = await locked(store().open(STREAM));
      expect(error.message).toContain('not a lock file');
      // The link's own age counts, not its target's.
      const then = new Date(Date.now() - 2_000);
      await lutimes(lockFile, then, then);
      await store({ lockStaleMs: 1_000 }).open(STREAM);
      expect((await lstat(lockFile)).isSymbolicLink()).toBe(false);
      expect(await readFile(outside, 'utf8')).toBe('precious\n');
    } finally {
      await rm(join(outside, '..'), { recursive: true, force: true });
    }
  });

  it('a takeover cut short (its claim left by a killed process) does not block the next one; claims are removed', async () => {
    const dead = await deadPid();
    await fakeLock({ pid: dead });
    // The killed process had claimed the stale lock (its claim holds its own lock content).
    const me = await thisProcess();
    await writeFile(
      join(dir, 'streamshare.lock.takeover-feedfacecafebeef'),
      JSON.stringify({ ...me, pid: dead, token: '0123456789abcdef', acquiredAt: '' }),
    );
    const s = store();
    await s.open(STREAM);
    expect(await lockOwner()).toMatchObject({ pid: process.pid });
    expect((await readdir(dir)).filter((n) => n.includes('takeover'))).toEqual([]);
  });

  it('a live process taking over the same stale lock: refused after a while, naming it', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      await fakeLock({ pid: await deadPid() });
      const me = await thisProcess();
      await writeFile(
        join(dir, 'streamshare.lock.takeover-feedfacecafebeef'),
        JSON.stringify({
          ...me,
          pid: child.pid,
          processStart: await startTimeOf(child.pid!),
          token: 'abcdef0123456789',
        }),
      );
      const started = Date.now();
      const error = await locked(store().open(STREAM));
      expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
      expect(error.message).toContain(`being taken over by process ${child.pid} on host ${hostname()}`);
    } finally {
      child.kill();
    }
  }, 15_000);
});

describe('FileCheckpointStore directory lock while held', () => {
  it('is refreshed (its modification time) every third of lockStaleMs, so that others see it alive', async () => {
    const s = store({ lockStaleMs: 300 });
    await s.open(STREAM);
    const first = (await lstat(lockFile)).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await lstat(lockFile)).mtimeMs).toBeGreaterThan(first);
  });

  it('taken away (its lock file replaced by that of another process): the next put is refused, nothing more written', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      const s = store({ lockStaleMs: 300 });
      await s.put(STREAM, SHARD, at(1));
      // Another process's lock renamed over this store's (as a takeover does: atomically).
      const me = await thisProcess();
      const theirs = join(dir, 'theirs');
      await writeFile(
        theirs,
        JSON.stringify({
          ...me,
          pid: child.pid,
          processStart: await startTimeOf(child.pid!),
          token: 'abcdef0123456789',
        }),
      );
      await rename(theirs, lockFile);
      await new Promise((resolve) => setTimeout(resolve, 600));
      const journal = await readFile(s.journalOf(STREAM), 'utf8');

      const error = await locked(s.put(STREAM, SHARD, at(2)));
      expect(error.message).toContain('was taken away from this store');
      expect(error.message).toContain(`now held by process ${child.pid} on host ${hostname()}`);
      expect(error.holder?.pid).toBe(child.pid);
      expect(await readFile(s.journalOf(STREAM), 'utf8')).toBe(journal);
      // Its close() leaves the other process's lock alone.
      await s.close();
      expect(await lockOwner()).toMatchObject({ pid: child.pid });
    } finally {
      child.kill();
    }
  });

  it('its file removed by hand and nobody else locking: written again by the holder', async () => {
    const s = store({ lockStaleMs: 300 });
    await s.open(STREAM);
    const { token } = await lockOwner();
    await unlink(lockFile);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await lockOwner()).token).toBe(token);
    await s.put(STREAM, SHARD, at(1));
    await locked(store().open(STREAM));
  });

  it('the directory moved away for a while: the lock comes back with it and stays', async () => {
    const s = store({ lockStaleMs: 300 });
    await s.put(STREAM, SHARD, at(1));
    const { token } = await lockOwner();
    const away = `${dir}.away`;
    await rename(dir, away);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await rename(away, dir);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await lockOwner()).token).toBe(token);
    await s.put(STREAM, SHARD, at(2));
    expect(await store().get(STREAM, SHARD)).toEqual(at(2));
  });
});
