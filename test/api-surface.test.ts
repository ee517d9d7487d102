import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

// A public API a reader can hold in their head (issue 14): each package's main entry exports at most
// so many names. A name is counted once whatever it names (a function, a class, a constant, an
// interface or a type, or a class that is both a value and a type), as TypeScript's checker lists
// the exports of the entry module, `export *` and `export type *` expanded. The entry read is
// packages/<pkg>/src/index.ts, from which the build makes dist/index.d.ts (no build needed here);
// `npm run api:check` compares that .d.ts with the committed report, packages/<pkg>/api/<pkg>.api.md.

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The most names each package's main entry may export. */
const BUDGETS = {
  core: 45,
  poller: 40,
  'lambda-adapter': 25,
  'eventbridge-bridge': 15,
} as const;

type Pkg = keyof typeof BUDGETS;
const PACKAGES = Object.keys(BUDGETS) as Pkg[];

const entryOf = (pkg: string) => join(ROOT, 'packages', pkg, 'src/index.ts');

let program: ts.Program;
let checker: ts.TypeChecker;

/** The exported symbols of a module file, aliases resolved. */
function exportsOf(file: string): ts.Symbol[] {
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`${file} is not in the program`);
  const module = checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`${file} is not a module`);
  return checker.getExportsOfModule(module);
}

const namesOf = (file: string) => exportsOf(file).map((symbol) => symbol.name);

beforeAll(() => {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  if (!config) throw new Error('tsconfig.json could not be read');
  const roots = [...PACKAGES.map(entryOf), join(ROOT, 'packages/core/src/internal.ts')];
  program = ts.createProgram(roots, { ...config.options, noEmit: true });
  checker = program.getTypeChecker();
});

describe('the exported names of each package main entry', () => {
  it.each(PACKAGES)('%s stays within its budget', (pkg) => {
    const names = namesOf(entryOf(pkg)).sort();
    expect(
      names.length,
      `@streamshare/${pkg} exports ${names.length} names, over its budget of ${BUDGETS[pkg]}: export what users ` +
        `call; move helpers the packages share to @streamshare/core/internal; import the rest from its file. ` +
        `Exported: ${names.join(', ')}`,
    ).toBeLessThanOrEqual(BUDGETS[pkg]);
  });

  it.each(PACKAGES)('%s exports nothing tagged @internal', (pkg) => {
    const internal = exportsOf(entryOf(pkg))
      .map((symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol))
      .filter((symbol) => symbol.getJsDocTags(checker).some((tag) => tag.name === 'internal'))
      .map((symbol) => symbol.name);
    expect(internal, `@internal declarations exported by @streamshare/${pkg}'s main entry`).toEqual([]);
  });

  it("core's internal entry exports no name its public entry exports", () => {
    const published = new Set(namesOf(entryOf('core')));
    const both = namesOf(join(ROOT, 'packages/core/src/internal.ts')).filter((name) => published.has(name));
    expect(both, 'names in both @streamshare/core and @streamshare/core/internal').toEqual([]);
  });
});
