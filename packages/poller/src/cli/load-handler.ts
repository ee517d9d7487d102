import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeThrown, isKinesisLambdaHandler, readThrownProperty } from '@streamshare/core/internal';
import { isInstance } from '../errors/instance.js';
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
    readThrownProperty(value, 'kind') === 'batch' &&
    typeof readThrownProperty(value, 'handle') === 'function'
  );
}

/** Classifies an exported value (pure; never throws, whatever the module exports); `undefined` when it is not a handler. */
export function classifyHandler(value: unknown): LoadedHandler | undefined {
  let lambda = false;
  try {
    lambda = isKinesisLambdaHandler(value);
  } catch {
    // a Proxy whose traps throw is no Lambda handler
  }
  if (lambda) return { kind: 'lambda', handler: value as LambdaKinesisHandler };
  if (typeof value === 'function') return { kind: 'record', handler: value as (...args: never[]) => unknown };
  if (isBatchHandler(value)) return { kind: 'batch', handler: value };
  return undefined;
}

function pick(module: Record<string, unknown>, exportName: string): unknown {
  if (exportName in module) {
    const value = module[exportName];
    // CommonJS compiled from ESM (`exports.default = fn`): import() puts module.exports under `default`.
    if (exportName === 'default' && classifyHandler(value) === undefined && typeof value === 'object' && value) {
      const inner = readThrownProperty(value, 'default');
      if (inner !== undefined) return inner;
    }
    return value;
  }
  // CommonJS whose named exports Node could not detect statically: look in module.exports.
  const cjs = module.default;
  if (typeof cjs !== 'object' || cjs === null) return undefined;
  try {
    return exportName in cjs ? readThrownProperty(cjs, exportName) : undefined;
  } catch {
    return undefined;
  }
}

/** Default bound of a handler module's loading (its top-level code and awaits), ms. */
export const DEFAULT_HANDLER_LOAD_TIMEOUT_MS = 30_000;

/** Options of {@link loadHandler}. */
export interface LoadHandlerOptions {
  /**
   * How long the module may take to load, top-level await included (default
   * {@link DEFAULT_HANDLER_LOAD_TIMEOUT_MS}). A top-level await that never settles would otherwise
   * leave the import pending, and the process would exit 0 with no output once nothing else held it.
   */
  readonly timeoutMs?: number;
  /** The flag or variable that sets the bound, for the message (default `--handler-load-timeout-ms`). */
  readonly timeoutSource?: string;
}

/**
 * Imports `url`, rejecting with `'timeout'` after `timeoutMs`. The timer holds the process up while
 * the import is pending (it is what a never-settling top-level await lacks), and is cleared after.
 */
async function importWithin(url: string, timeoutMs: number): Promise<Record<string, unknown> | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    return await Promise.race([import(url) as Promise<Record<string, unknown>>, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** One line: a message that spans lines (a stack, a require stack) is joined with spaces. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Loads the user's handler module with a dynamic import of its file URL (so ESM and CommonJS both
 * work) and returns the export named by `ref`. Throws a {@link UsageError} (one line) that names the
 * file and the exports found when the module is missing, fails to load (whatever it throws), takes
 * longer than `options.timeoutMs` to load, or the export is not a handler.
 */
export async function loadHandler(
  ref: HandlerRef,
  cwd: string,
  source = '--handler',
  options: LoadHandlerOptions = {},
): Promise<LoadedHandler> {
  const file = resolve(cwd, ref.path);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new UsageError(`${source}: no handler module at ${file}`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_HANDLER_LOAD_TIMEOUT_MS;
  let module: Record<string, unknown>;
  try {
    const loaded = await importWithin(pathToFileURL(file).href, timeoutMs);
    if (loaded === 'timeout') {
      throw new UsageError(
        `${source}: the handler module ${file} did not finish loading within ${timeoutMs} ms (a top-level await that never settles?); if it needs longer, raise ${options.timeoutSource ?? '--handler-load-timeout-ms'}`,
      );
    }
    module = loaded;
  } catch (error) {
    if (isInstance(error, UsageError)) throw error;
    throw new UsageError(`${source}: the handler module ${file} failed to load: ${oneLine(describeThrown(error))}`, {
      cause: error,
    });
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
