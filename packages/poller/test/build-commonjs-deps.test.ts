/**
 * The built package (dist/, made by `npm test`'s build step): its ES modules load the CommonJS
 * packages through dist/deps.cjs only (see src/deps/commonjs.cts), and deps.cjs has every name
 * they import from it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
// deps.js is the ES build of deps.cjs's entry, which nothing imports.
const esModules = readdirSync(dist).filter((name) => name.endsWith('.js') && name !== 'deps.js');
const COMMONJS_PACKAGES = [
  '@aws-sdk/client-kinesis',
  '@aws-sdk/client-sts',
  '@smithy/node-http-handler',
  'pino',
  'prom-client',
];

/** The static imports of an ES module built by esbuild: `import { a, b as c } from "x";`. */
function staticImports(source: string): { names: string[]; from: string }[] {
  return [...source.matchAll(/^import\s*\{([^}]*)\}\s*from\s*"([^"]+)";/gm)].map((m) => ({
    names: (m[1] as string)
      .split(',')
      .map((part) => part.trim().split(/\s+as\s+/)[0] as string)
      .filter(Boolean),
    from: m[2] as string,
  }));
}

describe('dist: CommonJS packages reach the ES build through deps.cjs', () => {
  it('no ES module of dist imports a CommonJS package itself', () => {
    expect(esModules.length).toBeGreaterThan(2);
    for (const file of esModules) {
      const imports = staticImports(readFileSync(join(dist, file), 'utf8'));
      for (const { from } of imports) expect(COMMONJS_PACKAGES, `${file} imports ${from}`).not.toContain(from);
    }
  });

  it('deps.cjs has every name the ES modules import from it, as the package has it', () => {
    const require = createRequire(join(dist, 'index.cjs'));
    const deps = require('./deps.cjs') as Record<string, unknown>;
    const wanted = new Set<string>();
    for (const file of esModules) {
      for (const { names, from } of staticImports(readFileSync(join(dist, file), 'utf8'))) {
        if (from === './deps.cjs') for (const name of names) wanted.add(name);
      }
    }
    expect(wanted.size).toBeGreaterThan(5);
    const packages = COMMONJS_PACKAGES.map((name) => require(name) as Record<string, unknown>);
    for (const name of wanted) {
      expect(deps[name], name).toBeDefined();
      if (name === 'loadPromClient') {
        // A loader: the package itself, on first call.
        expect((deps[name] as () => unknown)()).toBe(require('prom-client'));
        continue;
      }
      // The very object of its package (one copy of each class: instanceof keeps working).
      expect(
        packages.some((p) => p[name] === deps[name]),
        name,
      ).toBe(true);
    }
  });
});
