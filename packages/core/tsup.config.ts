import { defineConfig } from 'tsup';

// STREAMSHARE_BUILD_JS_ONLY=1 (used by `npm run demo`): JavaScript only, no .d.ts, and keep dist/ as it is.
const jsOnly = process.env.STREAMSHARE_BUILD_JS_ONLY === '1';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: !jsOnly,
  sourcemap: true,
  clean: !jsOnly,
  target: 'node20',
  // p-retry 7 (and its dependency is-network-error) are ESM only: bundle them so that the CJS
  // build can be `require`d on every Node 20 (require(esm) is only there from 20.19/22.12).
  noExternal: ['p-retry', 'is-network-error'],
});
