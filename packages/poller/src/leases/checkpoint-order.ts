import type { Checkpoint } from '@streamshare/core';

/** Widest sequence number accepted (Kinesis: a decimal string of up to 128 digits). */
const SEQUENCE_DIGITS = 128;
const SUB_DIGITS = 16;

/**
 * A string whose byte order is the checkpoint order (`compareCheckpoints` of core), so DynamoDB can
 * refuse a backwards write in the condition expression itself (`checkpointOrder <= :new`). Sequence
 * numbers exceed DynamoDB's 38-digit numbers, hence strings:
 *
 * - a position at a record: zero-padded sequence number (128 digits), `.`, zero-padded sub-sequence
 *   number (16 digits), `.`, then `0` for incomplete and `1` for complete (as written since 0.1);
 * - before every record (`-` sorts before the digits): `-0.TRIM_HORIZON`, `-1.LATEST`,
 *   `-2.AT_TIMESTAMP.<epoch ms, 16 digits>`;
 * - after every record (`~` sorts after the digits): `~SHARD_END`.
 *
 * The items of 0.1 hold the order of the sequence positions their sentinels were stored as (see
 * `fromLegacyForm`): a start marker's is that of sequence number 0, a shard end's that of 128 nines.
 */
export function checkpointOrderKey(checkpoint: Checkpoint): string {
  switch (checkpoint.kind) {
    case undefined: {
      const sequence = checkpoint.sequenceNumber.replace(/^0+(?=\d)/, '').padStart(SEQUENCE_DIGITS, '0');
      const sub = String(checkpoint.subSequenceNumber).padStart(SUB_DIGITS, '0');
      return `${sequence}.${sub}.${checkpoint.complete ? 1 : 0}`;
    }
    case 'TRIM_HORIZON':
      return '-0.TRIM_HORIZON';
    case 'LATEST':
      return '-1.LATEST';
    case 'AT_TIMESTAMP':
      return `-2.AT_TIMESTAMP.${String(checkpoint.timestampMs).padStart(SUB_DIGITS, '0')}`;
    case 'SHARD_END':
      return '~SHARD_END';
  }
}
