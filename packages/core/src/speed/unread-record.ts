import type { StreamRecord } from '../record/stream-record.js';

/**
 * What a record-blind codec (see codec/traits.ts) gets as its `record` argument: the record is
 * built after decoding, once, holding the codec's value, rather than once with its bytes for the
 * codec and again with the value. One frozen object for every call.
 */
export const UNREAD_RECORD: StreamRecord<Uint8Array> = Object.freeze({
  streamArn: '',
  shardId: '',
  partitionKey: '',
  sequenceNumber: '',
  approximateArrivalTimestamp: new Date(0),
  data: new Uint8Array(0),
});
