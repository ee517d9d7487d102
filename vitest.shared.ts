import { fileURLToPath } from 'node:url';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Tests import the packages' sources directly, so they need no build. */
export const alias = {
  // Before '@streamshare/core', which would otherwise match it as a prefix.
  '@streamshare/core/internal': here('./packages/core/src/internal.ts'),
  '@streamshare/core': here('./packages/core/src/index.ts'),
  '@streamshare/lambda-adapter': here('./packages/lambda-adapter/src/index.ts'),
  '@streamshare/eventbridge-bridge': here('./packages/eventbridge-bridge/src/index.ts'),
  '@streamshare/poller': here('./packages/poller/src/index.ts'),
  '@streamshare/testkit': here('./packages/testkit/src/index.ts'),
};
