// WriteBehind (reader/write-behind.ts): enhanced fan-out's checkpoint writes left in flight while the
// next pages are handled. Pure: the writer is an in-memory store of what was put, with a delay.
import type { Checkpoint } from '@streamshare/core';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { PIPELINED_PAGES, WriteBehind } from '../src/reader/write-behind.js';

const log = pino({ level: 'silent' });
const at = (n: number): Checkpoint => ({ sequenceNumber: String(1000 + n), subSequenceNumber: 0, complete: true });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function writer(delayMs: number, fail?: (n: number) => Error | undefined) {
  const written: string[] = [];
  return {
    written,
    put: async (checkpoint: Checkpoint) => {
      await sleep(delayMs);
      const error = fail?.(written.length);
      if (error) throw error;
      written.push(String(checkpoint.sequenceNumber));
    },
  };
}

describe('WriteBehind', () => {
  it('pages settled after the last write finished are each written (none waits for PIPELINED_PAGES pages, none is dropped by done)', async () => {
    const w = writer(2);
    const behind = new WriteBehind(w, () => {});
    const signal = new AbortController().signal;
    for (let i = 1; i <= 7; i++) {
      await behind.push(at(i), signal, log);
      await sleep(10); // the write of this page finishes before the next page settles
    }
    await behind.done();
    expect(w.written).toEqual(['1001', '1002', '1003', '1004', '1005', '1006', '1007']);
  });

  it('pages settled while a write is in flight are covered by one write of the newest; done() makes the last durable', async () => {
    const w = writer(30);
    const behind = new WriteBehind(w, () => {});
    const signal = new AbortController().signal;
    await behind.push(at(1), signal, log);
    for (let i = 2; i < 2 + PIPELINED_PAGES - 1; i++) await behind.push(at(i), signal, log);
    await behind.done();
    expect(w.written).toEqual(['1001', String(1000 + PIPELINED_PAGES)]);
  });

  it('waits for the write in flight once PIPELINED_PAGES pages wait for it', async () => {
    const w = writer(40);
    const behind = new WriteBehind(w, () => {});
    const signal = new AbortController().signal;
    await behind.push(at(1), signal, log);
    const started = Date.now();
    for (let i = 2; i < 2 + PIPELINED_PAGES; i++) await behind.push(at(i), signal, log);
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);
    expect(w.written.at(-1)).toBe(String(1000 + PIPELINED_PAGES + 1));
  });

  it('a failed write calls onFailure at once and its error is thrown by done()', async () => {
    const failure = new Error('LEASE_LOST');
    const w = writer(5, (n) => (n === 1 ? failure : undefined));
    let told = 0;
    const behind = new WriteBehind(w, () => told++);
    const signal = new AbortController().signal;
    await behind.push(at(1), signal, log);
    await sleep(20);
    await behind.push(at(2), signal, log);
    await sleep(20);
    expect(told).toBe(1);
    expect(behind.failed).toBe(true);
    await expect(behind.done()).rejects.toBe(failure);
    expect(w.written).toEqual(['1001']);
  });
});
