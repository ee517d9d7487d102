import { defineConfig, type Options } from 'tsup';

// STREAMSHARE_BUILD_JS_ONLY=1 (used by `npm run demo`): JavaScript only, no .d.ts, and keep dist/ as it is.
const jsOnly = process.env.STREAMSHARE_BUILD_JS_ONLY === '1';

/** The build every package shares: ESM + CJS + .d.ts for Node 20.19+ (the oldest supported; runtimes.json), with source maps; `overrides` win. */
export function packageBuild(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: !jsOnly,
    sourcemap: true,
    clean: !jsOnly,
    target: 'node20',
    ...overrides,
  });
}

/**
 * Builds `src/deps/commonjs.cts` of a package on its own, as `dist/deps.cjs`, and makes every chunk
 * import it from there: the CommonJS packages it re-exports (the AWS SDK clients, ...) are then
 * `require`d, not imported by an ES module, which spares Node lexing them for named exports
 * (tens of ms of start-up and MBs of memory; see packages/poller/src/deps/commonjs.cts).
 */
export function commonjsDeps(): Pick<Options, 'esbuildPlugins'> & { entry: Record<string, string> } {
  const plugin: NonNullable<Options['esbuildPlugins']>[number] = {
    name: 'streamshare-commonjs-deps',
    setup(build) {
      build.onResolve({ filter: /\/deps\/commonjs\.cjs$/ }, () => ({ path: './deps.cjs', external: true }));
    },
  };
  return { entry: { deps: 'src/deps/commonjs.cts' }, esbuildPlugins: [plugin] };
}
