/** Helpers of the tests that run `streamshare poll` against a Kinesis endpoint: records, starting CLIs, waiting on them. */
import { type CliProcess, spawnCli } from './cli-process.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` JSON records `{ i }` from `from` on, each with its own partition key (`key-<i>`). */
export function jsonRecords(count: number, from = 0) {
  return Array.from({ length: count }, (_, k) => ({
    data: JSON.stringify({ i: from + k }),
    partitionKey: `key-${from + k}`,
  }));
}

/** Starts `streamshare poll` processes in `cwd` and keeps those still running, to kill at the end. */
export function pollRunner(cwd: string): {
  start(args: string[], env: Record<string, string>): CliProcess;
  killAll(): void;
} {
  const running = new Set<CliProcess>();
  return {
    start(args, env) {
      const cli = spawnCli(['poll', ...args], env, cwd);
      running.add(cli);
      void cli.exited.then(() => running.delete(cli));
      return cli;
    },
    killAll() {
      for (const cli of running) cli.child.kill('SIGKILL');
    },
  };
}

/** Waits until `check()` holds, polling; after `timeoutMs`, throws with the end of `cli`'s output. */
export async function waitForCli(
  what: string,
  check: () => boolean,
  timeoutMs: number,
  cli?: CliProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}${cli ? `\nstdout:\n${cli.stdout().slice(-3000)}\nstderr:\n${cli.stderr().slice(-3000)}` : ''}`,
      );
    }
    await sleep(50);
  }
}
