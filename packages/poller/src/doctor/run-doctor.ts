import type { ConsumerDescription } from '@aws-sdk/client-kinesis';
import type { STSClient } from '@aws-sdk/client-sts';
import { classifyAwsError, parseStreamArn } from '@streamshare/core/internal';
import { speaksHttp2 } from '../clients/kinesis-client.js';
import { stsSdk } from '../clients/sts-sdk.js';
import {
  DescribeStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  SubscribeToShardCommand,
} from '../deps/commonjs.cjs';
import { explainAccessDenied } from '../policy/explain-access-denied.js';
import type { DoctorCheck } from './doctor-check.js';

/** What `runDoctor` needs: the stream, and clients signed as the consumer (after any AssumeRole). */
export interface DoctorOptions {
  readonly streamArn: string;
  readonly kinesis: KinesisClient;
  readonly sts: STSClient;
  /** The region a Lambda trigger would run in, to check the same-region rule. */
  readonly lambdaRegion?: string;
  /**
   * An enhanced fan-out consumer of the stream: the checks are then those of a reader by
   * SubscribeToShard (DescribeStreamSummary, ListShards, DescribeStreamConsumer, a short
   * SubscribeToShard) instead of GetShardIterator and GetRecords.
   */
  readonly consumerArn?: string;
  /** The client for SubscribeToShard: its request handler must speak HTTP/2. Default `kinesis`. */
  readonly subscribeClient?: KinesisClient;
  /** How long the SubscribeToShard check waits for the subscription to be accepted. Default 10 000 ms. */
  readonly subscribeTimeoutMs?: number;
}

/** The consumer ARN's stream, or undefined when the ARN has no `/consumer/` part. */
function streamOfConsumer(consumerArn: string): string | undefined {
  const at = consumerArn.indexOf('/consumer/');
  return at < 0 ? undefined : consumerArn.slice(0, at);
}

/** The actions of a reader by SubscribeToShard on its consumer ARN. */
const CONSUMER_ACTIONS: ReadonlySet<string> = new Set(['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard']);

/** `name: message` of a failed call, as core's AWS error classifier reads them (never throws). */
function describeFailure(error: unknown): string {
  const { name, message } = classifyAwsError(error);
  return `${name ?? 'Error'}: ${message}`;
}

/**
 * Runs, from the consumer side, each call a consumer of a shared stream makes, and says for each
 * whether it works or which policy must change. Never throws for a failed call: it becomes a check.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorCheck[]> {
  const { region: streamRegion, account: streamAccount } = parseStreamArn(options.streamArn);
  const { streamArn, kinesis, sts, consumerArn } = options;
  const checks: DoctorCheck[] = [];
  let callerAccount: string | undefined;

  try {
    const { GetCallerIdentityCommand } = stsSdk();
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    callerAccount = identity.Account;
    const cross = callerAccount !== streamAccount;
    checks.push({
      name: 'sts:GetCallerIdentity',
      status: 'ok',
      detail: `${identity.Arn} (account ${callerAccount}; stream owner ${streamAccount}: ${cross ? 'cross-account, the stream policy must name this role' : 'same account'})`,
    });
  } catch (error) {
    checks.push({
      name: 'sts:GetCallerIdentity',
      status: 'fail',
      detail: describeFailure(error),
      fix: 'no usable credentials: set AWS_PROFILE or the AWS_* variables, or pass --role-arn to assume the consumer role',
    });
  }
  const crossAccount = callerAccount === undefined || callerAccount !== streamAccount;

  if (options.lambdaRegion !== undefined) {
    checks.push(
      options.lambdaRegion === streamRegion
        ? { name: 'region', status: 'ok', detail: `Lambda region ${options.lambdaRegion} is the stream's region` }
        : {
            name: 'region',
            status: 'fail',
            detail: `the stream is in ${streamRegion}, the Lambda function in ${options.lambdaRegion}`,
            fix: `a Kinesis trigger must be in the stream's region: run a forwarder in ${streamRegion} (kinesisHandler + eventBridgeForwarder of @streamshare/eventbridge-bridge) to an event bus in ${options.lambdaRegion}, and receive with eventBridgeHandler`,
          },
    );
  }

  const call = async <T>(action: string, run: () => Promise<T>, describe: (result: T) => string) => {
    try {
      const result = await run();
      checks.push({ name: action, status: 'ok', detail: describe(result) });
      return result;
    } catch (error) {
      checks.push(failure(action, error));
      return undefined;
    }
  };
  const failure = (action: string, error: unknown): DoctorCheck => {
    const { kind, name = 'Error', message } = classifyAwsError(error);
    if (kind === 'access-denied') {
      const explanation = explainAccessDenied(message, { action, streamArn, crossAccount, consumerArn });
      return {
        name: action,
        status: 'fail',
        detail: `access denied: ${message}`,
        fix: explanation.advice,
        side: explanation.side,
      };
    }
    if (kind === 'not-found' && consumerArn !== undefined && CONSUMER_ACTIONS.has(action)) {
      return {
        name: action,
        status: 'fail',
        detail: `${name}: ${message}`,
        fix: `no consumer ${consumerArn} is visible: it may have been deregistered (a new registration gets a new ARN); ask the producer (account ${streamAccount}) for the current ARN: \`streamshare consumer list --stream-arn ${streamArn}\``,
      };
    }
    if (kind === 'not-found') {
      return {
        name: action,
        status: 'fail',
        detail: `${name}: ${message}`,
        fix: `no stream ${streamArn} is visible: check the ARN (account ${streamAccount}, region ${streamRegion}) and that cross-account calls name the stream by ARN`,
      };
    }
    if (kind === 'kms') {
      return {
        name: action,
        status: 'fail',
        detail: `${name}: ${message}`,
        fix: "the stream is encrypted with a customer managed KMS key: the key policy (producer account) must allow kms:Decrypt to the consumer role, and the role's policy must allow kms:Decrypt on the key",
      };
    }
    return { name: action, status: 'fail', detail: `${name}: ${message}` };
  };

  await call(
    'kinesis:DescribeStreamSummary',
    () => kinesis.send(new DescribeStreamSummaryCommand({ StreamARN: streamArn })),
    (r) =>
      `${r.StreamDescriptionSummary?.StreamStatus ?? 'unknown status'}, ${r.StreamDescriptionSummary?.OpenShardCount ?? '?'} open shard(s)`,
  );
  // A reader by SubscribeToShard does not call DescribeStream; a Lambda trigger does (on the stream).
  const checkDescribe = consumerArn === undefined || options.lambdaRegion !== undefined;
  const described = !checkDescribe
    ? undefined
    : await call(
        'kinesis:DescribeStream',
        () => kinesis.send(new DescribeStreamCommand({ StreamARN: streamArn, Limit: 10 })),
        (r) =>
          `${r.StreamDescription?.Shards?.length ?? 0} shard(s) listed (the Lambda service calls this when adding a trigger)`,
      );
  const listed = await call(
    'kinesis:ListShards',
    () => kinesis.send(new ListShardsCommand({ StreamARN: streamArn, MaxResults: 100 })),
    (r) => `${r.Shards?.length ?? 0} shard(s)`,
  );
  const shardId = listed?.Shards?.[0]?.ShardId ?? described?.StreamDescription?.Shards?.[0]?.ShardId;
  if (consumerArn !== undefined) {
    checks.push(...(await consumerChecks(options, consumerArn, shardId, failure)));
    return checks;
  }
  if (shardId === undefined) {
    checks.push(
      { name: 'kinesis:GetShardIterator', status: 'skip', detail: 'no shard id known (listing the shards failed)' },
      { name: 'kinesis:GetRecords', status: 'skip', detail: 'no shard iterator' },
    );
    return checks;
  }
  const iterator = await call(
    'kinesis:GetShardIterator',
    () =>
      kinesis.send(
        new GetShardIteratorCommand({ StreamARN: streamArn, ShardId: shardId, ShardIteratorType: 'LATEST' }),
      ),
    () => `iterator for ${shardId} (LATEST)`,
  );
  if (iterator?.ShardIterator === undefined) {
    checks.push({ name: 'kinesis:GetRecords', status: 'skip', detail: 'no shard iterator' });
    return checks;
  }
  await call(
    'kinesis:GetRecords',
    () =>
      kinesis.send(new GetRecordsCommand({ StreamARN: streamArn, ShardIterator: iterator.ShardIterator, Limit: 1 })),
    (r) => `read ${r.Records?.length ?? 0} record(s) from ${shardId}, ${r.MillisBehindLatest ?? '?'} ms behind`,
  );
  return checks;
}

/**
 * The checks of an enhanced fan-out reader: the consumer is ACTIVE and registered on the stream
 * (DescribeStreamConsumer), and a SubscribeToShard on one shard is accepted (then closed at once).
 */
async function consumerChecks(
  options: DoctorOptions,
  consumerArn: string,
  shardId: string | undefined,
  failure: (action: string, error: unknown) => DoctorCheck,
): Promise<DoctorCheck[]> {
  const { streamArn, kinesis } = options;
  const checks: DoctorCheck[] = [];
  const owner = streamOfConsumer(consumerArn);
  if (owner !== streamArn) {
    checks.push({
      name: 'consumer',
      status: 'fail',
      detail: `consumer ${consumerArn} is registered on ${owner ?? 'no stream'}, not on ${streamArn}`,
      fix: `give the ARN of a consumer of ${streamArn} (the producer registers one: \`streamshare consumer register --stream-arn ${streamArn} --name NAME --principal <role ARN>\`)`,
    });
    return checks;
  }
  const action = 'kinesis:DescribeStreamConsumer';
  let consumer: ConsumerDescription | undefined;
  try {
    consumer = (await kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn })))
      .ConsumerDescription;
  } catch (error) {
    checks.push(failure(action, error));
    if (classifyAwsError(error).kind === 'not-found') {
      checks.push({ name: 'kinesis:SubscribeToShard', status: 'skip', detail: 'the consumer was not found' });
      return checks;
    }
  }
  if (consumer !== undefined) {
    const { ConsumerName: name, ConsumerStatus: status, StreamARN: of } = consumer;
    if (of !== undefined && of !== streamArn) {
      checks.push({
        name: action,
        status: 'fail',
        detail: `consumer ${name} belongs to ${of}, not to ${streamArn}`,
        fix: `give the ARN of a consumer of ${streamArn}`,
      });
      return checks;
    }
    if (status !== 'ACTIVE') {
      checks.push(
        {
          name: action,
          status: 'fail',
          detail: `consumer ${name} is ${status}: SubscribeToShard needs it ACTIVE`,
          fix:
            status === 'CREATING'
              ? 'registration takes a few seconds: run the doctor again in a moment'
              : 'it is being deleted: the producer registers it again (`streamshare consumer register`), which gives a new ARN',
        },
        { name: 'kinesis:SubscribeToShard', status: 'skip', detail: `the consumer is ${status}` },
      );
      return checks;
    }
    checks.push({ name: action, status: 'ok', detail: `${name} is ACTIVE, a consumer of ${streamArn}` });
  }
  if (shardId === undefined) {
    checks.push({
      name: 'kinesis:SubscribeToShard',
      status: 'skip',
      detail: 'no shard id known (listing the shards failed)',
    });
    return checks;
  }
  checks.push(await subscribeCheck(options, consumerArn, shardId, failure));
  return checks;
}

/** A SubscribeToShard on one shard from LATEST: accepted (then aborted at once, which closes the HTTP/2 stream), or why not. */
async function subscribeCheck(
  options: DoctorOptions,
  consumerArn: string,
  shardId: string,
  failure: (action: string, error: unknown) => DoctorCheck,
): Promise<DoctorCheck> {
  const name = 'kinesis:SubscribeToShard';
  const client = options.subscribeClient ?? options.kinesis;
  if (!speaksHttp2(client)) {
    return {
      name,
      status: 'fail',
      detail: 'the client does not speak HTTP/2',
      fix: 'SubscribeToShard needs HTTP/2: give a Kinesis client whose requestHandler is a NodeHttp2Handler',
    };
  }
  const timeoutMs = options.subscribeTimeoutMs ?? 10_000;
  const request = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    request.abort();
  }, timeoutMs);
  try {
    await client.send(
      new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: { Type: 'LATEST' } }),
      { abortSignal: request.signal },
    );
    return { name, status: 'ok', detail: `subscribed to ${shardId} (LATEST) over HTTP/2, and closed the subscription` };
  } catch (error) {
    if (timedOut) {
      return {
        name,
        status: 'fail',
        detail: `no answer within ${timeoutMs} ms`,
        fix: 'SubscribeToShard needs HTTP/2 all the way to Kinesis: check that no proxy in between downgrades to HTTP/1.1 or holds the response',
      };
    }
    if (classifyAwsError(error).kind === 'resource-in-use') {
      return {
        name,
        status: 'warn',
        detail: `another subscription of this consumer to ${shardId} is open, or was opened less than 5 s ago (a poller reading?): the access itself is granted`,
      };
    }
    return failure(name, error);
  } finally {
    clearTimeout(timer);
    // Closes the HTTP/2 stream: leaving the SDK's event stream alone keeps it open.
    request.abort();
  }
}
