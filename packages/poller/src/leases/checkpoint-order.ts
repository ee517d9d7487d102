import { type Checkpoint, compareSequenceNumbers, InvalidInputError } from '@streamshare/core';

/** Widest sequence number accepted (Kinesis: a decimal string of up to 128 digits). */
const SEQUENCE_DIGITS = 128;
const SUB_DIGITS = 16;

/**
 * Checkpoint order, as core orders them: by sequence number, then sub-sequence number, then an
 * incomplete checkpoint before a complete one at the same position.
 */
export function compareCheckpointPositions(a: Checkpoint, b: Checkpoint): number {
  const bySequence = compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber);
  if (bySequence !== 0) return bySequence;
  if (a.subSequenceNumber !== b.subSequenceNumber) return a.subSequenceNumber - b.subSequenceNumber;
  return (a.complete ? 1 : 0) - (b.complete ? 1 : 0);
}

/** Throws InvalidInputError INVALID_CHECKPOINT unless the checkpoint is well formed. */
export function assertCheckpoint(checkpoint: Checkpoint, where: string): void {
  const ok =
    typeof checkpoint === 'object' &&
    checkpoint !== null &&
    typeof checkpoint.sequenceNumber === 'string' &&
    /^\d{1,128}$/.test(checkpoint.sequenceNumber) &&
    Number.isSafeInteger(checkpoint.subSequenceNumber) &&
    checkpoint.subSequenceNumber >= 0 &&
    typeof checkpoint.complete === 'boolean';
  if (!ok) {
    throw new InvalidInputError(
      'INVALID_CHECKPOINT',
      `${where}: expected { sequenceNumber: decimal string of at most 128 digits, subSequenceNumber: integer >= 0, complete: boolean }, got ${JSON.stringify(checkpoint)}`,
    );
  }
}

/**
 * A fixed-width string whose byte order is the checkpoint order, so DynamoDB can refuse a backwards
 * write in the condition expression itself (`checkpointOrder <= :new`). Sequence numbers exceed
 * DynamoDB's 38-digit numbers, hence strings: zero-padded sequence, zero-padded sub-sequence, then
 * `0` for incomplete and `1` for complete.
 */
export function checkpointOrderKey(checkpoint: Checkpoint): string {
  const sequence = checkpoint.sequenceNumber.replace(/^0+(?=\d)/, '').padStart(SEQUENCE_DIGITS, '0');
  const sub = String(checkpoint.subSequenceNumber).padStart(SUB_DIGITS, '0');
  return `${sequence}.${sub}.${checkpoint.complete ? 1 : 0}`;
}
