import { defineConfig } from 'tsup';

// STREAMSHARE_BUILD_JS_ONLY=1 (used by `npm run demo`): JavaScript only, no .d.ts, and keep dist/ as it is.
const jsOnly = process.env.STREAMSHARE_BUILD_JS_ONLY === '1';

export default defineConfig({
  // dist/cli.js is the `streamshare` bin: its source starts with a shebang, which esbuild keeps (and tsup makes executable).
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
  format: ['esm', 'cjs'],
  dts: !jsOnly,
  sourcemap: true,
  clean: !jsOnly,
  target: 'node20',
});
