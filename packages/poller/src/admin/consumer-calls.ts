import type { Consumer } from '@aws-sdk/client-kinesis';
import { arnAccount, arnRegion, type BackoffOptions, classifyAwsError, retryCall } from '@streamshare/core/internal';
import { DeregisterStreamConsumerCommand, type KinesisClient, ListStreamConsumersCommand } from '../deps/commonjs.cjs';
import { isInstance } from '../errors/instance.js';
import { ConsumerAdminError } from './consumer-errors.js';

/** What a consumer call is about, for its retries and its error messages. */
export interface ConsumerCallContext {
  /** The Kinesis action, e.g. `RegisterStreamConsumer`. */
  readonly action: string;
  readonly streamArn: string;
  /** The consumer's name, when known. */
  readonly consumerName?: string | undefined;
  /** The consumer's ARN, when known (the resource of DescribeStreamConsumer, PutResourcePolicy...). */
  readonly consumerArn?: string | undefined;
  /** No retry waits past this time (epoch ms). */
  readonly deadline?: number | undefined;
}

/** The backoff of throttled and transient consumer calls (the control plane allows a few calls per second). */
export const CONSUMER_CALL_BACKOFF: BackoffOptions = { minMs: 250, maxMs: 5_000 };

/** Attempts of one control-plane call (throttling, 5xx, network) before its error is thrown. */
const ATTEMPTS = 6;

const TRANSIENT_KINDS = new Set(['throttled', 'service', 'network', 'no-response']);

/** The consumer ARN, or the stream's consumers when no ARN is known yet: the resource a denied call was about. */
function resourceOf(context: ConsumerCallContext): string {
  return context.consumerArn ?? `${context.streamArn}/consumer/${context.consumerName ?? '*'}:*`;
}

/**
 * The typed error of a failed consumer call: access denied (which account must grant what), not
 * found, or any other failure, each naming the action, the stream and the consumer.
 */
export function consumerCallError(context: ConsumerCallContext, error: unknown): ConsumerAdminError {
  if (isInstance(error, ConsumerAdminError)) return error;
  const { kind, name = 'Error', message } = classifyAwsError(error);
  const { action, streamArn } = context;
  const owner = arnAccount(streamArn) ?? 'the stream owner';
  const consumer = context.consumerName === undefined ? '' : ` (consumer ${context.consumerName})`;
  if (kind === 'access-denied' || kind === 'invalid-credentials') {
    const register =
      action === 'RegisterStreamConsumer'
        ? '; a consumer account cannot register a consumer on a stream it does not own: the producer registers it and hands the consumer ARN to the consumer account'
        : '';
    const resource = action === 'RegisterStreamConsumer' ? streamArn : resourceOf(context);
    return new ConsumerAdminError(
      'CONSUMER_ACCESS_DENIED',
      `kinesis:${action} was denied on ${resource}${consumer} (${name}: ${message}). Consumers of a stream are registered ` +
        `and given their policy by the stream's owner, account ${owner}: run this with credentials of account ${owner} ` +
        `whose identity policy allows kinesis:${action} on ${resource}${register}`,
      { cause: error },
    );
  }
  if (kind === 'not-found') {
    return new ConsumerAdminError(
      'CONSUMER_NOT_FOUND',
      `kinesis:${action} found no ${context.consumerArn ? `consumer ${context.consumerArn}` : `stream ${streamArn}`}${consumer} ` +
        `(${name}: ${message}): check the ARN (account ${owner}, region ${arnRegion(streamArn) ?? '?'}) and the region the client calls`,
      { cause: error },
    );
  }
  return new ConsumerAdminError(
    'CONSUMER_CALL_FAILED',
    `kinesis:${action} failed on ${resourceOf(context)}${consumer}: ${name}: ${message}`,
    { cause: error },
  );
}

/**
 * Runs one control-plane call: throttling, 5xx and network failures are retried with core's backoff
 * (at most 6 attempts, never past `context.deadline`); anything else, or the last failure, is thrown
 * as a {@link ConsumerAdminError}. A `ConsumerAdminError` thrown by `run` itself is thrown at once.
 */
export async function consumerCall<T>(context: ConsumerCallContext, run: () => Promise<T>): Promise<T> {
  return retryCall(run, {
    attempts: ATTEMPTS,
    deadline: context.deadline,
    unref: true,
    verdict: (error) => {
      if (isInstance(error, ConsumerAdminError)) throw error;
      const transient = TRANSIENT_KINDS.has(classifyAwsError(error).kind);
      const typed = consumerCallError(context, error);
      if (!transient) throw typed;
      return { error: typed, backoff: CONSUMER_CALL_BACKOFF };
    },
  });
}

/** At most this many pages of ListStreamConsumers are read (a stream has at most 20 consumers). */
const MAX_PAGES = 20;

/**
 * Every consumer registered on the stream (ListStreamConsumers, all pages). A page without consumers
 * ends the listing even when it carries a NextToken (kinesis-mock always returns one).
 */
export async function listConsumers(kinesis: KinesisClient, streamArn: string, deadline?: number): Promise<Consumer[]> {
  const consumers: Consumer[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const token = nextToken;
    const answer = await consumerCall({ action: 'ListStreamConsumers', streamArn, deadline }, () =>
      kinesis.send(
        new ListStreamConsumersCommand(
          token === undefined ? { StreamARN: streamArn } : { StreamARN: streamArn, NextToken: token },
        ),
      ),
    );
    const found = answer.Consumers ?? [];
    consumers.push(...found);
    nextToken = answer.NextToken;
    if (found.length === 0 || nextToken === undefined || nextToken === '') break;
  }
  return consumers;
}

/** Deregisters a consumer (DeregisterStreamConsumer): it goes DELETING, then away; a new registration gets a new ARN. */
export async function deregisterConsumer(
  kinesis: KinesisClient,
  streamArn: string,
  consumerArn: string,
): Promise<void> {
  await consumerCall({ action: 'DeregisterStreamConsumer', streamArn, consumerArn }, () =>
    kinesis.send(new DeregisterStreamConsumerCommand({ ConsumerARN: consumerArn })),
  );
}
