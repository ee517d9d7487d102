#!/usr/bin/env node
// Builds the workspace packages the demo imports (their dist/), only those whose dist is missing or
// older than their sources: `npm run build -w <package>`, one at a time in dependency order (a
// package's type build reads the types of the packages it depends on).
import { execFile } from 'node:child_process';
import { mkdir, readdir, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What the demo imports, in build order. */
export const DEMO_PACKAGES = ['core', 'testkit', 'lambda-adapter', 'eventbridge-bridge', 'poller'];

// The same lock directory as the poller's CLI tests (packages/poller/test/fixtures-cli/ensure-built.ts),
// so that test runs never build one package twice at the same time (tsup cleans dist/ first).
const LOCK = join(tmpdir(), 'streamshare-cli-test-build.lock');
const LOCK_STALE_MS = 180_000;
const LOCK_WAIT_MS = 300_000;

async function newest(path) {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let max = 0;
  for (const entry of await readdir(path)) max = Math.max(max, await newest(join(path, entry)));
  return max;
}

/** True when `packages/<pkg>/dist/index.js` is missing or older than its sources or build settings. */
export async function isStale(pkg) {
  const dir = join(ROOT, 'packages', pkg);
  const built = await stat(join(dir, 'dist/index.js')).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const sources = Math.max(
    await newest(join(dir, 'src')),
    await newest(join(dir, 'package.json')),
    await newest(join(dir, 'tsup.config.ts')),
  );
  return built < sources;
}

async function lock() {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(LOCK);
      return;
    } catch {
      const age = await stat(LOCK).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > LOCK_STALE_MS) await rmdir(LOCK).catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`gave up waiting for the build lock ${LOCK} (another build?)`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * Builds the stale packages of {@link DEMO_PACKAGES}.
 * @param {{ onBuild?: (pkg: string) => void }} [options] `onBuild` is told before each build
 * @returns {Promise<string[]>} the packages built
 */
export async function ensureBuilt(options = {}) {
  const stale = async () => {
    const flags = await Promise.all(DEMO_PACKAGES.map(isStale));
    return DEMO_PACKAGES.filter((_, i) => flags[i]);
  };
  if ((await stale()).length === 0) return [];
  await lock();
  const built = [];
  try {
    // Checked again under the lock, one by one: another process may have built some meanwhile.
    for (const pkg of DEMO_PACKAGES) {
      if (!(await isStale(pkg))) continue;
      options.onBuild?.(pkg);
      try {
        await promisify(execFile)('npm', ['run', 'build', '-w', `@streamshare/${pkg}`], {
          cwd: ROOT,
          maxBuffer: 32 * 1024 * 1024,
        });
      } catch (error) {
        const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
        throw new Error(`npm run build -w @streamshare/${pkg} failed (exit code ${error.code}):\n${output}`);
      }
      built.push(pkg);
    }
  } finally {
    await rmdir(LOCK).catch(() => undefined);
  }
  return built;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = await ensureBuilt({ onBuild: (pkg) => process.stdout.write(`building @streamshare/${pkg}\n`) });
  process.stdout.write(built.length ? `built ${built.join(', ')}\n` : 'all built\n');
}
