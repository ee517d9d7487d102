import { arnAccount } from '@streamshare/core/internal';
import { FAN_OUT_CONSUMER_ACTIONS, STREAM_CONSUMER_ACTIONS } from './policy-document.js';

/** Which policy must change to grant an action that was denied. */
export type PolicySide =
  | 'stream-resource-policy'
  | 'consumer-identity-policy'
  | 'both'
  | 'explicit-deny-resource-policy'
  | 'explicit-deny-identity-policy'
  | 'unknown';

/** What an AccessDenied message tells: the principal, the action, and the policy at fault. */
export interface AccessDeniedExplanation {
  readonly principal?: string;
  readonly action?: string;
  readonly resource?: string;
  readonly side: PolicySide;
  /** One or two sentences telling who must add or remove what. */
  readonly advice: string;
}

/** The texts of the resource side: the stream's policy, or (for the two fan-out actions) the consumer's. */
function resourceSide(
  action: string,
  who: string,
  producer: string,
  context: { streamArn: string; consumerArn?: string | undefined },
) {
  const { streamArn, consumerArn } = context;
  if (consumerArn !== undefined && (FAN_OUT_CONSUMER_ACTIONS as readonly string[]).includes(action)) {
    const name = /\/consumer\/([^:]+):/.exec(consumerArn)?.[1] ?? '<name>';
    return {
      policy: `the consumer's resource-based policy (attached to ${consumerArn} by the producer account ${producer})`,
      statement: `the consumer's resource-based policy (attached to ${consumerArn} by the producer account ${producer}) needs a statement allowing ${action} to ${who}; the producer attaches it with \`streamshare consumer register --stream-arn ${streamArn} --name ${name} --principal <role ARN>\` (or \`streamshare policy --consumer-arn ${consumerArn} --principal <role ARN>\` prints it with both ${FAN_OUT_CONSUMER_ACTIONS.join(' and ')}); the stream's own policy must still allow kinesis:DescribeStreamSummary and kinesis:ListShards`,
      resource: consumerArn,
    };
  }
  return {
    policy: `the stream's resource-based policy (producer account ${producer})`,
    statement: `the stream's resource-based policy (producer account ${producer}) needs a statement allowing ${action} to ${who}; \`streamshare policy --stream-arn ${streamArn} --principal <role ARN>\` prints it with all ${STREAM_CONSUMER_ACTIONS.length} actions`,
    resource: streamArn,
  };
}

/**
 * Reads an AWS AccessDenied message ("User: <arn> is not authorized to perform: <action> on
 * resource: <arn> because no resource-based policy allows the <action> action") and says which
 * side must change. `crossAccount` tells whether the caller and the stream are in different
 * accounts (then both the stream's policy and the caller's own policy must allow the action).
 * With `consumerArn`, the two enhanced fan-out actions (kinesis:DescribeStreamConsumer,
 * kinesis:SubscribeToShard) point to the consumer's policy instead of the stream's.
 */
export function explainAccessDenied(
  message: string,
  context: { action: string; streamArn: string; crossAccount: boolean; consumerArn?: string | undefined },
): AccessDeniedExplanation {
  const principal = /User: (\S+) is not authorized/.exec(message)?.[1];
  const action = /perform: (\S+)/.exec(message)?.[1] ?? context.action;
  const resource = /on resource: (\S+)/.exec(message)?.[1];
  const producer = arnAccount(context.streamArn) ?? 'the producer account';
  const who = principal ?? 'the consumer role';
  const grant = resourceSide(action, who, producer, context);
  const streamStatement = grant.statement;
  const identityStatement = `the consumer role's own identity policy needs ${action} on ${grant.resource}${grant.resource === context.streamArn ? ' (for Lambda, attach AWSLambdaKinesisExecutionRole)' : ''}`;
  let side: PolicySide;
  let advice: string;
  if (/explicit deny in a resource-based policy/i.test(message)) {
    side = 'explicit-deny-resource-policy';
    advice = `a Deny statement in ${grant.policy} blocks ${action}: remove it for ${who}`;
  } else if (/explicit deny in an identity-based policy/i.test(message)) {
    side = 'explicit-deny-identity-policy';
    advice = `a Deny statement in the consumer role's identity policy (or a permissions boundary) blocks ${action}: remove it`;
  } else if (/no resource-based policy allows/i.test(message)) {
    side = 'stream-resource-policy';
    advice = streamStatement;
  } else if (/no identity-based policy allows/i.test(message)) {
    side = 'consumer-identity-policy';
    advice = identityStatement;
  } else if (context.crossAccount) {
    side = 'both';
    advice = `${streamStatement}; and ${identityStatement}`;
  } else {
    side = 'consumer-identity-policy';
    advice = identityStatement;
  }
  return {
    ...(principal === undefined ? {} : { principal }),
    action,
    ...(resource === undefined ? {} : { resource }),
    side,
    advice,
  };
}
