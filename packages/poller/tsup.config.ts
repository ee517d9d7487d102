import { defineConfig } from 'tsup';

export default defineConfig({
  // dist/cli.js is the `streamshare` bin: its source starts with a shebang, which esbuild keeps (and tsup makes executable).
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
