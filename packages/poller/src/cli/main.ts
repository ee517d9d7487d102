#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { COMMANDS } from './commands/index.js';
import { describeUnexpected, runCli } from './run.js';

/** The package version, from the package.json beside dist/ (`dev` when run from elsewhere). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'dev';
  }
}

/** The `streamshare` executable: runs the CLI, then exits with its code (open sockets and timers do not hold it). */
runCli(
  process.argv.slice(2),
  {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    signals: process,
  },
  COMMANDS,
  packageVersion(),
).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`streamshare: ${describeUnexpected(error)}\n`);
    process.exit(1);
  },
);
