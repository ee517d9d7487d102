import { arnAccount } from '@streamshare/core/internal';
import { FAN_OUT_CONSUMER_ACTIONS, STREAM_CONSUMER_ACTIONS } from './policy-document.js';

/**
 * Which policy must change to grant an action that was denied. "Resource" policies are attached by
 * the producer account (the stream's owner); the identity policy is the consumer role's own.
 *
 * - `stream-resource-policy`: the stream's resource-based policy (on the stream ARN) allows no such action.
 * - `consumer-resource-policy`: the enhanced fan-out consumer's resource-based policy (on the consumer
 *   ARN) allows no such action (kinesis:SubscribeToShard, kinesis:DescribeStreamConsumer).
 * - `consumer-identity-policy`: the consumer role's own identity policy allows no such action.
 * - `both`: cross-account, and the message does not say which: the stream's policy and the role's own.
 * - `consumer-resource-and-identity-policy`: as `both`, with the consumer's policy instead of the stream's.
 * - `explicit-deny-resource-policy`: a Deny in the stream's resource-based policy.
 * - `explicit-deny-consumer-resource-policy`: a Deny in the consumer's resource-based policy.
 * - `explicit-deny-identity-policy`: a Deny in the role's identity policy or its permissions boundary.
 * - `unknown`: not told.
 */
export type PolicySide =
  | 'stream-resource-policy'
  | 'consumer-resource-policy'
  | 'consumer-identity-policy'
  | 'both'
  | 'consumer-resource-and-identity-policy'
  | 'explicit-deny-resource-policy'
  | 'explicit-deny-consumer-resource-policy'
  | 'explicit-deny-identity-policy'
  | 'unknown';

/** What an AccessDenied message tells: the principal, the action, and the policy at fault. */
export interface AccessDeniedExplanation {
  readonly principal?: string;
  readonly action?: string;
  readonly resource?: string;
  readonly side: PolicySide;
  /**
   * The enhanced fan-out consumer whose resource-based policy is the resource side (for
   * kinesis:SubscribeToShard and kinesis:DescribeStreamConsumer); absent when it is the stream's.
   */
  readonly consumerArn?: string;
  /** One or two sentences telling who must add or remove what. */
  readonly advice: string;
}

/** A consumer ARN as an AccessDenied message names it (AWS sometimes leaves out the `:<creation time>`). */
const CONSUMER_RESOURCE = /^arn:[^:]+:kinesis:[^:]*:[^:]*:stream\/[^/]+\/consumer\/[^/:]+/;

/**
 * The consumer whose policy is the resource side: the message's resource when it is a consumer ARN,
 * else `consumerArn` of the call for the two fan-out actions; undefined when it is the stream's policy.
 */
function consumerOf(action: string, resource: string | undefined, consumerArn: string | undefined) {
  if (consumerArn !== undefined && (FAN_OUT_CONSUMER_ACTIONS as readonly string[]).includes(action)) {
    return consumerArn;
  }
  return resource !== undefined && CONSUMER_RESOURCE.test(resource) ? resource : undefined;
}

/** The texts of the resource side: the stream's policy, or (for the two fan-out actions) the consumer's. */
function resourceSide(action: string, who: string, producer: string, streamArn: string, consumerArn?: string) {
  if (consumerArn !== undefined) {
    const name = /\/consumer\/([^:/]+)/.exec(consumerArn)?.[1] ?? '<name>';
    const policy = `the consumer's resource-based policy (attached to ${consumerArn} by the producer account ${producer})`;
    return {
      policy,
      statement: `${policy} needs a statement allowing ${action} to ${who}; the producer attaches it with \`streamshare consumer register --stream-arn ${streamArn} --name ${name} --principal <role ARN>\` (or \`streamshare policy --consumer-arn ${consumerArn} --principal <role ARN>\` prints it with both ${FAN_OUT_CONSUMER_ACTIONS.join(' and ')}); the stream's own policy must still allow kinesis:DescribeStreamSummary and kinesis:ListShards`,
      resource: consumerArn,
    };
  }
  const policy = `the stream's resource-based policy (producer account ${producer})`;
  return {
    policy,
    statement: `${policy} needs a statement allowing ${action} to ${who}; \`streamshare policy --stream-arn ${streamArn} --principal <role ARN>\` prints it with all ${STREAM_CONSUMER_ACTIONS.length} actions`,
    resource: streamArn,
  };
}

/**
 * Reads an AWS AccessDenied message ("User: <arn> is not authorized to perform: <action> on
 * resource: <arn> because no resource-based policy allows the <action> action") and says which
 * side must change. `crossAccount` tells whether the caller and the stream are in different
 * accounts (then both the stream's policy and the caller's own policy must allow the action).
 * The resource side is the enhanced fan-out consumer's policy (a `consumer-*` side, naming the
 * consumer ARN) when the message's resource is a consumer ARN, or with `consumerArn` for the two
 * fan-out actions (kinesis:DescribeStreamConsumer, kinesis:SubscribeToShard); else the stream's.
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
  const consumerArn = consumerOf(action, resource, context.consumerArn);
  const onConsumer = consumerArn !== undefined;
  const grant = resourceSide(action, who, producer, context.streamArn, consumerArn);
  const identityStatement = `the consumer role's own identity policy needs ${action} on ${grant.resource}${onConsumer ? '' : ' (for Lambda, attach AWSLambdaKinesisExecutionRole)'}`;
  let side: PolicySide;
  let advice: string;
  if (/explicit deny in a resource-based policy/i.test(message)) {
    side = onConsumer ? 'explicit-deny-consumer-resource-policy' : 'explicit-deny-resource-policy';
    advice = `a Deny statement in ${grant.policy} blocks ${action}: remove it for ${who}`;
  } else if (/explicit deny in an identity-based policy/i.test(message)) {
    side = 'explicit-deny-identity-policy';
    advice = `a Deny statement in the consumer role's identity policy (or a permissions boundary) blocks ${action}: remove it`;
  } else if (/no resource-based policy allows/i.test(message)) {
    side = onConsumer ? 'consumer-resource-policy' : 'stream-resource-policy';
    advice = grant.statement;
  } else if (/no identity-based policy allows/i.test(message)) {
    side = 'consumer-identity-policy';
    advice = identityStatement;
  } else if (context.crossAccount) {
    side = onConsumer ? 'consumer-resource-and-identity-policy' : 'both';
    advice = `${grant.statement}; and ${identityStatement}`;
  } else {
    side = 'consumer-identity-policy';
    advice = identityStatement;
  }
  return {
    ...(principal === undefined ? {} : { principal }),
    action,
    ...(resource === undefined ? {} : { resource }),
    side,
    ...(consumerArn === undefined ? {} : { consumerArn }),
    advice,
  };
}
