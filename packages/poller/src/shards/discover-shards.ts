import type { Shard } from '@aws-sdk/client-kinesis';
import { callWithRetries, type RetryingCallOptions } from '../calls/call-with-retries.js';
import type { StreamCallOptions } from '../clients/stream-call-options.js';
import type { ShardDescriptor } from '../coordination/shard-coordinator.js';
import { DescribeStreamCommand, ListShardsCommand } from '../deps/commonjs.cjs';
import { AccessDeniedError } from '../errors/poller-error.js';

/**
 * How shards are listed.
 * @internal
 */
export type DiscoveryMethod = 'DescribeStream' | 'ListShards';

/**
 * Options of {@link ShardDiscovery}.
 * @internal
 */
export interface ShardDiscoveryOptions extends StreamCallOptions {
  readonly onThrottle?: RetryingCallOptions['onThrottle'];
  readonly onRetry?: RetryingCallOptions['onRetry'];
  /**
   * Above this many shards, later syncs use ListShards (1000 per page, 1000 TPS) instead of DescribeStream
   * (100 per page, 10 TPS per account). Default 500.
   */
  readonly largeStreamShards?: number;
}

/**
 * Bounds of one listing (see {@link ShardDiscovery.list}): the attempts per Kinesis call and the
 * epoch ms after which the listing fails with the last (retryable) error rather than wait (default:
 * neither).
 * @internal
 */
export type ListingLimits = Pick<RetryingCallOptions, 'attempts' | 'deadline'>;

/**
 * Maps a Kinesis `Shard` (DescribeStream or ListShards) to a {@link ShardDescriptor}. Pure.
 * @internal
 */
export function toShardDescriptor(shard: Shard): ShardDescriptor {
  if (!shard.ShardId) throw new TypeError('a shard without ShardId');
  const ending = shard.SequenceNumberRange?.EndingSequenceNumber;
  return {
    shardId: shard.ShardId,
    ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
    ...(shard.AdjacentParentShardId ? { adjacentParentShardId: shard.AdjacentParentShardId } : {}),
    ...(ending ? { endingSequenceNumber: ending } : {}),
  };
}

/**
 * Lists the shards of a stream, by StreamARN: DescribeStream (paginated with ExclusiveStartShardId while
 * HasMoreShards) as the Lambda service does, or ListShards (paginated with NextToken) when
 * DescribeStream is denied or the stream is large (paginated with ExclusiveStartShardId, always by
 * StreamARN). Remembers which method works.
 * @internal
 */
export class ShardDiscovery {
  private method: DiscoveryMethod = 'DescribeStream';
  /** DescribeStream was refused with AccessDenied (ListShards is then the only way). */
  private describeDenied = false;
  private limits: ListingLimits = {};

  constructor(private readonly options: ShardDiscoveryOptions) {}

  /** The method the next listing uses. */
  get currentMethod(): DiscoveryMethod {
    return this.method;
  }

  /**
   * Every shard of the stream (open and closed, not expired), in the order Kinesis lists them.
   * Throttling and transient failures are retried within `limits` (default: until the signal aborts);
   * AccessDenied on DescribeStream falls back to ListShards; AccessDenied on both is thrown (fatal).
   */
  async list(limits: ListingLimits = {}): Promise<ShardDescriptor[]> {
    this.limits = limits;
    if (this.method === 'ListShards' && !this.describeDenied) {
      // Chosen for a large stream: DescribeStream may still be allowed when ListShards is not.
      try {
        return await this.listShards();
      } catch (error) {
        if (!(error instanceof AccessDeniedError)) throw error;
        this.method = 'DescribeStream';
      }
    }
    if (this.method === 'DescribeStream') {
      try {
        const shards = await this.describeStream();
        if (shards.length > (this.options.largeStreamShards ?? 500)) this.method = 'ListShards';
        return shards;
      } catch (error) {
        if (!(error instanceof AccessDeniedError)) throw error;
        this.describeDenied = true;
        this.options.logger?.warn(
          {
            action: error.action,
            principal: error.principal,
            statement: error.statement,
          },
          'kinesis:DescribeStream is denied; listing shards with kinesis:ListShards instead. A Lambda trigger on this stream would fail: add kinesis:DescribeStream to the stream policy',
        );
        this.method = 'ListShards';
      }
    }
    return this.listShards();
  }

  private retrying(action: string): RetryingCallOptions {
    const { streamArn, region, principal, logger, signal, onThrottle, onRetry } = this.options;
    return {
      context: { action, streamArn, region, principal },
      logger,
      signal,
      onThrottle,
      onRetry,
      attempts: this.limits.attempts,
      deadline: this.limits.deadline,
    };
  }

  private async describeStream(): Promise<ShardDescriptor[]> {
    const { client, streamArn } = this.options;
    const shards: ShardDescriptor[] = [];
    let exclusiveStartShardId: string | undefined;
    for (;;) {
      const output = await callWithRetries(
        (abortSignal) =>
          client.send(
            new DescribeStreamCommand({
              StreamARN: streamArn,
              ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}),
            }),
            { abortSignal },
          ),
        this.retrying('DescribeStream'),
      );
      const page = output.StreamDescription?.Shards ?? [];
      for (const shard of page) shards.push(toShardDescriptor(shard));
      const last = page.at(-1)?.ShardId;
      if (!output.StreamDescription?.HasMoreShards || !last) return shards;
      exclusiveStartShardId = last;
    }
  }

  private async listShards(): Promise<ShardDescriptor[]> {
    const { client, streamArn } = this.options;
    const shards: ShardDescriptor[] = [];
    let exclusiveStartShardId: string | undefined;
    for (;;) {
      // Paginated by ExclusiveStartShardId with StreamARN, not by NextToken: a NextToken call may not
      // name the stream (the API refuses StreamName/StreamARN beside it) and then resolves it in the
      // caller's own account on some implementations (kinesis-mock), which breaks cross-account reads.
      // NextToken's presence still tells that more shards follow.
      const input = {
        StreamARN: streamArn,
        ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}),
      };
      const output = await callWithRetries(
        (abortSignal) => client.send(new ListShardsCommand(input), { abortSignal }),
        this.retrying('ListShards'),
      );
      const page = output.Shards ?? [];
      for (const shard of page) shards.push(toShardDescriptor(shard));
      const last = page.at(-1)?.ShardId;
      if (!output.NextToken || !last) return shards;
      exclusiveStartShardId = last;
    }
  }
}
