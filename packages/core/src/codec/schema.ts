import type { StandardSchemaV1 } from '@standard-schema/spec';
import { describeThrown } from '../errors/thrown.js';
import type { Codec, CodecName } from './codec.js';
import { json } from './json.js';
import { resolveCodec } from './resolve-codec.js';
import { inheritRecordBlind } from './traits.js';

/** A Standard Schema validator rejected a value; `issues` are the validator's own. */
export class SchemaValidationError extends Error {
  readonly issues: readonly StandardSchemaV1.Issue[];

  constructor(issues: readonly StandardSchemaV1.Issue[]) {
    super(`the value does not match the schema: ${formatIssues(issues)}`);
    this.name = 'SchemaValidationError';
    this.issues = issues;
  }
}

function pathOf(issue: StandardSchemaV1.Issue): string {
  if (!issue.path || issue.path.length === 0) return '$';
  let out = '$';
  for (const segment of issue.path) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    out += typeof key === 'number' ? `[${key}]` : `.${describeThrown(key)}`;
  }
  return out;
}

function formatIssue(issue: StandardSchemaV1.Issue): string {
  // A validator is user code: an issue whose fields cannot be read still gives a line.
  try {
    const message = issue.message;
    return `${pathOf(issue)}: ${typeof message === 'string' ? message : describeThrown(message)}`;
  } catch (error) {
    return `an issue that cannot be read (${describeThrown(error)})`;
  }
}

/** `$.a.b[0]: message; $.c: message` (at most 10 issues, then a count). */
export function formatIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  const shown = issues.slice(0, 10).map(formatIssue);
  if (issues.length > 10) shown.push(`and ${issues.length - 10} more`);
  return shown.join('; ');
}

/** Options of {@link schema}. */
export interface SchemaCodecOptions {
  /** The codec whose output is validated, or its name (default `'json'`; e.g. `'gzip'` for gzip JSON). */
  readonly from?: Codec<unknown> | CodecName;
}

function settle<T>(result: StandardSchemaV1.Result<T>): T {
  if (result.issues) throw new SchemaValidationError(result.issues);
  return result.value;
}

/**
 * JSON validated by any Standard Schema validator (zod 4, valibot, arktype, ...), typed with the
 * schema's output. Rejection is an error listing each issue's path and message. Synchronous
 * validators keep decoding synchronous; async ones make it return a Promise.
 *
 * ```ts
 * const Order = z.object({ id: z.string(), amount: z.number() });
 * processBatch(records, handler, { codec: schema(Order) });
 * kinesisHandler(handler, { codec: schema(Order, { from: 'gzip' }) }); // gzip JSON
 * ```
 */
export function schema<S extends StandardSchemaV1>(
  validator: S,
  options: SchemaCodecOptions = {},
): Codec<StandardSchemaV1.InferOutput<S>> {
  type Out = StandardSchemaV1.InferOutput<S>;
  const standard = validator?.['~standard'];
  if (typeof standard?.validate !== 'function') {
    throw new TypeError('schema(validator): the validator does not implement Standard Schema (no ~standard.validate)');
  }
  const from = resolveCodec(options.from ?? json);
  const validate = (value: unknown): Out | Promise<Out> => {
    const result = standard.validate(value) as StandardSchemaV1.Result<Out> | Promise<StandardSchemaV1.Result<Out>>;
    return result instanceof Promise ? result.then(settle) : settle(result);
  };
  const codec: Codec<Out> = {
    name: 'schema',
    decode(data, record, limits) {
      const value = from.decode(data, record, limits);
      return value instanceof Promise ? value.then(validate) : validate(value);
    },
  };
  inheritRecordBlind(codec as Codec<unknown>, from);
  return codec;
}
