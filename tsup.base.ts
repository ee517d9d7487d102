import { defineConfig, type Options } from 'tsup';

// STREAMSHARE_BUILD_JS_ONLY=1 (used by `npm run demo`): JavaScript only, no .d.ts, and keep dist/ as it is.
const jsOnly = process.env.STREAMSHARE_BUILD_JS_ONLY === '1';

/** The build every package shares: ESM + CJS + .d.ts for Node 20, with source maps; `overrides` win. */
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
