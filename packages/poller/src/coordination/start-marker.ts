import type { Checkpoint } from '@streamshare/core';
import { fromLegacyForm } from './legacy-checkpoints.js';

/**
 * The start marker: the AT_TIMESTAMP checkpoint a reader writes when it takes its first LATEST
 * iterator on a shard without a checkpoint. It keeps, in any checkpoint store, the time from which
 * the shard is being read: until the first real checkpoint replaces it, an expired iterator or a
 * restart reads the shard again AT_TIMESTAMP that time instead of taking a new LATEST iterator,
 * which would skip the records written in between. It also tells that the shard is being consumed,
 * so its children start at TRIM_HORIZON. It comes before every position at a record
 * (`compareCheckpoints`), so the first real checkpoint is never "backwards" from it.
 * @internal
 */
export function startMarker(readingSince: Date): Checkpoint {
  return { kind: 'AT_TIMESTAMP', timestampMs: readingSince.getTime() };
}

/**
 * The time an AT_TIMESTAMP checkpoint keeps (a start marker, or its 0.1 form: see
 * {@link fromLegacyForm}), or `undefined` for any other checkpoint. Pure. @internal
 */
export function startMarkerTime(checkpoint: Checkpoint | undefined): Date | undefined {
  const c = fromLegacyForm(checkpoint);
  return c?.kind === 'AT_TIMESTAMP' ? new Date(c.timestampMs) : undefined;
}
