/**
 * One record, whatever transport delivered it: a Lambda Kinesis trigger, a GetRecords call of
 * the poller, or an EventBridge event forwarded by @streamshare/eventbridge-bridge.
 *
 * Records are immutable. `data` holds the raw bytes (`Uint8Array`) until a codec decodes it.
 */
export interface StreamRecord<T = Uint8Array> {
  /** ARN of the stream, e.g. `arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1`. */
  readonly streamArn: string;
  /** Shard the record was read from, e.g. `shardId-000000000000`. */
  readonly shardId: string;
  /** Partition key (for a KPL user record, the user record's own key). */
  readonly partitionKey: string;
  /**
   * Sequence number of the Kinesis record, a decimal string of up to 128 bits.
   * For a KPL user record this is the sequence number of its aggregate.
   */
  readonly sequenceNumber: string;
  /** Index of a KPL user record within its aggregate; `undefined` for a plain record. */
  readonly subSequenceNumber?: number;
  /** Number of user records in the aggregate this record came from; `undefined` for a plain record. */
  readonly aggregateSize?: number;
  /**
   * Explicit hash key, when the producer set one (KPL user records carry their own; an aggregate's
   * table entry that is not a decimal hash key, such as "undefined", is read as none).
   */
  readonly explicitHashKey?: string;
  /** When Kinesis accepted the record. */
  readonly approximateArrivalTimestamp: Date;
  /** Server-side encryption of the record, when known. */
  readonly encryptionType?: 'NONE' | 'KMS';
  /** The payload: bytes before decoding, the codec's output after. */
  readonly data: T;
}

/** The identity of a record, as error messages and logs name it. */
export interface RecordIdentity {
  readonly streamArn: string;
  readonly shardId: string;
  readonly partitionKey: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber?: number;
}
