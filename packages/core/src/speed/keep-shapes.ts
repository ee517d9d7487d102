import type { Run } from '../batch/run.js';
import { KeptUnits, Units } from '../expand/units.js';
import { KeyWalk } from '../handle/by-key.js';
import { ArraySource } from '../source/array-source.js';
import { LambdaSource } from '../source/lambda-source.js';
import { PageSource } from '../source/page-source.js';
import type { RecordSource } from '../source/record-source.js';

/**
 * Objects of the shapes the last batch used, kept alive on purpose. V8's optimized code holds the
 * hidden classes (maps) of the objects it handled weakly, and so does the type feedback it is
 * compiled from: when a full GC finds no object of a class left alive (a batch's run, units, source
 * and walk die with it), those maps are dropped, and the next batch deoptimizes ("insufficient type
 * feedback") and runs unoptimized while the walk is compiled again: for a Lambda invocation of
 * 10,000 records, half its time. The last batch's run (its settings: codec, logger, callbacks; no
 * records) and an empty object of each other class it used keep the maps alive between batches.
 */
const kept: { run?: Run<unknown>; units?: Units; walk?: KeyWalk<unknown>; keptUnits?: KeptUnits } = {};

/** Keeps the shapes of a batch that is over alive (see {@link kept}), none of its records. */
export function keepShapes<T>(run: Run<T>, units: Units, byKey: boolean): void {
  const empty = new Units(emptyLike(units.source), units.expand, units.resumeFrom, units.scratch);
  kept.run = run as Run<unknown>;
  kept.units = empty;
  if (byKey) {
    kept.walk = new KeyWalk(run as Run<unknown>, empty, noop, 1);
    kept.keptUnits = new KeptUnits();
  }
}

function noop(): void {}

/** An empty source of the same class as `source` (so of the same shape). */
function emptyLike(source: RecordSource): RecordSource {
  if (source instanceof LambdaSource) return new LambdaSource([], source.streamArn, source.shardId, false);
  if (source instanceof PageSource) return new PageSource([], source.streamArn, source.shardId);
  return new ArraySource([]);
}
