import { InvalidInputError } from '@streamshare/core';
import { arnKind } from './arn-kinds.js';
import { FAN_OUT_CONSUMER_ACTIONS, type PolicyDocument, STREAM_CONSUMER_ACTIONS } from './policy-document.js';

function checkPrincipals(principals: readonly string[]): void {
  if (principals.length === 0) {
    throw new InvalidInputError(
      'INVALID_PRINCIPAL',
      'at least one --principal (an IAM role ARN or account id) is needed',
    );
  }
  for (const principal of principals) {
    const kind = arnKind(principal);
    if (kind !== 'iam-role' && kind !== 'account-root' && kind !== 'account-id') {
      throw new InvalidInputError(
        'INVALID_PRINCIPAL',
        `principal ${JSON.stringify(principal)} is a ${kind}; a stream or bus policy's Principal must be an IAM role ARN (arn:aws:iam::<account>:role/<name>) or an account (arn:aws:iam::<account>:root)`,
      );
    }
  }
}

/** What one generated policy grants: on which kind of ARN, to whom, which actions. */
interface GrantSpec {
  readonly kind: 'kinesis-stream' | 'kinesis-consumer' | 'event-bus';
  /** The resource the policy is attached to, in the error of an ARN of another kind. */
  readonly expected: string;
  readonly sid: string;
  readonly action: string | readonly string[];
}

/**
 * The resource-based policy granting `spec.action` on `resource` to `principals`.
 * @throws InvalidInputError (`INVALID_ARN`) when `resource` is not of `spec.kind`, (`INVALID_PRINCIPAL`) for a bad principal.
 */
function grantPolicy(spec: GrantSpec, resource: string, principals: readonly string[]): PolicyDocument {
  if (arnKind(resource) !== spec.kind) {
    throw new InvalidInputError('INVALID_ARN', `${JSON.stringify(resource)} is not ${spec.expected}`);
  }
  checkPrincipals(principals);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: spec.sid,
        Effect: 'Allow',
        Principal: { AWS: principals.length === 1 ? principals[0]! : [...principals] },
        Action: typeof spec.action === 'string' ? spec.action : [...spec.action],
        Resource: resource,
      },
    ],
  };
}

const STREAM_READ: GrantSpec = {
  kind: 'kinesis-stream',
  expected: 'a stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>)',
  sid: 'StreamshareCrossAccountRead',
  action: STREAM_CONSUMER_ACTIONS,
};

const FAN_OUT: GrantSpec = {
  kind: 'kinesis-consumer',
  expected: 'a stream consumer ARN (arn:aws:kinesis:<region>:<account>:stream/<name>/consumer/<consumer>:<timestamp>)',
  sid: 'StreamshareCrossAccountFanOut',
  action: FAN_OUT_CONSUMER_ACTIONS,
};

const BUS_PUT: GrantSpec = {
  kind: 'event-bus',
  expected: 'an event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)',
  sid: 'StreamshareForwarderPutEvents',
  action: 'events:PutEvents',
};

/**
 * The stream's resource-based policy that lets consumer roles read it from another account:
 * the five actions, including kinesis:DescribeStream (which the console's visual editor leaves out).
 */
export function streamReadPolicy(streamArn: string, principals: readonly string[]): PolicyDocument {
  return grantPolicy(STREAM_READ, streamArn, principals);
}

/** The resource-based policy of an enhanced fan-out consumer (attached to the consumer ARN). */
export function fanOutConsumerPolicy(consumerArn: string, principals: readonly string[]): PolicyDocument {
  return grantPolicy(FAN_OUT, consumerArn, principals);
}

/** The event bus policy that lets the forwarder's role put events on a bus of another account or region. */
export function eventBusPutPolicy(eventBusArn: string, principals: readonly string[]): PolicyDocument {
  return grantPolicy(BUS_PUT, eventBusArn, principals);
}
