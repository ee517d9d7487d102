import { InvalidInputError } from '@streamshare/core';

/** The parts of a Kinesis stream ARN. */
export interface StreamArnParts {
  /** `aws`, `aws-cn` or `aws-us-gov`. */
  readonly partition: string;
  /** e.g. `us-east-1`. */
  readonly region: string;
  /** The 12-digit account that owns the stream (the producer). */
  readonly account: string;
  readonly streamName: string;
  /** The ARN as given. */
  readonly arn: string;
}

const EXPECTED = 'arn:<aws|aws-cn|aws-us-gov>:kinesis:<region>:<12-digit account>:stream/<stream name>';
const PATTERN =
  /^arn:(aws|aws-cn|aws-us-gov):kinesis:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):stream\/([A-Za-z0-9_.-]{1,128})$/;

/** A stream ARN that does not have the form `arn:<partition>:kinesis:<region>:<account>:stream/<name>`. */
export class InvalidStreamArnError extends InvalidInputError {
  /** What was given. */
  readonly given: unknown;

  constructor(given: unknown, reason: string) {
    const shown =
      typeof given === 'string'
        ? JSON.stringify(given.length > 300 ? `${given.slice(0, 300)}…` : given)
        : given === undefined
          ? 'nothing'
          : `(a ${given === null ? 'null' : typeof given}, not a string)`;
    super('INVALID_STREAM_ARN', `invalid stream ARN ${shown}: ${reason}; expected ${EXPECTED}`);
    this.given = given;
  }
}

function reasonFor(arn: string): string {
  const parts = arn.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return 'not an ARN (6 parts separated by ":")';
  if (!['aws', 'aws-cn', 'aws-us-gov'].includes(parts[1] ?? '')) return `unknown partition ${JSON.stringify(parts[1])}`;
  if (parts[2] !== 'kinesis') return `service is ${JSON.stringify(parts[2])}, not "kinesis"`;
  if (!/^[a-z]{2}(?:-[a-z]+)+-\d+$/.test(parts[3] ?? '')) return `region ${JSON.stringify(parts[3])} is not a region`;
  if (!/^\d{12}$/.test(parts[4] ?? '')) return `account ${JSON.stringify(parts[4])} is not 12 digits`;
  const resource = parts.slice(5).join(':');
  if (!resource.startsWith('stream/')) return `resource ${JSON.stringify(resource)} is not "stream/<name>"`;
  return `stream name ${JSON.stringify(resource.slice(7))} is not 1-128 characters of A-Z a-z 0-9 _ . -`;
}

/**
 * Parses a Kinesis stream ARN into partition, region, account and stream name.
 *
 * @throws InvalidStreamArnError (code `INVALID_STREAM_ARN`) showing the expected form and what was given.
 */
export function parseStreamArn(arn: unknown): StreamArnParts {
  if (typeof arn !== 'string') throw new InvalidStreamArnError(arn, 'a string is required');
  const match = PATTERN.exec(arn);
  if (!match) throw new InvalidStreamArnError(arn, reasonFor(arn));
  const [, partition, region, account, streamName] = match as unknown as [string, string, string, string, string];
  return { partition, region, account, streamName, arn };
}
