import { aggregate } from 'aws-kinesis-agg';

/** One user record for {@link aggregateRecords}. */
export interface UserRecord {
  readonly partitionKey: string;
  readonly data: string;
}

/** KPL aggregates built by aws-kinesis-agg (the reference implementation), ready for PutRecords. */
export function aggregateRecords(
  records: readonly UserRecord[],
): Promise<{ partitionKey: string; data: Uint8Array }[]> {
  return new Promise((resolve, reject) => {
    const out: { partitionKey: string; data: Uint8Array }[] = [];
    aggregate(
      records.map((r) => ({ partitionKey: r.partitionKey, data: Buffer.from(r.data) })),
      (encoded, callback) => {
        out.push({ partitionKey: encoded.partitionKey, data: new Uint8Array(encoded.data) });
        callback();
      },
      () => resolve(out),
      (error) => reject(error),
    );
  });
}
