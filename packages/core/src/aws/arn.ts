/**
 * The one ARN parser of streamshare. `splitArn` reads the six fields of any ARN without judging them
 * (policy ARNs may hold wildcards); the strict parsers (stream, consumer, role) build on it and throw an
 * {@link InvalidArnError} naming the setting, what was given, what is wrong and the expected form. Never a
 * throw of another kind, whatever the input.
 */
import { InvalidInputError } from '../errors/record-errors.js';

/** The six fields of an ARN as written: `arn:<partition>:<service>:<region>:<account>:<resource>`. Not validated. */
export interface ArnFields {
  readonly partition: string;
  readonly service: string;
  /** Empty for global services (IAM, STS). */
  readonly region: string;
  /** Empty for some services (S3). */
  readonly account: string;
  /** Everything after the fifth `:` (may itself hold `:` and `/`). */
  readonly resource: string;
}

/**
 * Splits an ARN into its fields, leniently: any text in each field (wildcards of a policy included).
 * Returns undefined for a value that does not start with `arn:` or has fewer than six fields. Never throws.
 */
export function splitArn(value: string): ArnFields | undefined {
  if (typeof value !== 'string' || !value.startsWith('arn:')) return undefined;
  const ends: number[] = [3];
  for (let i = 0; i < 4; i++) {
    const next = value.indexOf(':', (ends[i] as number) + 1);
    if (next < 0) return undefined;
    ends.push(next);
  }
  const [a, b, c, d, e] = ends as [number, number, number, number, number];
  return {
    partition: value.slice(a + 1, b),
    service: value.slice(b + 1, c),
    region: value.slice(c + 1, d),
    account: value.slice(d + 1, e),
    resource: value.slice(e + 1),
  };
}

/** The account of an ARN (`arn:aws:kinesis:us-east-1:999900009999:stream/x` gives `999900009999`), or undefined when it has none. */
export function arnAccount(value: string | undefined): string | undefined {
  const account = value === undefined ? undefined : splitArn(value)?.account;
  return account === '' ? undefined : account;
}

/**
 * The 12-digit account id of an ARN, or undefined when its account field is anything else: empty, a
 * wildcard of a policy, a placeholder of a hand-made event (`ZZZZZZZZZZZZ`), or not an ARN. Never throws.
 */
export function arnAccountId(value: string | undefined): string | undefined {
  const account = arnAccount(value);
  return isAccountId(account) ? account : undefined;
}

/** The region of an ARN, or undefined when it has none (IAM, STS) or is not an ARN. */
export function arnRegion(value: string | undefined): string | undefined {
  const region = value === undefined ? undefined : splitArn(value)?.region;
  return region === '' ? undefined : region;
}

/** The partitions streamshare reads streams in. */
const PARTITIONS: readonly string[] = ['aws', 'aws-cn', 'aws-us-gov'];
const PARTITION_FORM = `<${PARTITIONS.join('|')}>`;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const ACCOUNT = /^\d{12}$/;
/** A stream or consumer name: 1-128 characters of A-Z a-z 0-9 _ . - */
const KINESIS_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const KINESIS_NAME_RULE = 'is not 1-128 characters of A-Z a-z 0-9 _ . -';
/** `role/<path/><name>`: a path of segments ending in `/`, a name of 1-64 characters of IAM's set. */
const ROLE_RESOURCE = /^role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
const MAX_ROLE_PATH = 512;

/** Whether `value` is an AWS account id: 12 digits. */
export function isAccountId(value: unknown): value is string {
  return typeof value === 'string' && ACCOUNT.test(value);
}

/** Whether `value` has the form of an AWS region: `us-east-1`, `ap-northeast-1`, `us-gov-west-1`. */
export function isRegion(value: unknown): value is string {
  return typeof value === 'string' && REGION.test(value);
}

/** Codes of {@link InvalidArnError}, one per kind of ARN. */
export type InvalidArnCode = 'INVALID_STREAM_ARN' | 'INVALID_CONSUMER_ARN' | 'INVALID_ROLE_ARN';

/** What a strict parser expects, for its error messages. */
interface ArnKind {
  readonly code: InvalidArnCode;
  /** e.g. `stream ARN`. */
  readonly what: string;
  readonly expected: string;
}

const STREAM: ArnKind = {
  code: 'INVALID_STREAM_ARN',
  what: 'stream ARN',
  expected: `arn:${PARTITION_FORM}:kinesis:<region>:<12-digit account>:stream/<stream name>`,
};
const CONSUMER: ArnKind = {
  code: 'INVALID_CONSUMER_ARN',
  what: 'consumer ARN',
  expected: `arn:${PARTITION_FORM}:kinesis:<region>:<12-digit account>:stream/<stream name>/consumer/<consumer name>:<creation timestamp>`,
};
const ROLE: ArnKind = {
  code: 'INVALID_ROLE_ARN',
  what: 'IAM role ARN',
  expected: `arn:${PARTITION_FORM}:iam::<12-digit account>:role/<name>`,
};

/** How a value that is not the expected ARN is shown in a message: quoted and clipped, or its type. */
function shown(given: unknown): string {
  if (typeof given === 'string') return JSON.stringify(given.length > 300 ? `${given.slice(0, 300)}…` : given);
  if (given === undefined) return 'nothing';
  return `(a ${given === null ? 'null' : typeof given}, not a string)`;
}

/**
 * An ARN setting or flag does not hold the ARN it needs. The message names the setting (when the
 * caller told it), shows what was given (clipped), why it is refused and the expected form.
 */
export class InvalidArnError extends InvalidInputError {
  /** What was given. */
  readonly given: unknown;
  /** The setting, option or flag that held it, when known (e.g. `streamArn`, `--role-arn`). */
  readonly setting: string | undefined;
  /** What is wrong with it, e.g. `account "9999" is not 12 digits`. */
  readonly reason: string;
  /** The expected form. */
  readonly expected: string;

  constructor(kind: ArnKind, given: unknown, reason: string, setting?: string) {
    super(
      kind.code,
      `${setting ? `${setting}: ` : ''}invalid ${kind.what} ${shown(given)}: ${reason}; expected ${kind.expected}`,
    );
    this.given = given;
    this.setting = setting;
    this.reason = reason;
    this.expected = kind.expected;
  }
}

/** A stream ARN that does not have the form `arn:<partition>:kinesis:<region>:<account>:stream/<name>` (code `INVALID_STREAM_ARN`). */
export class InvalidStreamArnError extends InvalidArnError {
  constructor(given: unknown, reason: string, setting?: string) {
    super(STREAM, given, reason, setting);
  }
}

/** The fields of a regional Kinesis ARN, checked; or the reason they are refused. */
function kinesisFields(value: unknown): ArnFields | string {
  if (typeof value !== 'string') return 'a string is required';
  const fields = splitArn(value);
  if (fields === undefined) return 'not an ARN (6 parts separated by ":")';
  if (!PARTITIONS.includes(fields.partition)) return `unknown partition ${JSON.stringify(fields.partition)}`;
  if (fields.service !== 'kinesis') return `service is ${JSON.stringify(fields.service)}, not "kinesis"`;
  if (!REGION.test(fields.region)) return `region ${JSON.stringify(fields.region)} is not a region`;
  if (!ACCOUNT.test(fields.account)) return `account ${JSON.stringify(fields.account)} is not 12 digits`;
  return fields;
}

/** The parts of a Kinesis stream ARN. */
export interface StreamArnParts {
  /** `aws`, `aws-cn` or `aws-us-gov`. */
  readonly partition: string;
  /** e.g. `us-east-1`. */
  readonly region: string;
  /** The 12-digit account that owns the stream (the producer). */
  readonly account: string;
  readonly streamName: string;
  /** The ARN as given. */
  readonly arn: string;
}

/** The stream name of a `stream/<name>` resource, or the reason it is refused. */
function streamName(resource: string): string | { readonly reason: string } {
  if (!resource.startsWith('stream/')) return { reason: `resource ${JSON.stringify(resource)} is not "stream/<name>"` };
  const name = resource.slice(7);
  return KINESIS_NAME.test(name) ? name : { reason: `stream name ${JSON.stringify(name)} ${KINESIS_NAME_RULE}` };
}

/**
 * Parses a Kinesis stream ARN into partition, region, account and stream name.
 *
 * @param setting - the option or flag that held it, named in the error.
 * @throws InvalidStreamArnError (code `INVALID_STREAM_ARN`) showing the expected form and what was given.
 */
export function parseStreamArn(value: unknown, setting?: string): StreamArnParts {
  const fields = kinesisFields(value);
  if (typeof fields === 'string') throw new InvalidStreamArnError(value, fields, setting);
  const name = streamName(fields.resource);
  if (typeof name !== 'string') throw new InvalidStreamArnError(value, name.reason, setting);
  const { partition, region, account } = fields;
  return { partition, region, account, streamName: name, arn: value as string };
}

/**
 * The ARN of a stream from its parts.
 * @throws InvalidStreamArnError when a part is not valid (the result would not parse).
 */
export function formatStreamArn(parts: Omit<StreamArnParts, 'arn'>): string {
  const arn = `arn:${parts.partition}:kinesis:${parts.region}:${parts.account}:stream/${parts.streamName}`;
  parseStreamArn(arn);
  return arn;
}

/** The parts of an enhanced fan-out consumer ARN. */
export interface ConsumerArnParts extends Omit<StreamArnParts, 'arn'> {
  readonly consumerName: string;
  /** The consumer's creation time as the ARN writes it (epoch seconds). */
  readonly creationTimestamp: string;
  /** The ARN of the consumer's stream. */
  readonly streamArn: string;
  /** The ARN as given. */
  readonly arn: string;
}

const CONSUMER_RESOURCE = /^stream\/([^/]*)\/consumer\/([^:]*):(.*)$/;

/**
 * Parses an enhanced fan-out consumer ARN (`...:stream/<stream>/consumer/<consumer>:<timestamp>`).
 *
 * @param setting - the option or flag that held it, named in the error.
 * @throws InvalidArnError (code `INVALID_CONSUMER_ARN`) showing the expected form and what was given.
 */
export function parseConsumerArn(value: unknown, setting?: string): ConsumerArnParts {
  const fail = (reason: string) => new InvalidArnError(CONSUMER, value, reason, setting);
  const fields = kinesisFields(value);
  if (typeof fields === 'string') throw fail(fields);
  const match = CONSUMER_RESOURCE.exec(fields.resource);
  if (!match)
    throw fail(`resource ${JSON.stringify(fields.resource)} is not "stream/<name>/consumer/<name>:<timestamp>"`);
  const [, streamName, consumerName, creationTimestamp] = match as unknown as [string, string, string, string];
  if (!KINESIS_NAME.test(streamName)) throw fail(`stream name ${JSON.stringify(streamName)} ${KINESIS_NAME_RULE}`);
  if (!KINESIS_NAME.test(consumerName))
    throw fail(`consumer name ${JSON.stringify(consumerName)} ${KINESIS_NAME_RULE}`);
  if (!/^\d{1,20}$/.test(creationTimestamp)) {
    throw fail(`creation timestamp ${JSON.stringify(creationTimestamp)} is not 1-20 digits`);
  }
  const { partition, region, account } = fields;
  const streamArn = `arn:${partition}:kinesis:${region}:${account}:stream/${streamName}`;
  return { partition, region, account, streamName, consumerName, creationTimestamp, streamArn, arn: value as string };
}

/**
 * The ARN of a consumer from its parts.
 * @throws InvalidArnError (code `INVALID_CONSUMER_ARN`) when a part is not valid.
 */
export function formatConsumerArn(parts: Omit<ConsumerArnParts, 'arn' | 'streamArn'>): string {
  const { partition, region, account, streamName, consumerName, creationTimestamp } = parts;
  const arn = `arn:${partition}:kinesis:${region}:${account}:stream/${streamName}/consumer/${consumerName}:${creationTimestamp}`;
  parseConsumerArn(arn);
  return arn;
}

/** The parts of an IAM role ARN. */
export interface RoleArnParts {
  readonly partition: string;
  readonly account: string;
  /** `/` for a role without a path, else `/<segments>/`. */
  readonly path: string;
  readonly roleName: string;
  /** The ARN as given. */
  readonly arn: string;
}

/**
 * Parses an IAM role ARN (`arn:aws:iam::<account>:role/<path/><name>`).
 *
 * @param setting - the option or flag that held it, named in the error.
 * @throws InvalidArnError (code `INVALID_ROLE_ARN`) showing the expected form and what was given.
 */
export function parseRoleArn(value: unknown, setting?: string): RoleArnParts {
  const fail = (reason: string) => new InvalidArnError(ROLE, value, reason, setting);
  if (typeof value !== 'string') throw fail('a string is required');
  const fields = splitArn(value);
  if (fields === undefined) throw fail('not an ARN (6 parts separated by ":")');
  if (!PARTITIONS.includes(fields.partition)) throw fail(`unknown partition ${JSON.stringify(fields.partition)}`);
  if (fields.service !== 'iam') throw fail(`service is ${JSON.stringify(fields.service)}, not "iam"`);
  if (fields.region !== '') throw fail(`region ${JSON.stringify(fields.region)} must be empty in an IAM ARN`);
  if (!ACCOUNT.test(fields.account)) throw fail(`account ${JSON.stringify(fields.account)} is not 12 digits`);
  const match = ROLE_RESOURCE.exec(fields.resource);
  if (!match || (match[1] as string).length + 1 > MAX_ROLE_PATH) {
    throw fail(
      `resource ${JSON.stringify(fields.resource)} is not "role/<name>" (a name of 1-64 characters of A-Z a-z 0-9 _ + = , . @ -, after an optional path of such segments)`,
    );
  }
  return {
    partition: fields.partition,
    account: fields.account,
    path: `/${match[1]}`,
    roleName: match[2] as string,
    arn: value,
  };
}

/**
 * The ARN of a role from its parts (`path` defaults to `/`).
 * @throws InvalidArnError (code `INVALID_ROLE_ARN`) when a part is not valid.
 */
export function formatRoleArn(parts: Omit<RoleArnParts, 'arn' | 'path'> & { readonly path?: string }): string {
  const arn = `arn:${parts.partition}:iam::${parts.account}:role${parts.path ?? '/'}${parts.roleName}`;
  parseRoleArn(arn);
  return arn;
}

const SESSION_RESOURCE = /^assumed-role\/([^/]+)\//;

/**
 * The role ARN of an assumed-role session (`arn:aws:sts::<account>:assumed-role/<role>/<session>` gives
 * `arn:aws:iam::<account>:role/<role>`, without the role's path, which the session ARN does not carry);
 * undefined for any other value. Never throws.
 */
export function roleArnOfSession(value: string): string | undefined {
  const fields = splitArn(value);
  if (fields?.service !== 'sts' || fields.partition === '' || fields.region !== '' || !ACCOUNT.test(fields.account)) {
    return undefined;
  }
  const role = SESSION_RESOURCE.exec(fields.resource)?.[1];
  return role === undefined ? undefined : `arn:${fields.partition}:iam::${fields.account}:role/${role}`;
}
