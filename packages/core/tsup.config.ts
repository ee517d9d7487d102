import { packageBuild } from '../../tsup.base.js';

export default packageBuild({
  // p-retry 7 (and its dependency is-network-error) are ESM only: bundle them so that the CJS
  // build can be `require`d on every Node 20 (require(esm) is only there from 20.19/22.12).
  noExternal: ['p-retry', 'is-network-error'],
});
