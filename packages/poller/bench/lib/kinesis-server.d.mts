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
  /** Kinesis requests that came over HTTP/2 (the h2c listener). */
  readonly h2Requests: number;
  /** Most HTTP/2 connections open at once on the h2c listener. */
  readonly h2PeakSessions: number;
  /** Most HTTP/1.1 connections open at once. */
  readonly h1PeakConnections: number;
  readonly GetShardIterator: number;
  readonly ListShards: number;
  readonly DescribeStream: number;
  readonly other: number;
}

export interface KinesisServer {
  readonly port: number;
  readonly endpoint: string;
  /** The h2c listener's port (HTTP/2 without TLS, prior knowledge), when started with `h2: true`. */
  readonly h2Port?: number;
  /** `http://127.0.0.1:<h2Port>`, when started with `h2: true`. */
  readonly h2Endpoint?: string;
  setup(stream: KinesisServerStream): void;
  stats(): KinesisServerStats;
  close(): Promise<void>;
}

export declare function startKinesisServer(
  options?: KinesisServerStream & {
    readonly port?: number;
    /** Also listen for cleartext HTTP/2 (h2c) on a second port, same handlers and stream. */
    readonly h2?: boolean;
    /** SETTINGS_MAX_CONCURRENT_STREAMS of the h2c listener (default 100). */
    readonly h2MaxStreams?: number;
  },
): Promise<KinesisServer>;
