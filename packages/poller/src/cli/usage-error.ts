import { StreamshareError } from '@streamshare/core';

/** Exit code of the CLI for a bad flag, a bad environment variable or a bad handler module. */
export const EXIT_USAGE = 2;
/** Exit code of the CLI for a failure at run time (AccessDenied, stream not found, shutdown timeout). */
export const EXIT_FAILURE = 1;

/**
 * A command line or environment value the CLI cannot use. The message names the flag, its
 * environment variable and the allowed values; the CLI prints it and exits with code 2.
 */
export class UsageError extends StreamshareError {
  /** Process exit code for this error (2). */
  readonly exitCode = EXIT_USAGE;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super('CLI_USAGE', message, options);
  }
}
