import { readFileSync } from 'node:fs';
import type { Options } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * src/deps/commonjs.cts is built on its own (dist/deps.cjs) and every chunk imports it from there:
 * the CommonJS packages it re-exports are then `require`d, not imported by an ES module (see that
 * file for why).
 */
const commonjsDeps: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'streamshare-commonjs-deps',
  setup(build) {
    build.onResolve({ filter: /\/deps\/commonjs\.cjs$/ }, () => ({ path: './deps.cjs', external: true }));
  },
};

export default packageBuild({
  // dist/cli.js is the `streamshare` bin: its source starts with a shebang, which esbuild keeps (and tsup makes executable).
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts', deps: 'src/deps/commonjs.cts' },
  esbuildPlugins: [commonjsDeps],
  // `streamshare --version`
  define: { __STREAMSHARE_VERSION__: JSON.stringify(version) },
});
