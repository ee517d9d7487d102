import type { Checkpoint } from '@streamshare/core';

/**
 * The sequence number of a start marker: `0`, below every real sequence number, so that the first
 * real checkpoint of the shard is never "backwards" from the marker.
 */
const MARKER_SEQUENCE_NUMBER = '0';

/**
 * The checkpoint a reader writes when it takes its first LATEST iterator on a shard without a
 * checkpoint: it keeps, in any checkpoint store, the time from which the shard is being read
 * (`subSequenceNumber` is that time in epoch milliseconds; `complete` is false). Until the first real
 * checkpoint replaces it, an expired iterator or a restart reads the shard again AT_TIMESTAMP that
 * time instead of taking a new LATEST iterator, which would skip the records written in between.
 * It also tells that the shard is being consumed, so its children start at TRIM_HORIZON.
 * @internal
 */
export function startMarker(readingSince: Date): Checkpoint {
  return { sequenceNumber: MARKER_SEQUENCE_NUMBER, subSequenceNumber: readingSince.getTime(), complete: false };
}

/** The time a start marker keeps, or `undefined` when `checkpoint` is not a start marker. Pure. @internal */
export function startMarkerTime(checkpoint: Checkpoint | undefined): Date | undefined {
  if (checkpoint === undefined || checkpoint.complete || !/^0+$/.test(checkpoint.sequenceNumber)) return undefined;
  return new Date(checkpoint.subSequenceNumber);
}
