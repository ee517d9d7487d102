import type { CliIo } from '../../src/cli/commands/index.js';

/** A CliIo that keeps what the CLI writes, for running `runCli` in process. */
export function memoryIo(cwd: string = process.cwd()): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      env: {},
      cwd,
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      signals: { on: () => undefined, off: () => undefined },
    },
    out: () => out,
    err: () => err,
  };
}
