import type { Checkpoint } from './checkpoint.js';
import { copyCheckpoint } from './compare.js';

/**
 * A checkpoint as the file store keeps it in its files: the checkpoint's own fields (a position's
 * `sequenceNumber`, `subSequenceNumber`, `complete`; or `kind`, and `timestampMs` for AT_TIMESTAMP)
 * and the time it was written, for people reading the files.
 */
export type StoredCheckpoint = Checkpoint & { readonly updatedAt?: string };

/** True when a value read from a file is a well-formed checkpoint (its `updatedAt` is not looked at). */
export function isStoredCheckpoint(value: unknown): value is StoredCheckpoint {
  return copyCheckpoint(value) !== undefined;
}
