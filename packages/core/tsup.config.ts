import { packageBuild } from '../../tsup.base.js';

export default packageBuild({
  // internal: helpers the other streamshare packages share (not public API).
  entry: { index: 'src/index.ts', internal: 'src/internal.ts' },
  // p-retry 7 (and its dependency is-network-error) are ESM only: bundle them so that the CJS
  // build can be `require`d on every Node 20 (require(esm) is only there from 20.19/22.12).
  noExternal: ['p-retry', 'is-network-error'],
  // The CommonJS build shares its chunks between the two entries as the ES build does (esbuild
  // splits ES modules only; tsup's splitting does it for CJS): one copy of each class, so that an
  // error thrown by a helper of the internal entry is an instance of the class the main entry exports.
  splitting: true,
});
