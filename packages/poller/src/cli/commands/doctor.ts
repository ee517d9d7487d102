import { describeThrown, parseConsumerArn, parseStreamArn } from '@streamshare/core/internal';
import { createKinesisClient, createStsClient, keepAliveHandler } from '../../clients/index.js';
import { createSubscribeClient } from '../../clients/kinesis-client.js';
import { stsSdk } from '../../clients/sts-sdk.js';
import { assumeRoleProvider } from '../../credentials/index.js';
import { formatCheck, runDoctor } from '../../doctor/index.js';
import { type FlagDefinition, flagLabel, formatFlags, readFlags } from '../flags.js';
import { EXIT_FAILURE, UsageError } from '../usage-error.js';
import { type CliIo, type Command, commandHelp } from './command.js';

/** The flags of `streamshare doctor`. */
export const DOCTOR_FLAGS: readonly FlagDefinition[] = [
  { name: 'stream-arn', type: 'string', value: 'ARN', required: true, description: 'The shared stream, by ARN.' },
  {
    name: 'role-arn',
    type: 'string',
    value: 'ARN',
    description: 'Assume this role first (as the poller would) and run the checks as it.',
  },
  { name: 'external-id', type: 'string', value: 'ID', description: 'External id for --role-arn.' },
  {
    name: 'consumer-arn',
    type: 'string',
    value: 'ARN',
    description:
      'An enhanced fan-out consumer of the stream: check DescribeStreamConsumer (ACTIVE, of this stream) and a short SubscribeToShard over HTTP/2 instead of GetShardIterator and GetRecords.',
  },
  {
    name: 'lambda-region',
    type: 'string',
    value: 'REGION',
    description: "Check that a Lambda trigger in this region can read the stream (it must be in the stream's region).",
  },
  { name: 'help', type: 'boolean', description: 'Show this help.' },
];

async function doctor(argv: readonly string[], io: CliIo): Promise<number> {
  const raw = readFlags(DOCTOR_FLAGS, argv, io.env);
  if (raw.switches.has('help')) {
    io.stdout.write(doctorCommand.help());
    return 0;
  }
  const streamArn = raw.values.get('stream-arn')?.value;
  if (streamArn === undefined) throw new UsageError(`${flagLabel(DOCTOR_FLAGS[0]!)} is required`);
  let region: string;
  try {
    region = parseStreamArn(streamArn).region;
  } catch (error) {
    throw new UsageError(describeThrown(error), { cause: error });
  }
  const roleArn = raw.values.get('role-arn')?.value;
  const externalId = raw.values.get('external-id')?.value;
  const lambdaRegion = raw.values.get('lambda-region')?.value;
  const consumerFlag = raw.values.get('consumer-arn');
  let consumerArn: string | undefined;
  if (consumerFlag !== undefined) {
    try {
      // The form only: a consumer of another stream is one of the doctor's findings.
      consumerArn = parseConsumerArn(consumerFlag.value.trim(), consumerFlag.source).arn;
    } catch (error) {
      throw new UsageError(describeThrown(error), { cause: error });
    }
  }

  const ownSts = createStsClient(region);
  const credentials = roleArn
    ? assumeRoleProvider({
        roleArn,
        externalId,
        sessionName: 'streamshare-doctor',
        durationSeconds: 900,
        stsClient: ownSts,
      })
    : undefined;
  // Enhanced fan-out: every call over HTTP/2, as the poller makes them, and SubscribeToShard on its own client.
  const kinesis = createKinesisClient({
    region,
    credentials,
    maxSockets: 2,
    maxAttempts: 2,
    http2: consumerArn !== undefined,
  });
  const subscribeClient =
    consumerArn === undefined ? undefined : createSubscribeClient({ region, credentials, maxAttempts: 1 });
  const sts = credentials
    ? new (stsSdk().STSClient)({
        region: io.env.AWS_REGION ?? region,
        credentials,
        requestHandler: keepAliveHandler(2),
      })
    : ownSts;
  try {
    const checks = await runDoctor({
      streamArn,
      kinesis,
      sts,
      ...(lambdaRegion ? { lambdaRegion } : {}),
      ...(consumerArn && subscribeClient ? { consumerArn, subscribeClient } : {}),
    });
    for (const check of checks) io.stdout.write(`${formatCheck(check)}\n`);
    const failed = checks.filter((c) => c.status === 'fail').length;
    io.stdout.write(failed === 0 ? 'all checks passed\n' : `${failed} check(s) failed\n`);
    return failed === 0 ? 0 : EXIT_FAILURE;
  } finally {
    kinesis.destroy();
    subscribeClient?.destroy();
    sts.destroy();
    ownSts.destroy();
  }
}

/** `streamshare doctor`: checks, from the consumer side, every call a consumer of the stream makes. */
export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'Check that this identity (or --role-arn) can read the stream, and say which policy to fix',
  help: () =>
    commandHelp({
      usage:
        'streamshare doctor --stream-arn ARN [--consumer-arn ARN] [--role-arn ARN --external-id ID] [--lambda-region REGION]',
      description: [
        'Runs sts:GetCallerIdentity, then kinesis:DescribeStreamSummary, DescribeStream, ListShards,',
        'GetShardIterator and GetRecords on the stream, by ARN, and prints one line per check: OK, or the',
        "permission that is missing and which side must add it (the stream's resource-based policy in the",
        "producer account, or the consumer role's own policy). Exit code 1 when a check fails.",
        'With --consumer-arn (enhanced fan-out): DescribeStreamSummary, ListShards, DescribeStreamConsumer (the',
        'consumer is ACTIVE and registered on the stream) and a SubscribeToShard on one shard, opened and closed',
        "at once over HTTP/2; a denial names the consumer's policy (attached to the consumer ARN by the producer",
        "account) or the stream's policy (which must still allow DescribeStreamSummary and ListShards).",
        "A denied call's 'side:' line names the policy to change, as the poller's ACCESS_DENIED error does",
        '(stream-resource-policy, consumer-resource-policy, consumer-identity-policy, both, ...).',
      ].join('\n'),
      flags: formatFlags(DOCTOR_FLAGS),
      footer:
        'Standard AWS variables are honoured (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL_STS).',
    }),
  run: doctor,
};
