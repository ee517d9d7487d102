/**
 * What an append costs the process: the poller writes a checkpoint per page, so the file store's
 * append is on the record path. Each asynchronous file-system call is a round trip through libuv's
 * thread pool (on the project's 2-core VM, 70 to 110 µs of CPU: more than the call itself); the
 * other-writer check that goes with each append is made of synchronous stat calls (a few µs) once
 * the line is in. So a put that appends makes exactly one thread-pool request: its write (plus an
 * fdatasync where the platform has no O_DSYNC). The checks themselves are proved in
 * checkpoint-other-writers.test.ts.
 */
import { createHook } from 'node:async_hooks';
import { constants } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FileCheckpointStore, type SequenceCheckpoint } from '../src/index.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const at = (n: number): SequenceCheckpoint => ({
  sequenceNumber: String(1000 + n),
  subSequenceNumber: 0,
  complete: true,
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamshare-append-cost-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The thread-pool file-system requests (callback and promise APIs) made while `run` runs. */
async function fsRequestsOf(run: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const hook = createHook({
    init(_id, type) {
      if (type.startsWith('FSREQ')) seen.push(type);
    },
  });
  hook.enable();
  try {
    await run();
  } finally {
    hook.disable();
  }
  return seen;
}

it('a put that appends makes one thread-pool request (the write); the other-writer check is synchronous', async () => {
  const store = new FileCheckpointStore({ directory: dir });
  try {
    await store.open(STREAM);
    await store.put(STREAM, 'shardId-000000000000', at(1));
    for (let n = 2; n <= 5; n++) {
      const requests = await fsRequestsOf(() => store.put(STREAM, 'shardId-000000000000', at(n)));
      expect(requests, `put ${n}`).toHaveLength(constants.O_DSYNC === undefined ? 2 : 1);
    }
    // Every put appended a line (none was taken for another writer's and rewritten).
    expect((await readFile(store.journalOf(STREAM), 'utf8')).split('\n').filter(Boolean)).toHaveLength(5);
  } finally {
    await store.close();
  }
});
