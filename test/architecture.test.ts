// ARCHITECTURE.md matches the code: every source path it names exists, and every folder of core's
// record path (packages/core/src) is in its table of stages, so that moving a module shows here.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const text = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');

describe('ARCHITECTURE.md', () => {
  it('names only source paths that exist', () => {
    const named = [
      ...text.matchAll(/`((?:core|poller|lambda-adapter|eventbridge-bridge)\/(?:src|test)\/[^`\s]+)`/g),
    ].map((m) => m[1] as string);
    expect(named.length).toBeGreaterThan(10);
    const missing = named.filter((path) => !existsSync(join(ROOT, 'packages', path)));
    expect(missing).toEqual([]);
  });

  it("lists every folder of core's src in its table of stages, and each file it names there exists", () => {
    const src = join(ROOT, 'packages/core/src');
    const folders = readdirSync(src).filter((name) => statSync(join(src, name)).isDirectory());
    const table = text.slice(text.indexOf('| folder | stage |'), text.indexOf('The transports only build a source'));
    const listed = [...table.matchAll(/^\| `([a-z-]+)\/` \|/gm)].map((m) => m[1] as string);
    const stages = ['source', 'normalize', 'expand', 'decode', 'handle', 'settle'];
    // The record path's stages, in order, then the folders around them.
    expect(listed.slice(0, 6)).toEqual(stages);
    const around = ['aws', 'checkpoint', 'envelope', 'errors', 'lambda-format', 'logging', 'record'];
    expect(folders.filter((f) => !listed.includes(f) && !around.includes(f))).toEqual([]);
    for (const row of table.split('\n')) {
      const folder = /^\| `([a-z-]+)\/` \|/.exec(row)?.[1];
      if (folder === undefined) continue;
      for (const file of row.matchAll(/`([a-z-]+\.ts)`/g)) {
        expect(existsSync(join(src, folder, file[1] as string)), `${folder}/${file[1]}`).toBe(true);
      }
    }
  });
});
