#!/usr/bin/env node
import { runCli } from './run.js';

/** The `streamshare` executable: runs the CLI, then exits with its code (open sockets and timers do not hold it). */
runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  signals: process,
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`streamshare: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
