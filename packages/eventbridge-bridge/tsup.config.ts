import { commonjsDeps, packageBuild } from '../../tsup.base.js';

const deps = commonjsDeps();

export default packageBuild({ entry: { index: 'src/index.ts', ...deps.entry }, esbuildPlugins: deps.esbuildPlugins });
