import { execFile } from 'node:child_process';
import { mkdir, readdir, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** The built `streamshare` executable. */
export const CLI = join(ROOT, 'packages/poller/dist/cli.js');

/** Packages the CLI process needs built, in build order (the fixtures import the lambda adapter). */
const PACKAGES = ['core', 'lambda-adapter', 'poller'] as const;
const LOCK = join(tmpdir(), 'streamshare-cli-test-build.lock');

async function newest(dir: string): Promise<number> {
  let max = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? await newest(path) : (await stat(path)).mtimeMs);
  }
  return max;
}

async function stale(pkg: string): Promise<boolean> {
  const dir = join(ROOT, 'packages', pkg);
  const outputs = pkg === 'poller' ? ['dist/index.js', 'dist/cli.js'] : ['dist/index.js'];
  const built = await Promise.all(
    outputs.map((out) =>
      stat(join(dir, out)).then(
        (s) => s.mtimeMs,
        () => 0,
      ),
    ),
  );
  return Math.min(...built) < (await newest(join(dir, 'src')));
}

async function lock(): Promise<void> {
  const deadline = Date.now() + 240_000;
  for (;;) {
    try {
      await mkdir(LOCK);
      return;
    } catch {
      const age = await stat(LOCK).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > 180_000) await rmdir(LOCK).catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`gave up waiting for the build lock ${LOCK}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * Builds core, lambda-adapter and poller with `npm run build -w` when their dist is missing or older
 * than their sources (the root `npm test` builds first, so then this does nothing). Test files run
 * in parallel: a lock directory makes one build at a time, and each package is checked again under it.
 */
export async function ensureBuilt(): Promise<void> {
  const needed = async () => (await Promise.all(PACKAGES.map(stale))).some(Boolean);
  if (!(await needed())) return;
  await lock();
  try {
    for (const pkg of PACKAGES) {
      if (await stale(pkg)) {
        await promisify(execFile)('npm', ['run', 'build', '-w', `@streamshare/${pkg}`], {
          cwd: ROOT,
          maxBuffer: 16 * 1024 * 1024,
        });
      }
    }
  } finally {
    await rmdir(LOCK).catch(() => undefined);
  }
}
