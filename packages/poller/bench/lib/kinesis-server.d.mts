// Types of kinesis-server.mjs (the scale benchmark's local Kinesis), for the tests that use it.

/** The stream the server serves. */
export declare const BENCH_STREAM_ARN: string;
export declare function shardIdOf(shard: number): string;
export declare function sequenceOf(shard: number, index: number): string;

/** What a stream of the server holds. */
export interface KinesisServerStream {
  /** Open shards (default 64). */
  readonly shards?: number;
  /** Backlog of records per shard (default 200). */
  readonly records?: number;
  /** Payload bytes per record (default 1 024). */
  readonly recordBytes?: number;
  /** Most records per GetRecords page (default 100). */
  readonly pageRecords?: number;
  /** Added to every answer (default 0). */
  readonly latencyMs?: number;
}

/** Requests served, by action. */
export interface KinesisServerStats {
  readonly requests: number;
  readonly GetRecords: number;
  readonly GetRecordsEmpty: number;
  readonly GetShardIterator: number;
  readonly ListShards: number;
  readonly DescribeStream: number;
  readonly other: number;
}

export interface KinesisServer {
  readonly port: number;
  readonly endpoint: string;
  setup(stream: KinesisServerStream): void;
  stats(): KinesisServerStats;
  close(): Promise<void>;
}

export declare function startKinesisServer(
  options?: KinesisServerStream & { readonly port?: number },
): Promise<KinesisServer>;
