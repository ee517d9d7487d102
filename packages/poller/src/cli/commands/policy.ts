import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeThrown } from '@streamshare/core/internal';
import {
  arnKind,
  eventBusPutPolicy,
  fanOutConsumerPolicy,
  lintConsumerPolicy,
  lintStreamPolicy,
  type PolicyDocument,
  type PolicyFinding,
  streamReadPolicy,
} from '../../policy/index.js';
import { EXIT_FAILURE, UsageError } from '../usage-error.js';
import type { CliIo, Command } from './command.js';

const HELP = `Usage:
  streamshare policy --stream-arn ARN --principal ROLE_ARN [--principal ROLE_ARN ...]
  streamshare policy --consumer-arn CONSUMER_ARN --principal ROLE_ARN [...]
  streamshare policy --event-bus BUS_ARN --principal ROLE_ARN [...]
  streamshare policy lint FILE --stream-arn ARN [--principal ROLE_ARN ...]
  streamshare policy lint FILE --consumer-arn CONSUMER_ARN [--principal ROLE_ARN ...]

Prints the resource-based policy a producer attaches so that consumer roles in another account can
read the stream: kinesis:DescribeStream, kinesis:DescribeStreamSummary, kinesis:GetRecords,
kinesis:GetShardIterator and kinesis:ListShards on the stream ARN.

  --stream-arn ARN      the stream (arn:aws:kinesis:<region>:<account>:stream/<name>)
  --principal ARN       an IAM role ARN (arn:aws:iam::<account>:role/<name>) or an account
                        (arn:aws:iam::<account>:root); repeat for several
  --consumer-arn ARN    instead: the policy of an enhanced fan-out consumer
                        (kinesis:DescribeStreamConsumer, kinesis:SubscribeToShard)
  --event-bus ARN       instead: the event bus policy the EventBridge forwarder's role needs
                        (events:PutEvents on the bus)

lint FILE checks a stream policy (add --principal ROLE_ARN to check that role; by default every
role or account the policy lets read is checked):
  - the grammar: elements and their JSON types, Effect ("Allow" or "Deny", case-sensitive), action
    and resource formats, no wildcard inside a principal ARN; each error names its JSON path
    (e.g. Statement[0].Principal.AWS);
  - that each consumer may call the five actions on the stream as IAM evaluates it: Action and
    NotAction, Resource and NotResource, Principal and NotPrincipal, an explicit Deny wins (and
    why kinesis:DescribeStream is often missing);
  - the principals (an IAM role or account; not a Lambda function or a stream ARN), and warns about
    "*" principals and Allows that include writes (kinesis:*, NotAction).
lint FILE --consumer-arn checks an enhanced fan-out consumer's policy (the one attached to the
consumer ARN) the same way, for kinesis:DescribeStreamConsumer and kinesis:SubscribeToShard; it also
flags a statement naming the stream instead of the consumer (STREAM_RESOURCE: the stream's actions
belong in the stream's own policy), a consumer ARN with another creation timestamp (the consumer was
registered again), and actions that grant nothing on a consumer (NOT_A_CONSUMER_ACTION).
A Condition decides access in ways the file alone cannot tell (source VPC, IP, tags): lint then
prints a CANNOT_TELL warning. It evaluates aws:SecureTransport (always true: the SDK uses TLS),
aws:PrincipalArn and aws:PrincipalAccount.
Exit code 0: no error (warnings allowed); 1: at least one error, or the file is not JSON; 2: a bad
flag or an unreadable file.
`;

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        'stream-arn': { type: 'string' },
        'consumer-arn': { type: 'string' },
        'event-bus': { type: 'string' },
        principal: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${describeThrown(error)}. Run with --help to list the flags.`);
  }
}

/** A stream policy is a few KiB; a file far larger is not one (and is not read whole). */
const MAX_POLICY_FILE_BYTES = 1024 * 1024;

/** What `policy lint` checks the file against: a stream (its read policy) or a consumer (its fan-out policy). */
type LintResource = { readonly kind: 'stream' | 'consumer'; readonly arn: string };

function lintResource(streamArn: string | undefined, consumerArn: string | undefined): LintResource {
  if (streamArn !== undefined && consumerArn !== undefined) {
    throw new UsageError(
      'policy lint checks one policy: give --stream-arn ARN (a stream policy) or --consumer-arn ARN (a consumer policy), not both',
    );
  }
  if (consumerArn !== undefined) {
    if (arnKind(consumerArn) !== 'kinesis-consumer') {
      throw new UsageError(
        `--consumer-arn: ${JSON.stringify(consumerArn)} is not a consumer ARN (arn:aws:kinesis:<region>:<account>:stream/<name>/consumer/<consumer>:<timestamp>)`,
      );
    }
    return { kind: 'consumer', arn: consumerArn };
  }
  if (streamArn === undefined) {
    throw new UsageError(
      'policy lint needs --stream-arn ARN (the stream the policy is for) or --consumer-arn ARN (the consumer it is attached to)',
    );
  }
  if (arnKind(streamArn) !== 'kinesis-stream') {
    throw new UsageError(
      `--stream-arn: ${JSON.stringify(streamArn)} is not a stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>)`,
    );
  }
  return { kind: 'stream', arn: streamArn };
}

async function lint(
  file: string,
  resource: LintResource,
  principals: readonly string[] | undefined,
  io: CliIo,
): Promise<number> {
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new UsageError(`cannot read policy file ${path}: not a regular file`);
    if (info.size > MAX_POLICY_FILE_BYTES) {
      io.stdout.write(
        `error TOO_LARGE at $: ${path} holds ${info.size} bytes; a stream policy is a few KiB (at most ${MAX_POLICY_FILE_BYTES} bytes are read)\n`,
      );
      return EXIT_FAILURE;
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read policy file ${path}: ${describeThrown(error)}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    io.stdout.write(`error NOT_JSON at $: ${path} is not JSON (${describeThrown(error)})\n`);
    return EXIT_FAILURE;
  }
  let findings: PolicyFinding[];
  try {
    const options = principals === undefined ? {} : { principals };
    findings =
      resource.kind === 'stream'
        ? lintStreamPolicy(parsed, resource.arn, options)
        : lintConsumerPolicy(parsed, resource.arn, options);
  } catch (error) {
    // Only bad arguments throw (a --principal that is not a role, user or account, a malformed consumer ARN).
    throw new UsageError(`--principal: ${describeThrown(error)}`, { cause: error });
  }
  for (const finding of findings) {
    io.stdout.write(`${finding.severity} ${finding.code} at ${finding.path}: ${finding.message}\n`);
  }
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  const unsure = findings.filter((f) => f.code === 'CANNOT_TELL').length;
  const who = principals === undefined ? 'its principals' : principals.join(', ');
  const verb = resource.kind === 'stream' ? 'read' : 'subscribe through';
  const counted = warnings > 0 ? ` (${warnings} warning(s))` : '';
  io.stdout.write(
    errors > 0
      ? `${errors} error(s) in ${path}\n`
      : unsure > 0
        ? `ok: no error in ${path}, but ${unsure} CANNOT_TELL warning(s): whether ${who} may ${verb} ${resource.arn} depends on what the file alone cannot tell${counted}\n`
        : `ok: ${path} lets ${who} ${verb} ${resource.arn}${counted}\n`,
  );
  return errors === 0 ? 0 : EXIT_FAILURE;
}

async function policy(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (positionals[0] === 'lint') {
    if (positionals.length !== 2) {
      throw new UsageError(
        'usage: streamshare policy lint FILE (--stream-arn ARN | --consumer-arn CONSUMER_ARN) [--principal ROLE_ARN ...]',
      );
    }
    if (values['event-bus'] !== undefined) {
      throw new UsageError('policy lint checks stream and consumer policies: --event-bus is not taken');
    }
    return lint(positionals[1]!, lintResource(values['stream-arn'], values['consumer-arn']), values.principal, io);
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const targets = (['stream-arn', 'consumer-arn', 'event-bus'] as const).filter((t) => values[t] !== undefined);
  if (targets.length !== 1) {
    throw new UsageError('give exactly one of --stream-arn, --consumer-arn or --event-bus, with --principal ROLE_ARN');
  }
  const principals = values.principal ?? [];
  if (principals.length === 0) throw new UsageError('--principal ROLE_ARN is required (repeat it for several roles)');
  const target = targets[0]!;
  let document: PolicyDocument;
  try {
    document =
      target === 'stream-arn'
        ? streamReadPolicy(values['stream-arn']!, principals)
        : target === 'consumer-arn'
          ? fanOutConsumerPolicy(values['consumer-arn']!, principals)
          : eventBusPutPolicy(values['event-bus']!, principals);
  } catch (error) {
    throw new UsageError(describeThrown(error), { cause: error });
  }
  io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  return 0;
}

/** `streamshare policy`: prints and lints the resource-based policies of cross-account sharing. */
export const policyCommand: Command = {
  name: 'policy',
  summary: "Print the stream's (or bus's) resource-based policy for consumer roles, or lint one",
  help: () => HELP,
  run: policy,
};
