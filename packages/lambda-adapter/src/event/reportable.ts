import type { FailedRecord } from '@streamshare/core';
import { describeThrown, readThrownProperty } from '@streamshare/core/internal';
import { InvalidEventError } from '../errors/invalid-event-error.js';

/**
 * A Kinesis sequence number, the only thing Lambda's `batchItemFailures` may name: 1 to 129 decimal
 * digits without a leading zero (`0|[1-9][0-9]{0,128}`). Lambda takes any other itemIdentifier as a
 * failure of the whole batch.
 */
export function isSequenceNumber(value: unknown): value is string {
  return typeof value === 'string' && /^(?:0|[1-9][0-9]{0,128})$/.test(value);
}

/**
 * Checks that the first record not done can be named in `batchItemFailures`. A record can fail
 * without a valid sequence number only when it is malformed (a later record of a hand-made event;
 * Lambda never sends one): then nothing true can be reported for it, and the handler throws an
 * {@link InvalidEventError} naming it, so that Lambda retries the whole batch (the records before it,
 * already handled, are delivered again: at least once).
 *
 * @throws InvalidEventError when the record's sequence number is not a Kinesis sequence number.
 */
export function checkReportable(failed: FailedRecord, event: unknown, expected: string): void {
  const sequenceNumber = failed.record.sequenceNumber;
  if (isSequenceNumber(sequenceNumber)) return;
  const records = readThrownProperty(event, 'Records');
  let at = -1;
  if (Array.isArray(records)) {
    for (let i = 0; i < records.length && at < 0; i++) {
      const own = readThrownProperty(readThrownProperty(records[i], 'kinesis'), 'sequenceNumber');
      if (!isSequenceNumber(own) && (typeof own === 'string' ? own : '') === sequenceNumber) at = i;
    }
  }
  const which = at < 0 ? 'a record' : `Records[${at}]${eventIdOf(Array.isArray(records) ? records[at] : undefined)}`;
  throw new InvalidEventError(
    `a Kinesis event whose ${which} has no valid kinesis.sequenceNumber (${preview(sequenceNumber)}) and could not be done`,
    expected,
    {
      cause: failed.error,
      detail: `it cannot be named in batchItemFailures, so the handler throws and Lambda retries the whole batch (${describeThrown(failed.error)})`,
    },
  );
}

function eventIdOf(record: unknown): string {
  const eventID = readThrownProperty(record, 'eventID');
  return typeof eventID === 'string' ? ` (eventID ${preview(eventID)})` : '';
}

function preview(text: string): string {
  return text === '' ? 'none' : JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}
