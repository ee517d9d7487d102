import { parseArgs } from 'node:util';
import { describeThrown } from '@streamshare/core/internal';
import { UsageError } from './usage-error.js';

/** One flag of a subcommand. String flags are also read from `STREAMSHARE_<UPPER_SNAKE>`. */
export interface FlagDefinition {
  /** Kebab-case name without dashes, e.g. `stream-arn`. */
  readonly name: string;
  readonly type: 'string' | 'boolean';
  /** Placeholder shown in the help, e.g. `ARN`. */
  readonly value?: string;
  /** One or two sentences for the help. */
  readonly description: string;
  /** The default, as the help shows it. */
  readonly defaultText?: string;
  readonly required?: boolean;
  /** Read from the environment too (default: true for string flags, false for boolean flags). */
  readonly env?: boolean;
  /**
   * A string flag that may be given several times (its values in {@link RawFlags.lists}); read from the
   * environment (one value) only when `env` is true, and only when the flag is not given.
   */
  readonly multiple?: boolean;
}

/** A flag's raw value and where it came from (`--stream-arn` or `STREAMSHARE_STREAM_ARN`), for messages. */
export interface RawValue {
  readonly value: string;
  readonly source: string;
}

/** What {@link readFlags} found: string values by flag name, and the boolean flags set. */
export interface RawFlags {
  readonly values: ReadonlyMap<string, RawValue>;
  readonly switches: ReadonlySet<string>;
  /** Every value of each flag defined with `multiple`, in the order given. */
  readonly lists?: ReadonlyMap<string, readonly RawValue[]>;
}

/** Prefix of every environment variable the CLI reads. */
export const ENV_PREFIX = 'STREAMSHARE_';

/** The environment variable of a flag: `stream-arn` -> `STREAMSHARE_STREAM_ARN`. */
export function envNameOf(flag: string): string {
  return ENV_PREFIX + flag.toUpperCase().replaceAll('-', '_');
}

function readsEnv(def: FlagDefinition): boolean {
  return def.multiple === true ? def.env === true : (def.env ?? def.type === 'string');
}

/**
 * Reads the flags of a subcommand from its arguments and the environment (a flag wins over its
 * variable; an empty variable counts as unset). Pure: throws {@link UsageError} for an unknown flag,
 * a missing value or a stray positional argument. Values are not validated here.
 */
export function readFlags(
  defs: readonly FlagDefinition[],
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): RawFlags {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const def of defs) options[def.name] = def.multiple ? { type: def.type, multiple: true } : { type: def.type };
  if (options.help) options.help = { type: 'boolean', short: 'h' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError(`${describeThrown(error)}. Run with --help to list the flags.`, { cause: error });
  }
  const values = new Map<string, RawValue>();
  const switches = new Set<string>();
  const lists = new Map<string, RawValue[]>();
  for (const def of defs) {
    const given = parsed.values[def.name];
    if (Array.isArray(given)) {
      const all = given.filter((v): v is string => typeof v === 'string');
      lists.set(
        def.name,
        all.map((value) => ({ value, source: `--${def.name}` })),
      );
      if (all.length > 0) {
        values.set(def.name, { value: all[all.length - 1]!, source: `--${def.name}` });
        continue;
      }
    }
    if (def.type === 'boolean') {
      if (given === true) switches.add(def.name);
      continue;
    }
    if (typeof given === 'string') {
      values.set(def.name, { value: given, source: `--${def.name}` });
      continue;
    }
    if (readsEnv(def)) {
      const name = envNameOf(def.name);
      const fromEnv = env[name];
      if (fromEnv !== undefined && fromEnv !== '') {
        values.set(def.name, { value: fromEnv, source: name });
        if (def.multiple === true) lists.set(def.name, [{ value: fromEnv, source: name }]);
      }
    }
  }
  return { values, switches, lists };
}

/** `--flag` or `--flag / ENV_NAME`, for messages about a missing value. */
export function flagLabel(def: Pick<FlagDefinition, 'name' | 'type' | 'env'>): string {
  return readsEnv(def as FlagDefinition) ? `--${def.name} (or ${envNameOf(def.name)})` : `--${def.name}`;
}

/** Formats the flag table of a help text. */
export function formatFlags(defs: readonly FlagDefinition[]): string {
  const lines: string[] = [];
  for (const def of defs) {
    const head = `  --${def.name}${def.value ? ` ${def.value}` : ''}`;
    const tags: string[] = [];
    if (readsEnv(def)) tags.push(`env ${envNameOf(def.name)}`);
    if (def.required) tags.push('required');
    if (def.defaultText !== undefined) tags.push(`default ${def.defaultText}`);
    lines.push(tags.length > 0 ? `${head.padEnd(36)} [${tags.join('; ')}]` : head);
    for (const line of wrap(def.description, 72)) lines.push(`      ${line}`);
  }
  return lines.join('\n');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
