import type * as Sts from '@aws-sdk/client-sts';
import { loadSts } from '../deps/commonjs.cjs';

/**
 * @aws-sdk/client-sts, loaded on first use (see `loadSts` in deps/commonjs.cts): a poller without
 * `assumeRole` never loads it.
 * @internal
 */
export function stsSdk(): typeof Sts {
  return loadSts() as typeof Sts;
}
