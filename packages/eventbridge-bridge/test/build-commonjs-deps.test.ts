/**
 * The built package (dist/, made by `npm test`'s build step): its ES modules load
 * @aws-sdk/client-eventbridge through dist/deps.cjs only (see src/deps/commonjs.cts).
 */
import { fileURLToPath } from 'node:url';
import { checkCommonjsDeps } from '@streamshare/testkit';
import { expect, it } from 'vitest';

it('dist: the ES build reaches @aws-sdk/client-eventbridge through deps.cjs, which has every name it imports', () => {
  const report = checkCommonjsDeps(fileURLToPath(new URL('../dist/', import.meta.url)), [
    '@aws-sdk/client-eventbridge',
  ]);
  expect([...report.imported].sort()).toEqual(['EventBridgeClient', 'PutEventsCommand']);
  expect(report.importedDirectly).toEqual([]);
  expect(report.missing).toEqual([]);
  expect(report.notTheSame).toEqual([]);
});
