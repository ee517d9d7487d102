/**
 * One process per checkpoint directory, enforced with real processes: writers of different shards of
 * one stream racing on one directory (before the lock, one of them lost acknowledged checkpoints of
 * the other without an error, in 3 runs of 3), a writer killed with SIGKILL whose lock a restart
 * takes over at once, and several restarts racing for that stale lock.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Checkpoint, FileCheckpointStore } from '../src/index.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const PUTS = 300;

let work: string;
let storeModule: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'streamshare-lock-'));
  // Vitest's aliases do not reach a child process: bundle the store from the sources for it.
  storeModule = join(work, 'store.mjs');
  await build({
    entryPoints: [here('../src/checkpoint/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: storeModule,
    logLevel: 'silent',
  });
});

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill();
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** What a writer reported (see fixtures-batch/checkpoint-shard-writer.mjs). */
interface Report {
  readonly event: 'written' | 'failed' | 'closed';
  readonly pid: number;
  readonly acknowledged?: Checkpoint | null;
  readonly error?: { readonly name?: string; readonly code?: string; readonly message?: string };
}

interface Writer {
  readonly child: ChildProcess;
  /** Its first report: `written` (it holds the directory until {@link finish}) or `failed`. */
  readonly first: Promise<Report>;
  /** Lets it close its store and exit; resolves to its exit code. */
  finish(): Promise<number | null>;
}

/** Starts a child writing `count` checkpoints of `shard` into `directory`, from `startAt` (epoch ms). */
function startWriter(directory: string, shard: string, count: number, startAt: number): Writer {
  const child = spawn(
    process.execPath,
    [
      here('./fixtures-batch/checkpoint-shard-writer.mjs'),
      pathToFileURL(storeModule).href,
      directory,
      STREAM,
      shard,
      String(count),
      String(startAt),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const first = new Promise<Report>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) resolve(JSON.parse(line) as Report);
    });
    void exited.then((code) => reject(new Error(`writer of ${shard} exited (${code}) without a report: ${stderr}`)));
  });
  // A writer killed before it reported is awaited through finish(), not first.
  first.catch(() => undefined);
  return {
    child,
    first,
    finish: () => {
      child.stdin?.end();
      return exited;
    },
  };
}

async function lockHeldBy(lockFile: string, pid: number | undefined): Promise<void> {
  for (;;) {
    const text = await readFile(lockFile, 'utf8').catch(() => '');
    if (text.includes(`"pid":${pid}`)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('FileCheckpointStore: one process per directory, enforced', () => {
  it('two processes on different shards of one stream, one directory: one is refused at open, nothing acknowledged is lost', async () => {
    for (let round = 0; round < 3; round++) {
      const directory = join(work, `race-${round}`);
      const startAt = Date.now() + 700;
      const writers = [0, 1].map((k) => startWriter(directory, `shardId-00000000000${k}`, PUTS, startAt));
      // Both have either written everything (holding the directory still) or been refused.
      const reports = await Promise.all(writers.map((w) => w.first));
      await Promise.all(writers.map((w) => w.finish()));
      const onDisk = await new FileCheckpointStore({ directory }).getAll(STREAM);

      // Every checkpoint a put acknowledged is on disk (before the lock: one was lost, 3 runs of 3).
      for (const [k, report] of reports.entries()) {
        const shard = `shardId-00000000000${k}`;
        if (report.acknowledged) expect(onDisk[shard], `round ${round}: ${shard}`).toEqual(report.acknowledged);
      }
      // Exactly one of them was refused, loudly, at open, before acknowledging anything.
      const refused = reports.filter((r) => r.event === 'failed');
      const ran = reports.filter((r) => r.event === 'written');
      expect(refused, `round ${round}: ${JSON.stringify(reports)}`).toHaveLength(1);
      expect(ran).toHaveLength(1);
      expect(ran[0]!.acknowledged).toEqual({
        sequenceNumber: String(1000 + PUTS),
        subSequenceNumber: 0,
        complete: true,
      });
      const { error, acknowledged } = refused[0]!;
      expect(acknowledged).toBeNull();
      expect(error?.name).toBe('CheckpointLockedError');
      expect(error?.code).toBe('CHECKPOINT_LOCKED');
      // The message names the directory and the process holding it.
      expect(error?.message).toContain(directory);
      expect(error?.message).toContain(`process ${ran[0]!.pid} on host ${hostname()}`);
    }
  }, 90_000);

  it('a writer killed with SIGKILL: a restarted store takes over its lock at once', async () => {
    const directory = join(work, 'killed');
    const lockFile = join(directory, 'streamshare.lock');
    const writer = startWriter(directory, 'shardId-000000000000', 1_000_000, Date.now());
    // Killed once it holds the lock and has written a while.
    await lockHeldBy(lockFile, writer.child.pid);
    await new Promise((resolve) => setTimeout(resolve, 100));
    writer.child.kill('SIGKILL');
    await writer.finish();

    // The dead process's lock is still there, but does not stop a restart.
    expect(await readFile(lockFile, 'utf8')).toContain(`"pid":${writer.child.pid}`);
    const restarted = new FileCheckpointStore({ directory });
    const before = await restarted.get(STREAM, 'shardId-000000000000');
    expect(before).toBeDefined();
    const started = Date.now();
    await restarted.open(STREAM);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({ pid: process.pid, hostname: hostname() });
    const next = { sequenceNumber: String(BigInt(before!.sequenceNumber!) + 1n), subSequenceNumber: 0, complete: true };
    await restarted.put(STREAM, 'shardId-000000000000', next);

    // While it holds the lock, another process is refused, naming this one.
    const second = startWriter(directory, 'shardId-000000000001', 1, Date.now());
    const report = await second.first;
    expect(report.error?.code).toBe('CHECKPOINT_LOCKED');
    expect(report.error?.message).toContain(`process ${process.pid} on host ${hostname()}`);
    expect(await second.finish()).toBe(3);
    await restarted.close();
    // Released on close: the lock file is gone, and the next process gets the directory.
    await expect(readFile(lockFile)).rejects.toMatchObject({ code: 'ENOENT' });
    const third = startWriter(directory, 'shardId-000000000001', 3, Date.now());
    expect((await third.first).acknowledged?.sequenceNumber).toBe('1003');
    expect(await third.finish()).toBe(0);
    expect(await new FileCheckpointStore({ directory }).getAll(STREAM)).toMatchObject({
      'shardId-000000000000': next,
      'shardId-000000000001': { sequenceNumber: '1003' },
    });
  }, 60_000);

  it('several restarts racing to take over one stale lock: exactly one wins', async () => {
    for (let round = 0; round < 3; round++) {
      const directory = join(work, `stale-race-${round}`);
      const lockFile = join(directory, 'streamshare.lock');
      // A writer killed with its lock held.
      const dead = startWriter(directory, 'shardId-000000000000', 1_000_000, Date.now());
      await lockHeldBy(lockFile, dead.child.pid);
      dead.child.kill('SIGKILL');
      await dead.finish();

      const startAt = Date.now() + 700;
      const racers = [1, 2, 3].map((k) => startWriter(directory, `shardId-00000000000${k}`, 50, startAt));
      const reports = await Promise.all(racers.map((r) => r.first));
      await Promise.all(racers.map((r) => r.finish()));
      const winners = reports.filter((r) => r.event === 'written');
      expect(winners, `round ${round}: ${JSON.stringify(reports)}`).toHaveLength(1);
      for (const loser of reports.filter((r) => r.event !== 'written')) {
        expect(loser.error?.code).toBe('CHECKPOINT_LOCKED');
        expect(loser.error?.message).toContain(`process ${winners[0]!.pid} on host ${hostname()}`);
        expect(loser.acknowledged).toBeNull();
      }
      const onDisk = await new FileCheckpointStore({ directory }).getAll(STREAM);
      const k = reports.indexOf(winners[0]!) + 1;
      expect(onDisk[`shardId-00000000000${k}`]).toEqual(winners[0]!.acknowledged);
    }
  }, 90_000);
});
