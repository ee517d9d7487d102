import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ATTR, type StoredCheckpoint } from './lease.js';

/** The parts of an UpdateItem that write a checkpoint into a lease item (see {@link StoredCheckpoint}). */
export interface CheckpointUpdate {
  /** `SET` clauses: the checkpoint's attributes, and `ownerSwitchesSinceCheckpoint` back to 0. */
  readonly set: string[];
  /** `REMOVE` clauses: the attributes of another kind of checkpoint. */
  readonly remove: string[];
  readonly names: Record<string, string>;
  readonly values: Record<string, AttributeValue>;
}

/** How an UpdateItem writes a checkpoint (pure): the caller adds its own clauses and condition. */
export function checkpointUpdate(stored: StoredCheckpoint): CheckpointUpdate {
  const values: Record<string, AttributeValue> = {
    ':seq': { S: stored.sequenceNumber },
    ':sub': { N: String(stored.subSequenceNumber) },
    ':order': { S: stored.order },
    ':zero': { N: '0' },
  };
  const set = ['#seq = :seq', '#sub = :sub', '#order = :order', '#switches = :zero'];
  const remove: string[] = [];
  if (stored.complete === undefined) remove.push('#complete');
  else {
    set.push('#complete = :complete');
    values[':complete'] = { BOOL: stored.complete };
  }
  if (stored.timestampMs === undefined) remove.push('#timestamp');
  else {
    set.push('#timestamp = :timestamp');
    values[':timestamp'] = { N: String(stored.timestampMs) };
  }
  const names = {
    '#seq': ATTR.sequenceNumber,
    '#sub': ATTR.subSequenceNumber,
    '#complete': ATTR.complete,
    '#timestamp': ATTR.timestamp,
    '#order': ATTR.order,
    '#switches': ATTR.ownerSwitches,
  };
  return { set, remove, names, values };
}
