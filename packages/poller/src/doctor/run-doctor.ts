import type { STSClient } from '@aws-sdk/client-sts';
import { classifyAwsError, parseStreamArn } from '@streamshare/core/internal';
import { stsSdk } from '../clients/sts-sdk.js';
import {
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
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
}

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
  const { streamArn, kinesis, sts } = options;
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
      const explanation = explainAccessDenied(message, { action, streamArn, crossAccount });
      return { name: action, status: 'fail', detail: `access denied: ${message}`, fix: explanation.advice };
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
  const described = await call(
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
