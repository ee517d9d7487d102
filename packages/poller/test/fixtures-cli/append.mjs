// Appends one JSON line per record to $CLI_TEST_OUTPUT, fsynced before the handler returns, so a
// SIGKILL right after cannot lose a line the poller might already have checkpointed.
import { fsyncSync, openSync, writeSync } from 'node:fs';

const output = process.env.CLI_TEST_OUTPUT;
if (!output) throw new Error('CLI_TEST_OUTPUT is not set');
const fd = openSync(output, 'a');
const delayMs = Number(process.env.CLI_TEST_DELAY_MS ?? 0);

export async function append(record, via) {
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  const line = {
    pid: process.pid,
    via,
    shardId: record.shardId,
    seq: record.sequenceNumber,
    data: record.data,
    at: Date.now(),
  };
  writeSync(fd, `${JSON.stringify(line)}\n`);
  fsyncSync(fd);
}
