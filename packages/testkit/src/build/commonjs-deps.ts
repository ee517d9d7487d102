import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** What {@link checkCommonjsDeps} found wrong in a package's dist/ (every list empty when all is well). */
export interface CommonjsDepsReport {
  /** The ES modules of dist/ that were looked at. */
  readonly esModules: readonly string[];
  /** `file imports package`: an ES module importing one of the CommonJS packages itself. */
  readonly importedDirectly: readonly string[];
  /** The names the ES modules import from ./deps.cjs. */
  readonly imported: readonly string[];
  /** Names imported from ./deps.cjs that it does not have. */
  readonly missing: readonly string[];
  /** Names deps.cjs has, but not as the very object of one of the packages (a second copy). */
  readonly notTheSame: readonly string[];
}

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

/**
 * Checks a package's dist/ built with `commonjsDeps()` (tsup.base.ts): no ES module imports one
 * of `commonjsPackages` itself, and dist/deps.cjs has every name they import from it, as the very
 * object the package exports (functions named `load…` are loaders: they must return the package
 * named in `loaders`).
 */
export function checkCommonjsDeps(
  dist: string,
  commonjsPackages: readonly string[],
  loaders: Readonly<Record<string, string>> = {},
): CommonjsDepsReport {
  // deps.js is the ES build of deps.cjs's entry, which nothing imports.
  const esModules = readdirSync(dist).filter((name) => name.endsWith('.js') && name !== 'deps.js');
  const importedDirectly: string[] = [];
  const imported = new Set<string>();
  for (const file of esModules) {
    for (const { names, from } of staticImports(readFileSync(join(dist, file), 'utf8'))) {
      if (commonjsPackages.includes(from)) importedDirectly.push(`${file} imports ${from}`);
      if (from === './deps.cjs') for (const name of names) imported.add(name);
    }
  }
  const require = createRequire(join(dist, 'index.cjs'));
  const deps = require('./deps.cjs') as Record<string, unknown>;
  const packages = commonjsPackages.map((name) => require(name) as Record<string, unknown>);
  const missing: string[] = [];
  const notTheSame: string[] = [];
  for (const name of imported) {
    const value = deps[name];
    if (value === undefined) {
      missing.push(name);
    } else if (name in loaders) {
      if ((value as () => unknown)() !== require(loaders[name] as string)) notTheSame.push(name);
    } else if (!packages.some((p) => p[name] === value)) {
      notTheSame.push(name);
    }
  }
  return { esModules, importedDirectly, imported: [...imported], missing, notTheSame };
}
