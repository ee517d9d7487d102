/** Per-shard read limits of Kinesis (GetRecords). */
export interface ReadLimits {
  /** GetRecords calls per second per shard (Kinesis: 5). */
  readonly callsPerSecond: number;
  /** Bytes per second per shard (Kinesis: 2 MiB). */
  readonly bytesPerSecond: number;
}

/** The limits of Kinesis Data Streams: 5 GetRecords calls and 2 MB per second per shard. */
export const KINESIS_READ_LIMITS: ReadLimits = { callsPerSecond: 5, bytesPerSecond: 2 * 1024 * 1024 };

/**
 * What the pacer remembers of the last call.
 * @internal
 */
export interface PacerState {
  /** When the last GetRecords call started (epoch ms), or undefined before the first. */
  readonly lastCallAt: number | undefined;
  /** Bytes the last call returned. */
  readonly lastBytes: number;
}

/**
 * When the next GetRecords call of a shard may start: at least 1/callsPerSecond after the last call,
 * and, after a large read, at least bytes/bytesPerSecond after it (a 10 MB read waits 5 s), so the
 * shard stays within both limits on average. Time spent processing the batch counts towards the wait.
 * Pure.
 * @internal
 */
export function nextCallAt(state: PacerState, limits: ReadLimits = KINESIS_READ_LIMITS): number {
  if (state.lastCallAt === undefined) return 0;
  const callGap = 1000 / limits.callsPerSecond;
  const byteGap = (state.lastBytes / limits.bytesPerSecond) * 1000;
  return state.lastCallAt + Math.max(callGap, byteGap);
}

/**
 * A small stateful wrapper of {@link nextCallAt} for one shard.
 * @internal
 */
export class Pacer {
  private state: PacerState = { lastCallAt: undefined, lastBytes: 0 };

  constructor(
    private readonly limits: ReadLimits = KINESIS_READ_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds to wait before the next call may start (0 when it may start now). */
  delay(): number {
    return Math.max(0, nextCallAt(this.state, this.limits) - this.now());
  }

  /** Milliseconds since the last call started (Infinity before the first). */
  sinceLastCall(): number {
    return this.state.lastCallAt === undefined ? Number.POSITIVE_INFINITY : this.now() - this.state.lastCallAt;
  }

  /** Records that a call started now (call before sending). */
  started(): void {
    this.state = { lastCallAt: this.now(), lastBytes: 0 };
  }

  /** Records the bytes the call returned. */
  returned(bytes: number): void {
    this.state = { ...this.state, lastBytes: bytes };
  }
}
