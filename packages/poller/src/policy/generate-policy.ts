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

function expectKind(arn: string, kind: 'kinesis-stream' | 'kinesis-consumer' | 'event-bus', expected: string): void {
  if (arnKind(arn) !== kind) {
    throw new InvalidInputError('INVALID_ARN', `${JSON.stringify(arn)} is not ${expected}`);
  }
}

/**
 * The stream's resource-based policy that lets consumer roles read it from another account:
 * the five actions, including kinesis:DescribeStream (which the console's visual editor leaves out).
 */
export function streamReadPolicy(streamArn: string, principals: readonly string[]): PolicyDocument {
  expectKind(streamArn, 'kinesis-stream', 'a stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>)');
  checkPrincipals(principals);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'StreamshareCrossAccountRead',
        Effect: 'Allow',
        Principal: { AWS: principals.length === 1 ? principals[0]! : [...principals] },
        Action: [...STREAM_CONSUMER_ACTIONS],
        Resource: streamArn,
      },
    ],
  };
}

/** The resource-based policy of an enhanced fan-out consumer (attached to the consumer ARN). */
export function fanOutConsumerPolicy(consumerArn: string, principals: readonly string[]): PolicyDocument {
  expectKind(
    consumerArn,
    'kinesis-consumer',
    'a stream consumer ARN (arn:aws:kinesis:<region>:<account>:stream/<name>/consumer/<consumer>:<timestamp>)',
  );
  checkPrincipals(principals);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'StreamshareCrossAccountFanOut',
        Effect: 'Allow',
        Principal: { AWS: principals.length === 1 ? principals[0]! : [...principals] },
        Action: [...FAN_OUT_CONSUMER_ACTIONS],
        Resource: consumerArn,
      },
    ],
  };
}

/** The event bus policy that lets the forwarder's role put events on a bus of another account or region. */
export function eventBusPutPolicy(eventBusArn: string, principals: readonly string[]): PolicyDocument {
  expectKind(eventBusArn, 'event-bus', 'an event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)');
  checkPrincipals(principals);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'StreamshareForwarderPutEvents',
        Effect: 'Allow',
        Principal: { AWS: principals.length === 1 ? principals[0]! : [...principals] },
        Action: 'events:PutEvents',
        Resource: eventBusArn,
      },
    ],
  };
}
