import type { Consumer, ConsumerDescription } from '@aws-sdk/client-kinesis';
import { type BackoffOptions, classifyAwsError, parseStreamArn, retryCall } from '@streamshare/core/internal';
import {
  DescribeStreamConsumerCommand,
  GetResourcePolicyCommand,
  type KinesisClient,
  PutResourcePolicyCommand,
  RegisterStreamConsumerCommand,
} from '../deps/commonjs.cjs';
import { fanOutConsumerPolicy } from '../policy/generate-policy.js';
import { lintConsumerPolicy } from '../policy/lint-policy.js';
import type { PolicyDocument } from '../policy/policy-document.js';
import { type ConsumerCallContext, consumerCall, consumerCallError, listConsumers } from './consumer-calls.js';
import { ConsumerAdminError } from './consumer-errors.js';

/** AWS's limit of consumers registered on one stream. */
export const MAX_CONSUMERS_PER_STREAM = 20;

/** A consumer name: 1-128 characters of A-Z a-z 0-9 _ . - (RegisterStreamConsumer's rule). */
const CONSUMER_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * Checks a consumer name against AWS's rule (1-128 characters of `[a-zA-Z0-9_.-]`), before any call.
 * @throws ConsumerAdminError `INVALID_CONSUMER_NAME`, naming the first character at fault.
 */
export function checkConsumerName(name: string, setting = '--name'): void {
  if (CONSUMER_NAME.test(name)) return;
  const why =
    name.length === 0
      ? 'is empty'
      : name.length > 128
        ? `is ${name.length} characters long (at most 128)`
        : `has ${JSON.stringify([...name].find((c) => !/[A-Za-z0-9_.-]/.test(c)))}, which is not allowed`;
  throw new ConsumerAdminError(
    'INVALID_CONSUMER_NAME',
    `${setting}: consumer name ${JSON.stringify(name.length > 140 ? `${name.slice(0, 128)}…` : name)} ${why}: a consumer name is 1-128 characters of A-Z a-z 0-9 _ . -`,
  );
}

/** Options of {@link registerConsumer}. */
export interface RegisterConsumerOptions {
  /** A Kinesis client of the stream's owner account, in the stream's region. */
  readonly kinesis: KinesisClient;
  readonly streamArn: string;
  readonly consumerName: string;
  /** The consumer account's roles (or accounts) the consumer's policy lets describe it and subscribe. */
  readonly principals: readonly string[];
  /** How long to wait for the consumer to be ACTIVE (and for one of the same name to be deleted). Default 120. */
  readonly waitSeconds?: number;
  /** Replace a policy the consumer already has that does not grant the principals (default: refuse). */
  readonly replacePolicy?: boolean;
  /** The backoff between two DescribeStreamConsumer calls while waiting. Default 500 ms .. 5 s. */
  readonly pollBackoff?: BackoffOptions;
}

/** What {@link registerConsumer} did. */
export interface RegisteredConsumer {
  readonly consumerArn: string;
  readonly consumerName: string;
  readonly streamArn: string;
  /** `registered`: registered now; `reused`: a consumer of that name was there already (ACTIVE, or became so). */
  readonly registration: 'registered' | 'reused';
  /** `attached`: the policy was put; `kept`: the consumer's policy already grants the principals; `replaced`. */
  readonly policyAction: 'attached' | 'kept' | 'replaced';
  /** The consumer's policy as generated (`streamshare policy --consumer-arn` prints the same). */
  readonly policy: PolicyDocument;
}

/** The default wait for ACTIVE: AWS says registration takes a few seconds, rarely more than a minute. */
const DEFAULT_WAIT_SECONDS = 120;
const POLL_BACKOFF: BackoffOptions = { minMs: 500, maxMs: 5_000 };

/** A consumer that is not in the awaited state yet (thrown inside the polling loop only). */
class NotYet extends Error {
  constructor(readonly status: string) {
    super(`status ${status}`);
  }
}

/**
 * Polls DescribeStreamConsumer (by ARN, or by stream and name) with core's retry helper until
 * `settled` returns a value, or the deadline passes (then `timeout(lastStatus)` is thrown).
 * A consumer not found is `undefined` to `settled`.
 */
async function pollConsumer<T>(
  options: RegisterConsumerOptions,
  context: ConsumerCallContext & { readonly deadline: number },
  settled: (consumer: ConsumerDescription | undefined) => T | NotYet,
  timeout: (status: string) => ConsumerAdminError,
): Promise<T> {
  const input = context.consumerArn
    ? { ConsumerARN: context.consumerArn }
    : { StreamARN: context.streamArn, ConsumerName: context.consumerName };
  return retryCall(
    async () => {
      let consumer: ConsumerDescription | undefined;
      try {
        consumer = (await options.kinesis.send(new DescribeStreamConsumerCommand(input))).ConsumerDescription;
      } catch (error) {
        if (classifyAwsError(error).kind !== 'not-found') throw error;
      }
      const result = settled(consumer);
      if (result instanceof NotYet) throw result;
      return result;
    },
    {
      deadline: context.deadline,
      unref: true,
      verdict: (error) => {
        if (error instanceof NotYet) {
          return { error: timeout(error.status), backoff: options.pollBackoff ?? POLL_BACKOFF };
        }
        const kind = classifyAwsError(error).kind;
        const typed = consumerCallError(context, error);
        if (kind === 'throttled' || kind === 'service' || kind === 'network' || kind === 'no-response') {
          return { error: typed, backoff: options.pollBackoff ?? POLL_BACKOFF };
        }
        throw typed;
      },
    },
  );
}

/** RegisterStreamConsumer; undefined when a consumer of that name exists already (ResourceInUseException). */
async function tryRegister(options: RegisterConsumerOptions, deadline: number): Promise<Consumer | undefined> {
  const { kinesis, streamArn, consumerName } = options;
  const context = { action: 'RegisterStreamConsumer', streamArn, consumerName, deadline };
  return consumerCall(context, async () => {
    try {
      const answer = await kinesis.send(
        new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }),
      );
      return answer.Consumer;
    } catch (error) {
      const { kind, name } = classifyAwsError(error);
      if (kind === 'resource-in-use') return undefined;
      if (name === 'LimitExceededException') await checkConsumerLimit(options, deadline, error);
      throw error;
    }
  });
}

/**
 * LimitExceededException from RegisterStreamConsumer is either the stream's 20 consumers (final: a
 * typed error listing them) or too many registrations at once (5 CREATING at a time, a few calls per
 * second: returns, and the call is retried after a backoff).
 */
async function checkConsumerLimit(options: RegisterConsumerOptions, deadline: number, cause: unknown): Promise<void> {
  const consumers = await listConsumers(options.kinesis, options.streamArn, deadline);
  if (consumers.length < MAX_CONSUMERS_PER_STREAM) return;
  const names = consumers.map((c) => `${c.ConsumerName} (${c.ConsumerStatus})`).join(', ');
  throw new ConsumerAdminError(
    'CONSUMER_LIMIT',
    `cannot register consumer ${options.consumerName} on ${options.streamArn}: the stream has ${consumers.length} consumers, ` +
      `AWS's limit is ${MAX_CONSUMERS_PER_STREAM} per stream (LimitExceededException). Deregister one that is no longer read ` +
      `(streamshare consumer deregister --consumer-arn ARN) or reuse one by its name. Registered: ${names}`,
    { cause },
  );
}

/**
 * Registers an enhanced fan-out consumer on a stream and makes it usable from the consumer account,
 * as the stream's owner (the producer account):
 *
 * 1. checks the name (`INVALID_CONSUMER_NAME`) and the principals (`INVALID_PRINCIPAL`) before any call;
 * 2. RegisterStreamConsumer; when a consumer of that name exists (ResourceInUseException) it is reused
 *    if ACTIVE or CREATING; if DELETING, it waits until it is gone and registers again
 *    (`CONSUMER_DELETING` when the wait ends first); LimitExceededException with 20 consumers
 *    registered is `CONSUMER_LIMIT`, otherwise (too many registrations at once) it is retried;
 * 3. waits until the consumer is ACTIVE (DescribeStreamConsumer, polled with core's backoff), at most
 *    `waitSeconds` (`CONSUMER_WAIT_TIMEOUT`, naming the consumer and its last status);
 * 4. attaches the consumer's resource policy (PutResourcePolicy on the consumer ARN:
 *    {@link fanOutConsumerPolicy}, kinesis:DescribeStreamConsumer and kinesis:SubscribeToShard for
 *    `principals`). A policy already there that grants them is kept; one that does not is refused
 *    (`CONSUMER_POLICY_EXISTS`) unless `replacePolicy`.
 *
 * Access denied anywhere is `CONSUMER_ACCESS_DENIED`, saying which account must grant what.
 * @throws ConsumerAdminError, InvalidInputError, InvalidArnError
 */
export async function registerConsumer(options: RegisterConsumerOptions): Promise<RegisteredConsumer> {
  const { streamArn, consumerName, principals } = options;
  parseStreamArn(streamArn, '--stream-arn');
  checkConsumerName(consumerName);
  // Checks the principals before any call (the ARN is a stand-in: the real one has the creation time).
  fanOutConsumerPolicy(`${streamArn}/consumer/${consumerName}:0`, principals);
  const deadline = Date.now() + (options.waitSeconds ?? DEFAULT_WAIT_SECONDS) * 1000;
  const byName = { action: 'DescribeStreamConsumer', streamArn, consumerName, deadline };

  let registration: RegisteredConsumer['registration'] = 'registered';
  let consumer = await tryRegister(options, deadline);
  if (consumer === undefined) {
    registration = 'reused';
    // A consumer of that name exists: reuse it, or wait for its deletion to end and register again.
    const existing = await pollConsumer(
      options,
      byName,
      (found) => (found?.ConsumerStatus === 'DELETING' ? new NotYet('DELETING') : (found ?? null)),
      () =>
        new ConsumerAdminError(
          'CONSUMER_DELETING',
          `consumer ${consumerName} of ${streamArn} is being deleted (DELETING) and was still there after ${options.waitSeconds ?? DEFAULT_WAIT_SECONDS} s: ` +
            'run again once it is gone (a new registration gets a new ARN), or choose another --name',
        ),
    );
    if (existing === null) {
      registration = 'registered';
      consumer = await tryRegister(options, deadline);
      if (consumer === undefined) {
        consumer = await pollConsumer(
          options,
          byName,
          (found) => found ?? new NotYet('not found'),
          () =>
            new ConsumerAdminError(
              'CONSUMER_CALL_FAILED',
              `consumer ${consumerName} of ${streamArn} exists but cannot be described`,
            ),
        );
      }
    } else {
      consumer = existing;
    }
  }
  const consumerArn = consumer.ConsumerARN;
  if (consumerArn === undefined) {
    throw new ConsumerAdminError(
      'CONSUMER_CALL_FAILED',
      `RegisterStreamConsumer returned no ConsumerARN for ${consumerName}`,
    );
  }
  if (consumer.ConsumerStatus !== 'ACTIVE') {
    await pollConsumer(
      options,
      { action: 'DescribeStreamConsumer', streamArn, consumerName, consumerArn, deadline },
      (found) =>
        found === undefined
          ? new NotYet('not found')
          : found.ConsumerStatus === 'ACTIVE'
            ? found
            : new NotYet(found.ConsumerStatus ?? 'unknown'),
      (status) =>
        new ConsumerAdminError(
          'CONSUMER_WAIT_TIMEOUT',
          `consumer ${consumerName} (${consumerArn}) was not ACTIVE after ${options.waitSeconds ?? DEFAULT_WAIT_SECONDS} s (last status: ${status}): ` +
            'raise --wait-seconds, or run the command again later (it reuses the consumer)',
        ),
    );
  }
  const policy = fanOutConsumerPolicy(consumerArn, principals);
  const policyAction = await attachPolicy(options, consumerArn, policy, deadline);
  return { consumerArn, consumerName, streamArn, registration, policyAction, policy };
}

/** Reads the consumer's policy (GetResourcePolicy): undefined when it has none. */
async function currentPolicy(
  options: RegisterConsumerOptions,
  context: ConsumerCallContext,
): Promise<string | undefined> {
  return consumerCall(context, async () => {
    try {
      const answer = await options.kinesis.send(new GetResourcePolicyCommand({ ResourceARN: context.consumerArn }));
      const text = answer.Policy?.trim();
      return text === undefined || text === '' || text === '{}' ? undefined : text;
    } catch (error) {
      if (classifyAwsError(error).kind === 'not-found') return undefined;
      throw error;
    }
  });
}

async function attachPolicy(
  options: RegisterConsumerOptions,
  consumerArn: string,
  policy: PolicyDocument,
  deadline: number,
): Promise<RegisteredConsumer['policyAction']> {
  const { streamArn, consumerName } = options;
  const read = { action: 'GetResourcePolicy', streamArn, consumerName, consumerArn, deadline };
  const existing = await currentPolicy(options, read);
  let action: RegisteredConsumer['policyAction'] = 'attached';
  if (existing !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(existing);
    } catch {
      parsed = existing;
    }
    const errors = lintConsumerPolicy(parsed, consumerArn, { principals: options.principals }).filter(
      (f) => f.severity === 'error',
    );
    if (errors.length === 0) return 'kept';
    if (options.replacePolicy !== true) {
      throw new ConsumerAdminError(
        'CONSUMER_POLICY_EXISTS',
        `consumer ${consumerName} (${consumerArn}) already has a resource policy that does not let ${options.principals.join(', ')} ` +
          `subscribe (${errors.map((f) => `${f.code}: ${f.message}`).join('; ')}). PutResourcePolicy replaces a policy whole: ` +
          'run again with --replace-policy to replace it with the generated one, or merge the statement of ' +
          '`streamshare policy --consumer-arn ARN --principal ROLE_ARN` into it yourself',
      );
    }
    action = 'replaced';
  }
  const put = { action: 'PutResourcePolicy', streamArn, consumerName, consumerArn, deadline };
  await consumerCall(put, () =>
    options.kinesis.send(new PutResourcePolicyCommand({ ResourceARN: consumerArn, Policy: JSON.stringify(policy) })),
  );
  return action;
}
