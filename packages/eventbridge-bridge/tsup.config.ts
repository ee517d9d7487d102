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
});
