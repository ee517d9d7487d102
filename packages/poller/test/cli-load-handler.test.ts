import { fileURLToPath } from 'node:url';
import { KINESIS_LAMBDA_HANDLER } from '@streamshare/core';
import { describe, expect, it } from 'vitest';
import { classifyHandler, loadHandler } from '../src/cli/load-handler.js';
import { UsageError } from '../src/cli/usage-error.js';

const fixtures = fileURLToPath(new URL('./fixtures-cli/', import.meta.url));

describe('--handler loading', () => {
  it('loads an ESM default export as a record handler', async () => {
    const loaded = await loadHandler({ path: 'record-handler.mjs', exportName: 'default' }, fixtures);
    expect(loaded.kind).toBe('record');
  });

  it('loads a named CommonJS export', async () => {
    const loaded = await loadHandler({ path: 'record-handler.cjs', exportName: 'handle' }, fixtures);
    expect(loaded.kind).toBe('record');
  });

  it('unwraps exports.default of CommonJS compiled from ESM', async () => {
    const loaded = await loadHandler({ path: 'compiled-default.cjs', exportName: 'default' }, fixtures);
    expect(loaded.kind).toBe('record');
  });

  it('recognises a core batch handler and a kinesisHandler-made Lambda handler', async () => {
    expect((await loadHandler({ path: 'batch-handler.mjs', exportName: 'batch' }, fixtures)).kind).toBe('batch');
    const lambda = Object.assign(async () => ({ batchItemFailures: [] }), { [KINESIS_LAMBDA_HANDLER]: true });
    expect(classifyHandler(lambda)?.kind).toBe('lambda');
    expect(classifyHandler(async () => undefined)?.kind).toBe('record');
    expect(classifyHandler({ handle: () => undefined })).toBeUndefined();
  });

  it('names the file and the exports found when the export is missing or not a handler', async () => {
    const missing = loadHandler({ path: 'record-handler.mjs', exportName: 'nope' }, fixtures, 'STREAMSHARE_HANDLER');
    await expect(missing).rejects.toThrow(UsageError);
    await expect(missing).rejects.toThrow(
      /STREAMSHARE_HANDLER: .*record-handler\.mjs has no export "nope" \(it exports: default, notAHandler\)/,
    );
    await expect(loadHandler({ path: 'record-handler.mjs', exportName: 'notAHandler' }, fixtures)).rejects.toThrow(
      /export "notAHandler" of .* is a number, not a handler/,
    );
  });

  it('names the path of a missing module and the cause of a module that throws', async () => {
    await expect(loadHandler({ path: 'absent.mjs', exportName: 'default' }, fixtures)).rejects.toThrow(
      /--handler: no handler module at .*absent\.mjs/,
    );
    await expect(loadHandler({ path: 'broken.mjs', exportName: 'default' }, fixtures)).rejects.toThrow(
      /failed to load: top-level failure in the handler module/,
    );
  });
});
