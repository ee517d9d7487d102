import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Checkpoint, FileCheckpointStore } from '@streamshare/core';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareCheckpoints } from '../src/checkpoint/compare.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const KILLS = 30;

let work: string;
let storeModule: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'streamshare-sigkill-'));
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

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** The writer's step number of a checkpoint (see fixtures-batch/checkpoint-writer.mjs). */
function stepOf(c: Checkpoint): number {
  return (
    Number(BigInt(c.sequenceNumber!) - 49649683864473953433843496278632352517587667908684677122n) * 3 +
    c.subSequenceNumber!
  );
}

/** Starts the writer and resolves once it has written at least once. */
function startWriter(directory: string, start: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [here('./fixtures-batch/checkpoint-writer.mjs'), pathToFileURL(storeModule).href, directory, STREAM, String(start)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', () => resolve(child));
    child.once('exit', (code, signal) => reject(new Error(`writer exited early (${code ?? signal}): ${stderr}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describe('FileCheckpointStore under SIGKILL', () => {
  it(`never leaves a broken or backward checkpoint (${KILLS} kills)`, async () => {
    const directory = join(work, 'checkpoints');
    const reader = new FileCheckpointStore({ directory });
    let previous: Record<string, Checkpoint> = {};
    let restartAt = 0;
    let progressed = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const child = await startWriter(directory, restartAt);
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(Math.random() * 60)));
      child.kill('SIGKILL');
      await killed(child);
      expect(child.signalCode).toBe('SIGKILL');

      // The file always parses (the store throws CHECKPOINT_CORRUPT otherwise) ...
      const raw = await readFile(reader.fileOf(STREAM), 'utf8');
      expect(() => JSON.parse(raw)).not.toThrow();
      const current = await reader.getAll(STREAM);
      expect(Object.keys(current).sort()).toEqual([
        'shardId-000000000000',
        'shardId-000000000001',
        'shardId-000000000002',
      ]);
      // ... and no shard's checkpoint went backwards since the previous kill.
      for (const [shard, checkpoint] of Object.entries(current)) {
        const before = previous[shard];
        if (before !== undefined) {
          expect(compareCheckpoints(checkpoint, before), `${shard} went backwards`).toBeGreaterThanOrEqual(0);
          if (compareCheckpoints(checkpoint, before) > 0) progressed++;
        }
      }
      previous = current;
      // The next writer resumes after what is stored, as a restarted consumer would.
      restartAt = 1 + Math.max(...Object.entries(current).map(([shard, c]) => stepOf(c) - Number(shard.slice(-1))));
    }
    expect(progressed).toBeGreaterThan(0);
    // Temp files of killed writers are swept by the next writer; at most the last one's remain.
    const temps = (await readdir(directory)).filter((n) => n.endsWith('.tmp'));
    expect(temps.length).toBeLessThanOrEqual(1);
  }, 120_000);
});
