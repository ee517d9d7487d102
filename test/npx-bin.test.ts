import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../packages/poller/test/fixtures-cli/ensure-built.js';

// `npx streamshare …` in a clone: npm links a workspace's bin at `npm ci` time only if the file
// exists then, so the bin is a committed file (packages/poller/bin/streamshare.js) that runs the
// built dist/cli.js. This runs the link npm made in this checkout's node_modules/.bin.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const env = { PATH: process.env.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true', NO_COLOR: '1' };

describe('the streamshare bin in a clone', () => {
  beforeAll(async () => {
    await ensureBuilt();
  });

  it('is linked by npm into node_modules/.bin, to the committed bin file', () => {
    const linked = realpathSync(join(ROOT, 'node_modules/.bin/streamshare'));
    expect(linked).toBe(realpathSync(join(ROOT, 'packages/poller/bin/streamshare.js')));
  });

  it('runs `streamshare --help` through the link, exit 0', async () => {
    const { stdout, stderr } = await run(join(ROOT, 'node_modules/.bin/streamshare'), ['--help'], { cwd: ROOT, env });
    expect(stdout).toMatch(/streamshare/);
    expect(stdout).toMatch(/\bpoll\b/);
    expect(stderr).toBe('');
  });

  it('runs through `npx --no-install streamshare --help`, as the README says', async () => {
    const { stdout } = await run('npx', ['--no-install', 'streamshare', '--help'], { cwd: ROOT, env });
    expect(stdout).toMatch(/\bpoll\b/);
  });

  it('says in one line to run `npm run build` when dist/ is missing, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamshare-bin-'));
    try {
      mkdirSync(join(dir, 'bin'));
      copyFileSync(join(ROOT, 'packages/poller/bin/streamshare.js'), join(dir, 'bin/streamshare.js'));
      copyFileSync(join(ROOT, 'packages/poller/package.json'), join(dir, 'package.json'));
      const failure = await run(process.execPath, [join(dir, 'bin/streamshare.js'), '--help'], { env }).then(
        () => undefined,
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stdout).toBe('');
      expect(failure?.stderr.trim().split('\n')).toHaveLength(1);
      expect(failure?.stderr).toContain('npm run build');
      expect(failure?.stderr).toContain(join(dir, 'dist/cli.js'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
