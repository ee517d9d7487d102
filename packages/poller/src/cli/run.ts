import { describeThrown, readThrownProperty } from '@streamshare/core/internal';
import { isInstance } from '../errors/instance.js';
import { type CliIo, COMMANDS, type Command } from './commands/index.js';
import { EXIT_FAILURE, EXIT_USAGE, UsageError } from './usage-error.js';

/** `streamshare --help`. */
export function mainHelp(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'Usage: streamshare <command> [options]',
    '',
    'Consumer runtime for Amazon Kinesis Data Streams shared across AWS accounts and regions.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Run `streamshare <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

/** One line: text that spans lines is joined with spaces. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * What the CLI prints of an error no command turned into an exit code (a bug): an Error's stack (for
 * the report), anything else described in one line. Never throws.
 */
export function describeUnexpected(error: unknown): string {
  const stack = isInstance(error, Error) ? readThrownProperty(error, 'stack') : undefined;
  return typeof stack === 'string' && stack !== '' ? stack : oneLine(describeThrown(error));
}

/**
 * Runs the `streamshare` command line (argv without node and the script) and resolves with the exit
 * code: 0 ok, 1 failure at run time, 2 usage error (bad flag, variable or handler module, or a
 * checkpoint directory, metrics port or host a flag names that cannot be used). Usage errors are
 * printed to stderr as one line naming the flag or variable at fault.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  commands: readonly Command[] = COMMANDS,
  /** Printed by `--version`. */
  version = 'dev',
): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr.write(mainHelp(commands));
    return EXIT_USAGE;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(topic ? topic.help() : mainHelp(commands));
    return 0;
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${version}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === first);
  if (command === undefined) {
    io.stderr.write(
      `streamshare: unknown command ${JSON.stringify(first)}; commands: ${commands.map((c) => c.name).join(', ')}. Run streamshare --help.\n`,
    );
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (isInstance(error, UsageError)) {
      io.stderr.write(`streamshare ${command.name}: ${oneLine(error.message)}\n`);
      return error.exitCode;
    }
    io.stderr.write(`streamshare ${command.name}: ${describeUnexpected(error)}\n`);
    return EXIT_FAILURE;
  }
}
