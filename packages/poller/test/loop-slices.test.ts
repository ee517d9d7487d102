import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoopSlices } from '../src/scheduling/loop-slices.js';
import { countLoopTurns, spin } from './helpers/loop-turns.js';

const idle = () => new Promise((resolve) => setTimeout(resolve, 5));

/**
 * Runs pieces of work of the given durations (on a hand-moved clock) through `slices`, each asking
 * `pass()` first, all asked in the same turn; resolves with the loop turn each one ran in.
 */
async function runPieces(durations: readonly number[], sliceMs: number) {
  let now = 0;
  const slices = new LoopSlices({ sliceMs, now: () => now });
  const turns = countLoopTurns();
  const ran: { index: number; turn: number; at: number }[] = [];
  await Promise.all(
    durations.map(async (ms, index) => {
      const wait = slices.pass();
      if (wait !== undefined) await wait;
      ran.push({ index, turn: turns.turn, at: now });
      now += ms;
    }),
  );
  turns.stop();
  await idle();
  return { ran, slices };
}

describe('LoopSlices', () => {
  it('a lone piece of work goes ahead at once, without a promise', async () => {
    const slices = new LoopSlices();
    expect(slices.pass()).toBeUndefined();
    await idle();
    expect(slices.pass()).toBeUndefined();
    expect(slices.stats()).toEqual({ passed: 2, deferred: 0, waiting: 0 });
  });

  it('lets about sliceMs of work through per turn of the loop, first come first served; the rest waits for later turns', async () => {
    // Ten pieces of 4 ms, slices of 10 ms: three go at once (0, 4, 8 ms), then three per turn, then the last.
    const { ran, slices } = await runPieces(Array(10).fill(4), 10);
    expect(ran.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const turnOf = ran.map((r) => r.turn);
    expect(new Set(turnOf.slice(0, 3)).size).toBe(1);
    expect(new Set(turnOf.slice(3, 6)).size).toBe(1);
    expect(new Set(turnOf.slice(6, 9)).size).toBe(1);
    expect(turnOf[3]).toBeGreaterThan(turnOf[0] as number);
    expect(turnOf[6]).toBeGreaterThan(turnOf[3] as number);
    expect(turnOf[9]).toBeGreaterThan(turnOf[6] as number);
    expect(slices.stats()).toEqual({ passed: 3, deferred: 7, waiting: 0 });
  });

  it('every piece goes, in order, at least one per turn, and within a turn only while the slice has time left (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 20 }),
        async (durations, sliceMs) => {
          const { ran } = await runPieces(durations, sliceMs);
          expect(ran.map((r) => r.index)).toEqual(durations.map((_, i) => i));
          for (let i = 1; i < ran.length; i++) {
            const piece = ran[i]!;
            const first = ran.find((r) => r.turn === piece.turn)!;
            // A piece after the first of its turn started before the turn's slice was spent.
            if (first !== piece) expect(piece.at - first.at).toBeLessThan(sliceMs);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps a timer running while many pieces of real work are ready at once (the same work without slices holds it)', async () => {
    // Counted in pieces of work between two runs of a timer, not in milliseconds: a loaded machine
    // (CI, other processes) stretches wall-clock gaps whatever the code does, but not these counts.
    const pieces = 150;
    const mostPiecesBetweenTimerRuns = async (pass: () => Promise<unknown> | undefined) => {
      let done = 0;
      let sinceTimer = 0;
      let most = 0;
      const timer = setInterval(() => {
        most = Math.max(most, done - sinceTimer);
        sinceTimer = done;
      }, 2);
      await new Promise((resolve) => setTimeout(resolve, 10));
      sinceTimer = done;
      await Promise.all(
        Array.from({ length: pieces }, async () => {
          const wait = pass();
          if (wait !== undefined) await wait;
          spin(2);
          done++;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
      clearInterval(timer);
      return Math.max(most, done - sinceTimer);
    };
    const slices = new LoopSlices({ sliceMs: 10 });
    const sliced = await mostPiecesBetweenTimerRuns(() => slices.pass());
    const unsliced = await mostPiecesBetweenTimerRuns(() => undefined);
    // 150 pieces of 2 ms: without slices the timer waits for all of them. With 10 ms slices a turn of
    // the loop does at most the slice opened before its check phase and the one in it, each at most 6
    // pieces (a piece starts while its slice has time left): 12 between two timer runs (a CI run saw 9).
    expect(unsliced).toBe(pieces);
    expect(sliced).toBeLessThanOrEqual(12);
  });
});
