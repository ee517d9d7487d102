import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isKinesisLambdaHandler } from '@streamshare/core';
import type { LambdaKinesisHandler } from '../poller/options.js';
import { UsageError } from './usage-error.js';
import type { HandlerRef } from './values.js';

/** What `--handler` may name: a record handler, a core batch handler, or a Lambda handler made by kinesisHandler. */
export type LoadedHandler =
  | { readonly kind: 'record'; readonly handler: (...args: never[]) => unknown }
  | { readonly kind: 'batch'; readonly handler: { readonly kind: 'batch'; handle(...args: never[]): unknown } }
  | { readonly kind: 'lambda'; readonly handler: LambdaKinesisHandler };

function isBatchHandler(value: unknown): value is { kind: 'batch'; handle(...args: never[]): unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'batch' &&
    typeof (value as { handle?: unknown }).handle === 'function'
  );
}

/** Classifies an exported value (pure); `undefined` when it is not a handler. */
export function classifyHandler(value: unknown): LoadedHandler | undefined {
  if (isKinesisLambdaHandler(value)) return { kind: 'lambda', handler: value as LambdaKinesisHandler };
  if (typeof value === 'function') return { kind: 'record', handler: value as (...args: never[]) => unknown };
  if (isBatchHandler(value)) return { kind: 'batch', handler: value };
  return undefined;
}

function pick(module: Record<string, unknown>, exportName: string): unknown {
  if (exportName in module) {
    const value = module[exportName];
    // CommonJS compiled from ESM (`exports.default = fn`): import() puts module.exports under `default`.
    if (exportName === 'default' && classifyHandler(value) === undefined && typeof value === 'object' && value) {
      const inner = (value as Record<string, unknown>).default;
      if (inner !== undefined) return inner;
    }
    return value;
  }
  // CommonJS whose named exports Node could not detect statically: look in module.exports.
  const cjs = module.default;
  if (typeof cjs === 'object' && cjs !== null && exportName in cjs) return (cjs as Record<string, unknown>)[exportName];
  return undefined;
}

/**
 * Loads the user's handler module with a dynamic import of its file URL (so ESM and CommonJS both
 * work) and returns the export named by `ref`. Throws a {@link UsageError} that names the file and
 * the exports found when the module is missing, fails to load, or the export is not a handler.
 */
export async function loadHandler(ref: HandlerRef, cwd: string, source = '--handler'): Promise<LoadedHandler> {
  const file = resolve(cwd, ref.path);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new UsageError(`${source}: no handler module at ${file}`);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${source}: the handler module ${file} failed to load: ${why}`, { cause: error });
  }
  const value = pick(module, ref.exportName);
  const exports = Object.keys(module).filter((name) => name !== '__esModule');
  if (value === undefined) {
    throw new UsageError(
      `${source}: ${file} has no export ${JSON.stringify(ref.exportName)} (it exports: ${exports.join(', ') || 'nothing'}); name one with PATH#EXPORT`,
    );
  }
  const handler = classifyHandler(value);
  if (handler === undefined) {
    throw new UsageError(
      `${source}: export ${JSON.stringify(ref.exportName)} of ${file} is a ${value === null ? 'null' : typeof value}, not a handler: expected a function (record, context) => ..., a batch handler ({ kind: 'batch', handle }), or a Lambda handler made by kinesisHandler`,
    );
  }
  return handler;
}
