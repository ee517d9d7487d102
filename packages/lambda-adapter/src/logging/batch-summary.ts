import type { BatchResult } from '@streamshare/core';
import { arnAccountId, describeThrown, readThrownProperty } from '@streamshare/core/internal';
import type { Logger } from 'pino';

/** Where a batch came from, as the transport tells it. */
export interface BatchOrigin {
  /** `kinesis` (a Lambda Kinesis trigger), `kinesis-window` (tumbling window) or `eventbridge`. */
  readonly transport: 'kinesis' | 'kinesis-window' | 'eventbridge';
  readonly streamArn: string | undefined;
  readonly shardId: string | undefined;
  /** The role that read the stream (`invokeIdentityArn`), when the event says. */
  readonly invokeIdentityArn: string | undefined;
  readonly awsRegion: string | undefined;
  /** Records in the event (before KPL deaggregation). */
  readonly eventRecords: number;
  /** Arrival time of the last record. */
  readonly lastArrival: Date | undefined;
  /** Lambda's request id, when the context has one. */
  readonly awsRequestId: string | undefined;
  /** More fields of the transport (EventBridge source, window, ...). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The fields of the one log line written per batch. No payloads, no credentials. */
export interface BatchSummary {
  readonly transport: BatchOrigin['transport'];
  readonly streamArn: string | undefined;
  readonly shardId: string | undefined;
  /** The stream owner's account (from the stream ARN). */
  readonly streamAccount: string | undefined;
  /** The account of the role that read the stream (from `invokeIdentityArn`). */
  readonly consumerAccount: string | undefined;
  /** True when the stream belongs to another account than the reading role. */
  readonly crossAccount: boolean | undefined;
  readonly invokeIdentityArn: string | undefined;
  readonly awsRegion: string | undefined;
  readonly awsRequestId: string | undefined;
  /** Records in the event (before KPL deaggregation). */
  readonly eventRecords: number;
  /** Records walked (user records after deaggregation). */
  readonly count: number;
  readonly succeeded: number;
  /** Records not done (the failed one and everything reported after it). */
  readonly failed: number;
  readonly deadLettered: number;
  readonly durationMs: number;
  /** Now minus the arrival time of the last record, in ms. */
  readonly lagMs: number | undefined;
  /** The first record not done, when there is one. */
  readonly failedRecord?: {
    readonly sequenceNumber: string;
    readonly subSequenceNumber?: number;
    readonly partitionKey: string;
    readonly reason: string;
    readonly code: string | undefined;
    readonly error: string;
  };
  readonly [extra: string]: unknown;
}

/** Builds the log line of a batch from where it came from and core's result (pure). */
export function summarizeBatch(origin: BatchOrigin, result: BatchResult, now: number): BatchSummary {
  const streamAccount = arnAccountId(origin.streamArn);
  const consumerAccount = arnAccountId(origin.invokeIdentityArn);
  const failed = result.failed;
  const summary: BatchSummary = {
    transport: origin.transport,
    streamArn: origin.streamArn,
    shardId: origin.shardId,
    streamAccount,
    consumerAccount,
    crossAccount:
      streamAccount === undefined || consumerAccount === undefined ? undefined : streamAccount !== consumerAccount,
    invokeIdentityArn: origin.invokeIdentityArn,
    awsRegion: origin.awsRegion,
    awsRequestId: origin.awsRequestId,
    eventRecords: origin.eventRecords,
    count: result.total,
    succeeded: result.succeeded,
    failed: Math.max(0, result.total - result.succeeded - result.deadLettered),
    deadLettered: result.deadLettered,
    durationMs: Math.round(result.durationMs * 1000) / 1000,
    lagMs: origin.lastArrival === undefined ? undefined : now - origin.lastArrival.getTime(),
    ...origin.extra,
  };
  if (failed === undefined) return summary;
  const error = failed.error;
  // Any value may have been thrown: read it only through core's safe helpers.
  const code = readThrownProperty(error, 'code');
  return {
    ...summary,
    failedRecord: {
      sequenceNumber: failed.record.sequenceNumber,
      ...(failed.record.subSequenceNumber === undefined ? {} : { subSequenceNumber: failed.record.subSequenceNumber }),
      partitionKey: failed.record.partitionKey,
      reason: failed.reason,
      code: typeof code === 'string' ? code : undefined,
      error: describeThrown(error),
    },
  };
}

/** Writes the batch's one line: `info` when every record was done, `warn` otherwise. */
export function logBatch(logger: Logger, summary: BatchSummary): void {
  if (summary.failedRecord === undefined) logger.info(summary, 'batch done');
  else logger.warn(summary, 'batch stopped at a record not done');
}
