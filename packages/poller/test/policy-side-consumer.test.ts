/**
 * Which policy must grant a denied enhanced fan-out action: kinesis:SubscribeToShard and
 * kinesis:DescribeStreamConsumer are granted by the consumer's resource-based policy (on the
 * consumer ARN), not the stream's. explainAccessDenied's `side`, and the AccessDeniedError the
 * poller raises (classifyKinesisError, subscriptionVerdict), name that policy, the consumer ARN and
 * the producer account that attaches it; stream actions keep the stream's sides.
 *
 * Message texts: AWS's documented format ("User: <principal> is not authorized to perform: <action>
 * on resource: <arn> because no resource-based policy allows the <action> action"), and, as reported
 * from real consumers (aws/aws-cdk issue 22184), a denial without a "because" clause whose
 * DescribeStreamConsumer resource is the consumer ARN without its creation time.
 */
import { AccessDeniedException } from '@aws-sdk/client-kinesis';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCheck } from '../src/doctor/index.js';
import { classifyKinesisError } from '../src/errors/classify.js';
import { AccessDeniedError } from '../src/errors/poller-error.js';
import { explainAccessDenied } from '../src/policy/explain-access-denied.js';
import { subscriptionVerdict } from '../src/subscription/decide.js';

const PRODUCER = '444455556666';
const STREAM_ARN = `arn:aws:kinesis:us-east-1:${PRODUCER}:stream/s`;
const CONSUMER_ARN = `${STREAM_ARN}/consumer/c:1700000000`;
const SESSION = 'arn:aws:sts::111122223333:assumed-role/r/s';

const because = (action: string, resource: string, why: string) =>
  `User: ${SESSION} is not authorized to perform: ${action} on resource: ${resource} because ${why}`;
const noResourcePolicy = (action: string, resource = CONSUMER_ARN) =>
  because(action, resource, `no resource-based policy allows the ${action} action`);
const noIdentityPolicy = (action: string, resource = CONSUMER_ARN) =>
  because(action, resource, `no identity-based policy allows the ${action} action`);
const explicitDeny = (action: string, kind: 'resource' | 'identity', resource = CONSUMER_ARN) =>
  `User: ${SESSION} is not authorized to perform: ${action} on resource: ${resource} with an explicit deny in ${kind === 'resource' ? 'a resource-based' : 'an identity-based'} policy`;

const cross = { streamArn: STREAM_ARN, crossAccount: true, consumerArn: CONSUMER_ARN };
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('explainAccessDenied: the consumer resource-based policy', () => {
  it('SubscribeToShard "no resource-based policy allows": consumer-resource-policy, naming the consumer ARN and the producer account', () => {
    const out = explainAccessDenied(noResourcePolicy('kinesis:SubscribeToShard'), {
      ...cross,
      action: 'kinesis:SubscribeToShard',
    });
    expect(out).toMatchObject({
      side: 'consumer-resource-policy',
      consumerArn: CONSUMER_ARN,
      action: 'kinesis:SubscribeToShard',
      resource: CONSUMER_ARN,
      principal: SESSION,
    });
    expect(out.advice).toMatch(
      new RegExp(
        `^the consumer's resource-based policy \\(attached to ${escapeRegExp(CONSUMER_ARN)} by the producer account ${PRODUCER}\\) needs a statement allowing kinesis:SubscribeToShard to ${escapeRegExp(SESSION)}`,
      ),
    );
    expect(out.advice).toContain(`streamshare consumer register --stream-arn ${STREAM_ARN} --name c --principal`);
  });

  it('DescribeStreamConsumer "no resource-based policy allows": consumer-resource-policy', () => {
    const out = explainAccessDenied(noResourcePolicy('kinesis:DescribeStreamConsumer'), {
      ...cross,
      action: 'kinesis:DescribeStreamConsumer',
    });
    expect(out).toMatchObject({ side: 'consumer-resource-policy', consumerArn: CONSUMER_ARN });
    expect(out.advice).toContain(`allowing kinesis:DescribeStreamConsumer to ${SESSION}`);
  });

  it('without consumerArn in the context, a consumer ARN as the message resource is the consumer side', () => {
    const { consumerArn: _, ...noConsumer } = cross;
    const out = explainAccessDenied(noResourcePolicy('kinesis:SubscribeToShard'), {
      ...noConsumer,
      action: 'kinesis:SubscribeToShard',
    });
    expect(out).toMatchObject({ side: 'consumer-resource-policy', consumerArn: CONSUMER_ARN });
    expect(out.advice).toContain(`attached to ${CONSUMER_ARN} by the producer account ${PRODUCER}`);
  });

  it('cross-account without a "because" (the resource without its creation time): the consumer policy and the role policy', () => {
    // As reported from a real consumer (aws/aws-cdk issue 22184), the accounts changed.
    const resource = `${STREAM_ARN}/consumer/my-consumer`;
    const message = `User: ${SESSION} is not authorized to perform: kinesis:DescribeStreamConsumer on resource: ${resource}`;
    const out = explainAccessDenied(message, {
      streamArn: STREAM_ARN,
      crossAccount: true,
      action: 'kinesis:DescribeStreamConsumer',
    });
    expect(out).toMatchObject({ side: 'consumer-resource-and-identity-policy', consumerArn: resource });
    expect(out.advice).toContain(
      `the consumer's resource-based policy (attached to ${resource} by the producer account ${PRODUCER})`,
    );
    expect(out.advice).toContain('--name my-consumer');
    expect(out.advice).toContain(
      `and the consumer role's own identity policy needs kinesis:DescribeStreamConsumer on ${resource}`,
    );
    expect(out.advice).not.toContain('AWSLambdaKinesisExecutionRole');
    // With the full consumer ARN known to the caller, that one is named.
    const known = explainAccessDenied(message, { ...cross, action: 'kinesis:DescribeStreamConsumer' });
    expect(known).toMatchObject({ side: 'consumer-resource-and-identity-policy', consumerArn: CONSUMER_ARN });
  });

  it("an explicit deny in the consumer's policy is explicit-deny-consumer-resource-policy; in the role's, explicit-deny-identity-policy", () => {
    const denied = explainAccessDenied(explicitDeny('kinesis:SubscribeToShard', 'resource'), {
      ...cross,
      action: 'kinesis:SubscribeToShard',
    });
    expect(denied.side).toBe('explicit-deny-consumer-resource-policy');
    expect(denied.advice).toBe(
      `a Deny statement in the consumer's resource-based policy (attached to ${CONSUMER_ARN} by the producer account ${PRODUCER}) blocks kinesis:SubscribeToShard: remove it for ${SESSION}`,
    );
    const identity = explainAccessDenied(explicitDeny('kinesis:SubscribeToShard', 'identity'), {
      ...cross,
      action: 'kinesis:SubscribeToShard',
    });
    expect(identity.side).toBe('explicit-deny-identity-policy');
  });

  it('"no identity-based policy allows" stays the role\'s policy, on the consumer ARN', () => {
    const out = explainAccessDenied(noIdentityPolicy('kinesis:SubscribeToShard'), {
      ...cross,
      action: 'kinesis:SubscribeToShard',
    });
    expect(out.side).toBe('consumer-identity-policy');
    expect(out.advice).toBe(
      `the consumer role's own identity policy needs kinesis:SubscribeToShard on ${CONSUMER_ARN}`,
    );
  });

  it('stream actions keep the stream sides, even with a consumer ARN in the context', () => {
    const action = 'kinesis:ListShards';
    const context = { ...cross, action };
    expect(explainAccessDenied(noResourcePolicy(action, STREAM_ARN), context)).toMatchObject({
      side: 'stream-resource-policy',
    });
    expect(explainAccessDenied(noResourcePolicy(action, STREAM_ARN), context)).not.toHaveProperty('consumerArn');
    expect(explainAccessDenied(explicitDeny(action, 'resource', STREAM_ARN), context).side).toBe(
      'explicit-deny-resource-policy',
    );
    expect(explainAccessDenied('Access denied', context).side).toBe('both');
    expect(explainAccessDenied('Access denied', { ...context, crossAccount: false }).side).toBe(
      'consumer-identity-policy',
    );
  });

  it('for any message, the side is a consumer policy side exactly when the resource is the consumer', () => {
    const actions = [
      'kinesis:SubscribeToShard',
      'kinesis:DescribeStreamConsumer',
      'kinesis:ListShards',
      'kinesis:DescribeStreamSummary',
    ];
    const messages = [noResourcePolicy, (a: string) => explicitDeny(a, 'resource'), () => 'Access denied'];
    fc.assert(
      fc.property(
        fc.constantFrom(...actions),
        fc.constantFrom(...messages),
        fc.boolean(),
        fc.string(),
        (action, message, withConsumer, noise) => {
          const fanOut = action === 'kinesis:SubscribeToShard' || action === 'kinesis:DescribeStreamConsumer';
          const text = message(action).replace(CONSUMER_ARN, fanOut ? CONSUMER_ARN : STREAM_ARN);
          const out = explainAccessDenied(`${text}${noise.replace(/\S/g, ' ')}`, {
            action,
            streamArn: STREAM_ARN,
            crossAccount: true,
            ...(withConsumer ? { consumerArn: CONSUMER_ARN } : {}),
          });
          // The message names the consumer ARN as resource only for the fan-out actions; a bare
          // "Access denied" names none, so the context's consumer ARN decides.
          const namesConsumer = fanOut && (text !== 'Access denied' || withConsumer);
          expect(out.side.includes('consumer-resource')).toBe(namesConsumer);
          expect(out.consumerArn === undefined).toBe(!namesConsumer);
          if (namesConsumer) expect(out.advice).toContain(CONSUMER_ARN);
        },
      ),
    );
  });
});

describe("the poller's AccessDeniedError for the fan-out actions", () => {
  const context = { action: 'SubscribeToShard', streamArn: STREAM_ARN, region: 'us-east-1', consumerArn: CONSUMER_ARN };
  const denied = (message: string) => new AccessDeniedException({ message, $metadata: { httpStatusCode: 400 } });

  it("classifyKinesisError with the consumer ARN in the call context: the consumer's side, ARN and statement", () => {
    const { error } = classifyKinesisError(denied(noResourcePolicy('kinesis:SubscribeToShard')), context);
    expect(error).toBeInstanceOf(AccessDeniedError);
    const access = error as AccessDeniedError;
    expect(access).toMatchObject({
      code: 'ACCESS_DENIED',
      side: 'consumer-resource-policy',
      consumerArn: CONSUMER_ARN,
      streamArn: STREAM_ARN,
      principal: 'arn:aws:iam::111122223333:role/r',
    });
    expect(access.statement).toEqual({
      Sid: 'StreamshareCrossAccountFanOut',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:role/r' },
      Action: ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'],
      Resource: CONSUMER_ARN,
    });
    expect(access.message).toContain(
      `kinesis:SubscribeToShard was denied on ${CONSUMER_ARN} (a consumer of ${STREAM_ARN})`,
    );
    expect(access.message).toContain(
      `The stream owner (account ${PRODUCER}) adds this statement to the resource-based policy of consumer ${CONSUMER_ARN}`,
    );
    expect(access.message).not.toContain("stream's resource-based policy (producer account");
  });

  it('a bare "Access denied" (no resource in the message): the call context alone names the consumer', () => {
    const verdict = subscriptionVerdict(denied('Access denied'), context);
    expect(verdict.kind).toBe('fatal');
    expect(verdict.error).toMatchObject({
      code: 'ACCESS_DENIED',
      side: 'consumer-resource-and-identity-policy',
      consumerArn: CONSUMER_ARN,
    });
    expect(verdict.error.message).toContain(`attached to ${CONSUMER_ARN} by the producer account ${PRODUCER}`);
  });

  it('a stream action keeps the stream statement and side', () => {
    const { error } = classifyKinesisError(denied(noResourcePolicy('kinesis:ListShards', STREAM_ARN)), {
      ...context,
      action: 'ListShards',
    });
    expect(error).toMatchObject({ side: 'stream-resource-policy', consumerArn: undefined });
    expect((error as AccessDeniedError).statement.Resource).toBe(STREAM_ARN);
    expect((error as AccessDeniedError).statement.Action).toHaveLength(5);
  });

  it('a doctor check of a denial prints its side under the fix', () => {
    const line = formatCheck({
      name: 'kinesis:SubscribeToShard',
      status: 'fail',
      detail: 'access denied: ...',
      fix: 'the consumer ...',
      side: 'consumer-resource-policy',
    });
    expect(line.split('\n')).toEqual([
      `FAIL ${'kinesis:SubscribeToShard'.padEnd(30)} access denied: ...`,
      '     fix: the consumer ...',
      '     side: consumer-resource-policy',
    ]);
  });
});
