/** An IAM policy document, as the resource-based policies of streams and event buses hold it. */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/** One statement of a policy document. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal: { readonly AWS: string | readonly string[] } | '*';
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Record<string, unknown>;
}

/**
 * The five actions a cross-account consumer needs on the stream: the Lambda service calls
 * DescribeStream when the trigger is added, and the poller uses the same calls.
 */
export const STREAM_CONSUMER_ACTIONS = [
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamSummary',
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:ListShards',
] as const;

/** The actions an enhanced fan-out consumer needs on its consumer ARN. */
export const FAN_OUT_CONSUMER_ACTIONS = ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'] as const;
