import { processBatch, RetryableError, type StreamRecord } from '@streamshare/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idOf, record, seq } from './fixtures-batch/records.js';

/** One record of a generated batch: its key, how many calls fail before it succeeds, how it fails. */
interface Plan {
  key: string;
  failures: number;
  retryable: boolean;
  delay: number;
}

const planArb = fc.record({
  key: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
  failures: fc.oneof(
    { weight: 4, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) },
  ),
  retryable: fc.boolean(),
  delay: fc.integer({ min: 0, max: 4 }),
});

const scenarioArb = fc.record({
  plans: fc.array(planArb, { maxLength: 30 }),
  concurrency: fc.integer({ min: 1, max: 8 }),
  attempts: fc.integer({ min: 1, max: 3 }),
  deadLetter: fc.boolean(),
});

/** Waits a few microtasks or a macrotask, to shuffle the interleavings of partition keys. */
async function pause(delay: number): Promise<void> {
  if (delay === 4) await new Promise((resolve) => setTimeout(resolve, 0));
  else for (let i = 0; i < delay; i++) await Promise.resolve();
}

type Event = { type: 'start' | 'done' | 'fail'; i: number; attempt: number };

/**
 * Runs one batch against the plan's handler, checking the invariants while it runs, then checks
 * the result against the events: the checkpoint is exactly the low-water mark.
 */
async function runOnce(
  batch: StreamRecord<Uint8Array>[],
  plans: Plan[],
  remaining: number[],
  scenario: { concurrency: number; attempts: number; deadLetter: boolean },
  everDone: Set<number>,
  log: number[],
) {
  const events: Event[] = [];
  // Thrown inside the handler, a violation would only fail the record: collect them instead.
  const violations: string[] = [];
  const doneThisRun = new Set<number>();
  const inFlight = new Map<number, string>();
  const deadLettered = new Set<number>();
  const first = batch.length === 0 ? 0 : idOf0(batch[0]!);
  const result = await processBatch(
    batch,
    async (r, ctx) => {
      const i = idOf(r);
      const plan = plans[i]!;
      // invariant: every earlier record of this batch with the same key (all of them with concurrency 1) is done
      for (let j = first; j < i; j++) {
        if (scenario.concurrency > 1 && plans[j]!.key !== plan.key) continue;
        if (!doneThisRun.has(j)) violations.push(`record ${i} started before earlier record ${j} was done`);
      }
      // invariant: at most `concurrency` records, one per key, at once
      for (const key of inFlight.values()) if (key === plan.key) violations.push(`key ${plan.key} runs twice at once`);
      inFlight.set(i, plan.key);
      if (inFlight.size > scenario.concurrency) violations.push(`more than ${scenario.concurrency} in flight`);
      events.push({ type: 'start', i, attempt: ctx.attempt });
      await pause(plan.delay);
      inFlight.delete(i);
      if (remaining[i]! > 0) {
        remaining[i]!--;
        events.push({ type: 'fail', i, attempt: ctx.attempt });
        throw plan.retryable ? new RetryableError(`transient ${i}`) : new Error(`failure ${i}`);
      }
      events.push({ type: 'done', i, attempt: ctx.attempt });
      doneThisRun.add(i);
      everDone.add(i);
      log.push(i);
    },
    {
      concurrency: scenario.concurrency,
      retry: { attempts: scenario.attempts, minDelayMs: 0, maxDelayMs: 0, jitter: false },
      ...(scenario.deadLetter
        ? {
            deadLetter: async (r: StreamRecord<unknown>) => {
              const i = idOf0(r);
              deadLettered.add(i);
              doneThisRun.add(i);
              await pause(1);
            },
          }
        : {}),
    },
  );

  expect(violations).toEqual([]);
  // The checkpoint is exactly the low-water mark: the last record such that it and all before are done.
  let low = 0;
  while (low < batch.length && doneThisRun.has(first + low)) low++;
  if (low === 0) expect(result.checkpoint).toBeUndefined();
  else
    expect(result.checkpoint).toEqual({ sequenceNumber: seq(first + low - 1), subSequenceNumber: 0, complete: true });
  if (low === batch.length) expect(result.failed).toBeUndefined();
  else {
    expect(result.failed?.record.sequenceNumber).toBe(seq(first + low));
    // the failed record was started and is not done (no deadline or abort here)
    expect(events.some((e) => e.type === 'start' && e.i === first + low)).toBe(true);
    expect(doneThisRun.has(first + low)).toBe(false);
  }
  expect(result.succeeded).toBe(events.filter((e) => e.type === 'done').length);
  expect(result.deadLettered).toBe(deadLettered.size);

  // No record after a failure in its key (any key with concurrency 1) was started.
  const failedForGood = [...new Set(events.filter((e) => e.type === 'start').map((e) => e.i))].filter(
    (i) => !doneThisRun.has(i),
  );
  for (const f of failedForGood) {
    for (const e of events) {
      if (e.type !== 'start' || e.i <= f) continue;
      if (scenario.concurrency === 1 || plans[e.i]!.key === plans[f]!.key) {
        throw new Error(`record ${e.i} started after record ${f} failed in its key`);
      }
    }
  }
  for (const e of events) if (e.type === 'start') expect(e.i).toBeGreaterThanOrEqual(first);
  return result;
}

function idOf0(r: StreamRecord<unknown>): number {
  const data = r.data;
  if (data instanceof Uint8Array) return (JSON.parse(new TextDecoder().decode(data)) as { i: number }).i;
  return idOf(r);
}

describe('processBatch properties', () => {
  it('keeps the checkpoint invariant and redelivery from the checkpoint delivers everything in order per key', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const { plans } = scenario;
        const all = plans.map((p, i) => record(i, { key: p.key }));
        const remaining = plans.map((p) => p.failures);
        const everDone = new Set<number>();
        const log: number[] = [];
        let from = 0;
        for (let run = 0; run < 200; run++) {
          const result = await runOnce(all.slice(from), plans, remaining, scenario, everDone, log);
          if (result.checkpoint !== undefined) {
            const next = all.findIndex((r) => r.sequenceNumber === result.checkpoint!.sequenceNumber) + 1;
            expect(next).toBeGreaterThan(from);
            from = next;
          }
          if (result.failed === undefined) {
            expect(from).toBe(all.length === 0 ? 0 : all.length);
            break;
          }
        }
        // every record delivered (or dead-lettered) at least once
        if (!scenario.deadLetter) expect([...everDone].sort((a, b) => a - b)).toEqual(all.map((_, i) => i));
        // in order per key: each handling of a record comes after a handling of every earlier record of its key
        const seen = new Set<number>();
        for (const i of log) {
          for (let j = 0; j < i; j++) {
            if (plans[j]!.key === plans[i]!.key && !seen.has(j) && !(scenario.deadLetter && !everDone.has(j))) {
              throw new Error(`record ${i} was handled before earlier record ${j} of key ${plans[i]!.key}`);
            }
          }
          seen.add(i);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('with sync handlers and concurrency, the checkpoint is the low-water mark too', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('x', 'y', 'z'), fc.boolean()), { maxLength: 25 }),
        fc.integer({ min: 1, max: 8 }),
        async (spec, concurrency) => {
          const batch = spec.map(([key], i) => record(i, { key }));
          const started: number[] = [];
          const result = await processBatch(
            batch,
            (r) => {
              const i = idOf(r);
              started.push(i);
              if (spec[i]![1]) throw new Error(`fail ${i}`);
            },
            { concurrency },
          );
          const failedKeys = new Set<string>();
          const expected: number[] = [];
          for (let i = 0; i < spec.length; i++) {
            const [key, fails] = spec[i]!;
            if (concurrency === 1 && failedKeys.size > 0) break;
            if (failedKeys.has(key)) continue;
            expected.push(i);
            if (fails) failedKeys.add(key);
          }
          // sync handlers: the walk is deterministic
          expect([...started].sort((a, b) => a - b)).toEqual(expected);
          const firstFail = spec.findIndex(([, fails]) => fails);
          const low = firstFail === -1 ? spec.length : firstFail;
          expect(result.checkpoint?.sequenceNumber).toBe(low === 0 ? undefined : seq(low - 1));
          expect(result.failed?.record.sequenceNumber).toBe(low === spec.length ? undefined : seq(low));
        },
      ),
      { numRuns: 300 },
    );
  });
});
