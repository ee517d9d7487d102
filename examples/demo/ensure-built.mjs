#!/usr/bin/env node
// Builds the workspace packages the demo imports (their dist/), only those whose dist is missing or
// older than their sources, with their own `npm run build -w <package>`: in dependency order (a
// package's type build reads the built types of the packages it depends on), packages of the same
// level side by side (each build is mostly single-threaded .d.ts generation).
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What the demo imports (folders under packages/). */
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
 * `packages` grouped in build levels: a package comes after every one of `packages` it depends on
 * (`@streamshare/<name>` in its package.json dependencies).
 * @param {readonly string[]} packages
 * @returns {Promise<string[][]>}
 */
export async function buildLevels(packages) {
  const deps = new Map();
  for (const pkg of packages) {
    const manifest = JSON.parse(await readFile(join(ROOT, 'packages', pkg, 'package.json'), 'utf8'));
    const names = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies, ...manifest.peerDependencies });
    deps.set(
      pkg,
      packages.filter((other) => other !== pkg && names.includes(`@streamshare/${other}`)),
    );
  }
  const levels = [];
  const placed = new Set();
  while (placed.size < packages.length) {
    const level = packages.filter((pkg) => !placed.has(pkg) && deps.get(pkg).every((dep) => placed.has(dep)));
    if (level.length === 0)
      throw new Error(`dependency cycle among ${packages.filter((p) => !placed.has(p)).join(', ')}`);
    for (const pkg of level) placed.add(pkg);
    levels.push(level);
  }
  return levels;
}

async function build(pkg) {
  try {
    await promisify(execFile)('npm', ['run', 'build', '-w', `@streamshare/${pkg}`], {
      cwd: ROOT,
      // JavaScript only: the demo runs dist/*.js; `npm run build` makes the .d.ts files (a minute more).
      env: { ...process.env, STREAMSHARE_BUILD_JS_ONLY: '1' },
      maxBuffer: 32 * 1024 * 1024,
    });
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`npm run build -w @streamshare/${pkg} failed (exit code ${error.code}):\n${output}`);
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
    // Checked again under the lock: another process may have built some meanwhile.
    for (const level of await buildLevels(DEMO_PACKAGES)) {
      const todo = (await Promise.all(level.map(async (pkg) => ((await isStale(pkg)) ? pkg : undefined)))).filter(
        Boolean,
      );
      for (const pkg of todo) options.onBuild?.(pkg);
      const results = await Promise.allSettled(todo.map(build));
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
      built.push(...todo);
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
