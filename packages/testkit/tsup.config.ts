import { packageBuild } from '../../tsup.base.js';

// Private: used by the tests (from src) and by the demo (from dist), ESM only.
export default packageBuild({ format: ['esm'] });
