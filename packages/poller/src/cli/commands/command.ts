import type { FlagDefinition } from '../flags.js';

/** What a subcommand may touch: everything from the outside world comes through here (tests pass fakes). */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Where SIGTERM and SIGINT arrive (the process). */
  readonly signals: {
    on(signal: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
    off(signal: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
  };
}

/** One subcommand of `streamshare`: a module in src/cli/commands/, registered in commands/index.ts. */
export interface Command {
  /** `poll`, `policy`, `doctor`, ... */
  readonly name: string;
  /** One line for `streamshare --help`. */
  readonly summary: string;
  /** Its help text (`streamshare <name> --help`). */
  help(): string;
  /** Runs it; resolves with the process exit code (0 ok, 1 failure, 2 usage). */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** Helper for commands with a flag table: the standard help layout. */
export function commandHelp(options: {
  readonly usage: string;
  readonly description: string;
  readonly flags: string;
  readonly footer?: string;
}): string {
  return [
    `Usage: ${options.usage}`,
    '',
    options.description,
    '',
    'Options (each also read from the environment variable shown; a flag wins over its variable):',
    options.flags,
    ...(options.footer ? ['', options.footer] : []),
    '',
  ].join('\n');
}

/** Re-exported for command modules. */
export type { FlagDefinition };
