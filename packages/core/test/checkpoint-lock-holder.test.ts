/** readDirectoryLock (core/internal): who holds a checkpoint directory, read without taking its lock. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileCheckpointStore } from '../src/checkpoint/file-store.js';
import { readDirectoryLock } from '../src/internal.js';

const work = mkdtempSync(join(tmpdir(), 'ss-lock-holder-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('readDirectoryLock', () => {
  it('names the process holding the directory and when it refreshed the lock; nothing once released', async () => {
    const dir = join(work, 'held');
    const store = new FileCheckpointStore({ directory: dir });
    await store.lock();
    const info = await readDirectoryLock(dir);
    expect(info?.holder).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(info?.lockFile).toBe(join(dir, 'streamshare.lock'));
    expect(Math.abs(Date.now() - (info?.refreshedAtMs ?? 0))).toBeLessThan(60_000);
    // Reading took nothing: the holder still writes.
    await store.put('arn:aws:kinesis:us-east-1:999900009999:stream/s', 'shardId-0', { kind: 'LATEST' });
    await store.close();
    expect(await readDirectoryLock(dir)).toBeUndefined();
  });

  it('a lock file it cannot read has no holder; no directory, no lock', async () => {
    const dir = join(work, 'garbage');
    const store = new FileCheckpointStore({ directory: dir });
    await store.lock();
    await store.close();
    writeFileSync(join(dir, 'streamshare.lock'), 'not json');
    expect(await readDirectoryLock(dir)).toMatchObject({ holder: undefined });
    expect(await readDirectoryLock(join(work, 'missing'))).toBeUndefined();
  });
});
