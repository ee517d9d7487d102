import { describeThrown, parseConsumerArn, parseStreamArn as parseStreamArnParts } from '@streamshare/core/internal';
import { deregisterConsumer, listConsumers } from '../../admin/consumer-calls.js';
import { ConsumerAdminError } from '../../admin/consumer-errors.js';
import { checkConsumerName, type RegisteredConsumer, registerConsumer } from '../../admin/consumer-register.js';
import { createKinesisClient } from '../../clients/index.js';
import { isInstance } from '../../errors/instance.js';
import { FAN_OUT_CONSUMER_ACTIONS } from '../../policy/policy-document.js';
import { type FlagDefinition, flagLabel, formatFlags, type RawFlags, readFlags } from '../flags.js';
import { EXIT_FAILURE, EXIT_USAGE, UsageError } from '../usage-error.js';
import { parseInteger, parseRoleArn, parseStreamArn } from '../values.js';
import type { CliIo, Command } from './command.js';

const STREAM_ARN: FlagDefinition = {
  name: 'stream-arn',
  type: 'string',
  value: 'ARN',
  required: true,
  description: 'The stream (of this account) the consumer is registered on.',
};
const REGION: FlagDefinition = {
  name: 'region',
  type: 'string',
  value: 'REGION',
  description: "The region to call; it must be the stream's (default: the region of the ARN).",
};
const JSON_OUTPUT: FlagDefinition = {
  name: 'json',
  type: 'boolean',
  description: 'Print one JSON object instead of text.',
};
const HELP_FLAG: FlagDefinition = { name: 'help', type: 'boolean', description: 'Show this help.' };

/** The flags of `streamshare consumer register`. */
export const REGISTER_FLAGS: readonly FlagDefinition[] = [
  STREAM_ARN,
  {
    name: 'name',
    type: 'string',
    value: 'NAME',
    required: true,
    env: false,
    description: 'The consumer name: 1-128 characters of A-Z a-z 0-9 _ . - (unique on the stream).',
  },
  {
    name: 'principal',
    type: 'string',
    value: 'ROLE_ARN',
    required: true,
    multiple: true,
    description:
      "The consumer account's role that reads (repeat for several): the consumer's policy lets it call kinesis:DescribeStreamConsumer and kinesis:SubscribeToShard.",
  },
  REGION,
  {
    name: 'wait-seconds',
    type: 'string',
    value: 'N',
    defaultText: '120',
    description: 'How long to wait for the consumer to be ACTIVE (and for one of the same name being deleted to go).',
  },
  {
    name: 'replace-policy',
    type: 'boolean',
    description: 'Replace a policy the consumer already has that does not grant the principals (default: refuse).',
  },
  JSON_OUTPUT,
  HELP_FLAG,
];

/** The flags of `streamshare consumer list`. */
export const LIST_FLAGS: readonly FlagDefinition[] = [STREAM_ARN, REGION, JSON_OUTPUT, HELP_FLAG];

/** The flags of `streamshare consumer deregister`. */
export const DEREGISTER_FLAGS: readonly FlagDefinition[] = [
  {
    name: 'consumer-arn',
    type: 'string',
    value: 'ARN',
    required: true,
    description: 'The consumer to deregister (its readers stop; a new registration gets a new ARN).',
  },
  REGION,
  HELP_FLAG,
];

const HELP = `Usage:
  streamshare consumer register --stream-arn ARN --name NAME --principal ROLE_ARN [--principal ...]
                                [--region REGION] [--wait-seconds N] [--replace-policy] [--json]
  streamshare consumer list --stream-arn ARN [--region REGION] [--json]
  streamshare consumer deregister --consumer-arn ARN [--region REGION]

Enhanced fan-out consumers of a stream, run by the stream's owner (the producer account): a consumer
account cannot register a consumer on a stream it does not own; it is given the consumer ARN.

register: registers the consumer (RegisterStreamConsumer; a consumer of that name already there is
reused, one being deleted is waited out), waits until it is ACTIVE, attaches its resource policy
(PutResourcePolicy on the consumer ARN: kinesis:DescribeStreamConsumer and kinesis:SubscribeToShard
for each --principal, the policy \`streamshare policy --consumer-arn\` prints), and prints the consumer
ARN and the consumer account's next steps. The stream's own policy must still let the role call
kinesis:DescribeStreamSummary and kinesis:ListShards (\`streamshare policy --stream-arn\`).
Limits: at most 20 consumers per stream (CONSUMER_LIMIT), names of 1-128 characters of A-Z a-z 0-9
_ . - (INVALID_CONSUMER_NAME, checked before any call).

Options of register (each string flag also read from the environment variable shown):
${formatFlags(REGISTER_FLAGS)}

Options of list:
${formatFlags(LIST_FLAGS)}

Options of deregister:
${formatFlags(DEREGISTER_FLAGS)}

Exit code 0: done; 1: refused or failed (the error code and what to do are printed); 2: a bad flag.
Standard AWS variables are honoured (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_KINESIS).
`;

/** The region to call: `--region` when given (it must be the ARN's), else the ARN's. */
function regionOf(raw: RawFlags, arnRegion: string): string {
  const given = raw.values.get('region');
  if (given === undefined) return arnRegion;
  if (given.value.trim() !== arnRegion) {
    throw new UsageError(
      `${given.source}: ${JSON.stringify(given.value)} is not the stream's region (${arnRegion}, from its ARN): consumers are registered and read in the stream's region`,
    );
  }
  return arnRegion;
}

function required(raw: RawFlags, def: FlagDefinition) {
  const value = raw.values.get(def.name);
  if (value === undefined) throw new UsageError(`${flagLabel(def)} is required`);
  return value;
}

/** The consumer account's steps once the consumer is registered. */
function nextSteps(result: RegisteredConsumer, principal: string): string[] {
  const { streamArn, consumerArn } = result;
  return [
    `producer account (this one): the stream's own policy must still let ${principal} call kinesis:DescribeStreamSummary and kinesis:ListShards: \`streamshare policy --stream-arn ${streamArn} --principal ${principal}\` prints it (attach it with aws kinesis put-resource-policy)`,
    `consumer account: the role's own identity policy must allow ${FAN_OUT_CONSUMER_ACTIONS.join(' and ')} on ${consumerArn}, and kinesis:DescribeStreamSummary and kinesis:ListShards on ${streamArn}`,
    `consumer account: streamshare doctor --stream-arn ${streamArn} --consumer-arn ${consumerArn} --role-arn ${principal}`,
    `consumer account: streamshare poll --stream-arn ${streamArn} --consumer-arn ${consumerArn} --role-arn ${principal} --handler ./handler.mjs --checkpoint-dir ./checkpoints`,
  ];
}

async function register(raw: RawFlags, io: CliIo): Promise<number> {
  const streamArn = parseStreamArn(required(raw, STREAM_ARN));
  const nameFlag = required(raw, REGISTER_FLAGS[1]!);
  const name = nameFlag.value;
  try {
    checkConsumerName(name, nameFlag.source);
  } catch (error) {
    // A name AWS would refuse is a bad flag (exit 2), with the typed error's code.
    const why = isInstance(error, ConsumerAdminError) ? `${error.code}: ${error.message}` : describeThrown(error);
    throw new UsageError(why, { cause: error });
  }
  const principals = (raw.lists?.get('principal') ?? []).map((p) => parseRoleOrAccount(p.value));
  if (principals.length === 0) throw new UsageError('--principal ROLE_ARN is required (repeat it for several roles)');
  const waitRaw = raw.values.get('wait-seconds');
  const waitSeconds = waitRaw === undefined ? 120 : parseInteger(waitRaw, 1, 3600);
  const region = regionOf(raw, parseStreamArnParts(streamArn).region);
  const kinesis = createKinesisClient({ region, maxSockets: 2 });
  try {
    const result = await registerConsumer({
      kinesis,
      streamArn,
      consumerName: name,
      principals,
      waitSeconds,
      replacePolicy: raw.switches.has('replace-policy'),
    });
    const steps = nextSteps(result, principals[0]!);
    if (raw.switches.has('json')) {
      io.stdout.write(`${JSON.stringify({ ...result, status: 'ACTIVE', nextSteps: steps })}\n`);
      return 0;
    }
    const how =
      result.registration === 'registered'
        ? 'registered, ACTIVE'
        : 'already registered: reused (ACTIVE); a consumer of that name keeps its ARN until it is deregistered';
    const policy = {
      attached: 'attached to the consumer ARN',
      kept: 'kept: the consumer already has a policy that grants it',
      replaced: 'replaced the consumer policy that was there',
    }[result.policyAction];
    io.stdout.write(
      [
        `consumer ${name} on ${streamArn}: ${how}`,
        `policy: ${policy} (${FAN_OUT_CONSUMER_ACTIONS.join(', ')} for ${principals.join(', ')})`,
        'consumer ARN (give it to the consumer account):',
        `  ${result.consumerArn}`,
        'next steps:',
        ...steps.map((step, i) => `  ${i + 1}. ${step}`),
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
    kinesis.destroy();
  }
}

/** A --principal: an IAM role ARN or an account (the generator checks the rest). */
function parseRoleOrAccount(value: string): string {
  const trimmed = value.trim();
  if (/^\d{12}$/.test(trimmed) || /^arn:[^:]+:iam::\d{12}:root$/.test(trimmed)) return trimmed;
  return parseRoleArn({ value: trimmed, source: '--principal' });
}

async function list(raw: RawFlags, io: CliIo): Promise<number> {
  const streamArn = parseStreamArn(required(raw, STREAM_ARN));
  const kinesis = createKinesisClient({ region: regionOf(raw, parseStreamArnParts(streamArn).region), maxSockets: 2 });
  try {
    const consumers = await listConsumers(kinesis, streamArn);
    if (raw.switches.has('json')) {
      io.stdout.write(`${JSON.stringify({ streamArn, consumers })}\n`);
      return 0;
    }
    for (const c of consumers)
      io.stdout.write(`${c.ConsumerStatus ?? '?'}\t${c.ConsumerName ?? '?'}\t${c.ConsumerARN ?? '?'}\n`);
    io.stdout.write(`${consumers.length} consumer(s) on ${streamArn} (at most 20)\n`);
    return 0;
  } finally {
    kinesis.destroy();
  }
}

async function deregister(raw: RawFlags, io: CliIo): Promise<number> {
  const given = required(raw, DEREGISTER_FLAGS[0]!);
  let consumer: ReturnType<typeof parseConsumerArn>;
  try {
    consumer = parseConsumerArn(given.value.trim(), given.source);
  } catch (error) {
    throw new UsageError(describeThrown(error), { cause: error });
  }
  const kinesis = createKinesisClient({ region: regionOf(raw, consumer.region), maxSockets: 2 });
  try {
    await deregisterConsumer(kinesis, consumer.streamArn, consumer.arn);
    io.stdout.write(
      `deregistered ${consumer.arn} (DELETING, then gone): its subscriptions end; registering ${consumer.consumerName} again gives a new ARN\n`,
    );
    return 0;
  } finally {
    kinesis.destroy();
  }
}

/** Each subcommand: its flags and what it does with them. */
const SUBCOMMANDS: Readonly<
  Record<string, { flags: readonly FlagDefinition[]; run: (raw: RawFlags, io: CliIo) => Promise<number> }>
> = {
  register: { flags: REGISTER_FLAGS, run: register },
  list: { flags: LIST_FLAGS, run: list },
  deregister: { flags: DEREGISTER_FLAGS, run: deregister },
};

async function consumer(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined) {
    io.stderr.write(HELP);
    return EXIT_USAGE;
  }
  if (sub === '--help' || sub === '-h') {
    io.stdout.write(HELP);
    return 0;
  }
  const subcommand = Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
  if (subcommand === undefined) {
    throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}: register, list or deregister`);
  }
  const raw = readFlags(subcommand.flags, rest, io.env);
  if (raw.switches.has('help')) {
    io.stdout.write(HELP);
    return 0;
  }
  try {
    return await subcommand.run(raw, io);
  } catch (error) {
    if (!isInstance(error, ConsumerAdminError)) throw error;
    io.stderr.write(`streamshare consumer ${sub}: ${error.code}: ${error.message}\n`);
    return EXIT_FAILURE;
  }
}

/** `streamshare consumer`: registers (and lists, deregisters) enhanced fan-out consumers, on the producer side. */
export const consumerCommand: Command = {
  name: 'consumer',
  summary: 'Producer side: register an enhanced fan-out consumer, wait until ACTIVE, attach its policy',
  help: () => HELP,
  run: consumer,
};
