/**
 * The built package (dist/, made by `npm test`'s build step): its ES modules load the CommonJS
 * packages through dist/deps.cjs only (see src/deps/commonjs.cts), and deps.cjs has every name
 * they import from it.
 */
import { fileURLToPath } from 'node:url';
import { checkCommonjsDeps } from '@streamshare/testkit';
import { expect, it } from 'vitest';

it('dist: the ES build reaches its CommonJS packages through deps.cjs, which has every name it imports', () => {
  const report = checkCommonjsDeps(
    fileURLToPath(new URL('../dist/', import.meta.url)),
    ['@aws-sdk/client-kinesis', '@aws-sdk/client-sts', '@smithy/node-http-handler', 'pino', 'prom-client'],
    { loadPromClient: 'prom-client', loadSts: '@aws-sdk/client-sts' },
  );
  expect(report.esModules.length).toBeGreaterThan(2);
  expect(report.imported.length).toBeGreaterThan(5);
  expect(report.importedDirectly).toEqual([]);
  expect(report.missing).toEqual([]);
  expect(report.notTheSame).toEqual([]);
});
