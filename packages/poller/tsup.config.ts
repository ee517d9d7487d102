import { readFileSync } from 'node:fs';
import { commonjsDeps, packageBuild } from '../../tsup.base.js';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };
const deps = commonjsDeps();

export default packageBuild({
  // dist/cli.js is the `streamshare` bin: its source starts with a shebang, which esbuild keeps (and tsup makes executable).
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts', ...deps.entry },
  esbuildPlugins: deps.esbuildPlugins,
  // `streamshare --version`
  define: { __STREAMSHARE_VERSION__: JSON.stringify(version) },
});
