import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  eventBusPutPolicy,
  fanOutConsumerPolicy,
  lintStreamPolicy,
  type PolicyDocument,
  streamReadPolicy,
} from '../../policy/index.js';
import { EXIT_FAILURE, UsageError } from '../usage-error.js';
import type { CliIo, Command } from './command.js';

const HELP = `Usage:
  streamshare policy --stream-arn ARN --principal ROLE_ARN [--principal ROLE_ARN ...]
  streamshare policy --consumer-arn CONSUMER_ARN --principal ROLE_ARN [...]
  streamshare policy --event-bus BUS_ARN --principal ROLE_ARN [...]
  streamshare policy lint FILE --stream-arn ARN

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

lint FILE checks a stream policy: the five actions (and why kinesis:DescribeStream is often
missing), the principals (an IAM role or account; not a Lambda function or a stream ARN), the
resource, and warns about "*" principals and kinesis:*. Exit code 1 when it finds an error.
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
    throw new UsageError(
      `${error instanceof Error ? error.message : String(error)}. Run with --help to list the flags.`,
    );
  }
}

async function lint(file: string, streamArn: string | undefined, io: CliIo): Promise<number> {
  if (streamArn === undefined) throw new UsageError('policy lint needs --stream-arn ARN: the stream the policy is for');
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read policy file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    io.stdout.write(`error NOT_JSON: ${path} is not JSON (${(error as Error).message})\n`);
    return EXIT_FAILURE;
  }
  const findings = lintStreamPolicy(parsed, streamArn);
  for (const finding of findings) io.stdout.write(`${finding.severity} ${finding.code}: ${finding.message}\n`);
  const errors = findings.filter((f) => f.severity === 'error').length;
  io.stdout.write(
    errors === 0
      ? `ok: ${path} lets its principals read ${streamArn}${findings.length > 0 ? ` (${findings.length} warning(s))` : ''}\n`
      : `${errors} error(s) in ${path}\n`,
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
    if (positionals.length !== 2) throw new UsageError('usage: streamshare policy lint FILE --stream-arn ARN');
    return lint(positionals[1]!, values['stream-arn'], io);
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
    throw new UsageError(error instanceof Error ? error.message : String(error), { cause: error });
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
