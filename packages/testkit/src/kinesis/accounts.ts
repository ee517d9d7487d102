/** The producer account of the reference scenario: it owns the stream. */
export const PRODUCER_ACCOUNT = '999900009999';
/** The consumer account of the reference scenario: it reads the producer's stream. */
export const CONSUMER_ACCOUNT = '888800008888';
/** The region of the reference scenario. */
export const DEFAULT_REGION = 'us-east-1';

/** The ARN of a Kinesis stream, built the way AWS spells it. */
export function streamArnOf(account: string, streamName: string, region: string = DEFAULT_REGION): string {
  return `arn:aws:kinesis:${region}:${account}:stream/${streamName}`;
}
