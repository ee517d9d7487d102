import type { CodecName } from '@streamshare/core';
import { type FlagDefinition, flagLabel, type RawFlags, type RawValue } from './flags.js';
import {
  parseStreamsFile,
  STREAM_FAILURE_POLICIES,
  type StreamConfig,
  type StreamFailureChoice,
  type StreamsFile,
} from './streams-file.js';
import { UsageError } from './usage-error.js';
import {
  type HandlerRef,
  parseChoice,
  parseConsumerArnFlag,
  parseHandlerRef,
  parseHost,
  parseInteger,
  parseRoleArn,
  parseStartFrom,
  parseStreamArn,
  type StartFrom,
} from './values.js';

/** Codec names the CLI accepts. */
export const CODECS: readonly CodecName[] = ['auto', 'json', 'text', 'bytes', 'gzip', 'cloudwatch-logs'];
/** Log levels the CLI accepts (pino's). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Defaults of `streamshare poll`. */
export const POLL_DEFAULTS = {
  checkpointDir: './.streamshare',
  metricsPort: 9090,
  metricsHost: '0.0.0.0',
  logLevel: 'info' as LogLevel,
  shutdownTimeoutMs: 25_000,
  /** createPoller's own default (startTimeoutMs), shown in the help. */
  startTimeoutMs: 60_000,
  /** How long the handler module may take to load (its top-level code and awaits). */
  handlerLoadTimeoutMs: 30_000,
  idleMs: 1_000,
  sessionName: 'streamshare-poller',
} as const;

/** The flags of `streamshare poll`, in help order. */
export const POLL_FLAGS: readonly FlagDefinition[] = [
  {
    name: 'stream-arn',
    type: 'string',
    value: 'ARN',
    required: true,
    multiple: true,
    env: true,
    description:
      'The stream to read, by ARN (arn:aws:kinesis:<region>:<account>:stream/<name>); region and account come from it. It may be in another account. Give it several times to read several streams in one poller (or name them in --config).',
  },
  {
    name: 'config',
    type: 'string',
    value: 'FILE',
    description:
      'JSON file naming several streams, each with its own role: {"streams": [{"streamArn", "roleArn", "externalId", "sessionName", "from", "consumerArn"}], "onStreamFailure": "continue"|"stop"} (every key but streamArn optional). Adds to --stream-arn.',
  },
  {
    name: 'on-stream-failure',
    type: 'string',
    value: STREAM_FAILURE_POLICIES.join('|'),
    defaultText: 'continue',
    description:
      'Several streams: when one fails for good (deleted, access revoked), go on with the others (continue: it is reported failed in /healthz and streamshare_stream_up) or stop the poller (stop).',
  },
  {
    name: 'consumer-arn',
    type: 'string',
    value: 'ARN',
    description:
      'Enhanced fan-out: read each shard by SubscribeToShard (HTTP/2, 2 MiB/s per shard of its own) as this consumer, registered on --stream-arn by its owner (arn:aws:kinesis:<region>:<account>:stream/<name>/consumer/<name>:<created>). Default: GetRecords.',
  },
  {
    name: 'handler',
    type: 'string',
    value: 'PATH[#EXPORT]',
    required: true,
    description:
      'Module (ESM or CommonJS) exporting the handler: a record handler (record, context) => ..., a batch handler of @streamshare/core, or a Lambda handler made by kinesisHandler of @streamshare/lambda-adapter. EXPORT defaults to default.',
  },
  {
    name: 'handler-load-timeout-ms',
    type: 'string',
    value: 'N',
    defaultText: String(POLL_DEFAULTS.handlerLoadTimeoutMs),
    description:
      'How long the handler module may take to load, top-level await included; past it the process exits 2 naming the module (a top-level await that never settles would otherwise hang the start).',
  },
  {
    name: 'role-arn',
    type: 'string',
    value: 'ARN',
    description:
      'IAM role to assume (STS AssumeRole, refreshed before expiry) for the Kinesis calls, e.g. a role in the producer account. Default: the credentials of the environment (task role, IRSA, Pod Identity).',
  },
  { name: 'external-id', type: 'string', value: 'ID', description: 'External id for AssumeRole (needs --role-arn).' },
  {
    name: 'session-name',
    type: 'string',
    value: 'NAME',
    defaultText: POLL_DEFAULTS.sessionName,
    description: 'Role session name for AssumeRole (needs --role-arn).',
  },
  {
    name: 'codec',
    type: 'string',
    value: CODECS.join('|'),
    defaultText: 'auto',
    description: 'How record data is decoded before the handler sees it.',
  },
  {
    name: 'checkpoint-dir',
    type: 'string',
    value: 'DIR',
    defaultText: POLL_DEFAULTS.checkpointDir,
    description: 'Directory of the checkpoint files of a single worker. Not with --lease-table.',
  },
  {
    name: 'lease-table',
    type: 'string',
    value: 'NAME',
    description:
      'DynamoDB lease table shared by several workers (created on demand when missing, in the poller\u2019s own account). Not with --checkpoint-dir.',
  },
  {
    name: 'worker-id',
    type: 'string',
    value: 'ID',
    defaultText: 'hostname-pid-random',
    description: 'This worker\u2019s name in the lease table (needs --lease-table).',
  },
  {
    name: 'failover-ms',
    type: 'string',
    value: 'N',
    defaultText: '15000',
    description: 'A lease not renewed for this long is taken over by another worker (needs --lease-table).',
  },
  {
    name: 'from',
    type: 'string',
    value: 'trim-horizon|latest|TIME',
    defaultText: 'trim-horizon',
    description: 'Where a shard without a checkpoint starts; TIME is ISO-8601, e.g. 2024-02-28T06:15:00Z.',
  },
  {
    name: 'concurrency',
    type: 'string',
    value: 'N',
    defaultText: '1',
    description: 'Partition keys handled at once per shard (order is kept per key). Record handlers only.',
  },
  {
    name: 'batch-size',
    type: 'string',
    value: 'N',
    defaultText: '10000',
    description: 'Most records per GetRecords call (1 to 10000); also the most a crash can deliver twice per shard.',
  },
  {
    name: 'max-buffered-mb',
    type: 'string',
    value: 'N',
    defaultText: '64',
    description:
      'Memory budget of the pages in hand across all shards, in MiB (a page counts 3x its payload; 1 to 65536): a shard whose next page does not fit waits.',
  },
  {
    name: 'idle-ms',
    type: 'string',
    value: 'N',
    defaultText: String(POLL_DEFAULTS.idleMs),
    description: 'Wait before polling a shard again after it returned no records.',
  },
  {
    name: 'metrics-port',
    type: 'string',
    value: 'N',
    defaultText: String(POLL_DEFAULTS.metricsPort),
    description: 'Port of the HTTP server with GET /healthz and GET /metrics (Prometheus). 0 turns it off.',
  },
  {
    name: 'metrics-host',
    type: 'string',
    value: 'HOST',
    defaultText: POLL_DEFAULTS.metricsHost,
    description: 'Address the HTTP server binds (0.0.0.0 so container probes reach it; 127.0.0.1 for local only).',
  },
  {
    name: 'log-level',
    type: 'string',
    value: LOG_LEVELS.join('|'),
    defaultText: POLL_DEFAULTS.logLevel,
    description: 'Level of the JSON logs on stdout (access keys and session tokens are never logged).',
  },
  {
    name: 'shutdown-timeout-ms',
    type: 'string',
    value: 'N',
    defaultText: String(POLL_DEFAULTS.shutdownTimeoutMs),
    description:
      'On SIGTERM/SIGINT the batch in hand is finished, checkpointed and leases are released; past this bound the process exits with code 1. Keep it below the orchestrator\u2019s kill delay (ECS stopTimeout, Kubernetes terminationGracePeriodSeconds).',
  },
  {
    name: 'start-timeout-ms',
    type: 'string',
    value: 'N',
    defaultText: String(POLL_DEFAULTS.startTimeoutMs),
    description:
      'How long the start keeps retrying while Kinesis (or the lease table) cannot be reached, throttles or fails with 5xx; then the process exits 1 with START_TIMEOUT naming the endpoint, the region and the last error. Access denied or a missing stream fail at once.',
  },
  { name: 'help', type: 'boolean', description: 'Show this help.' },
];

/** How checkpoints are kept. */
export type CheckpointConfig =
  | { readonly kind: 'file'; readonly dir: string }
  | {
      readonly kind: 'lease-table';
      readonly tableName: string;
      readonly workerId?: string;
      readonly failoverTimeMs?: number;
    };

/** Everything `streamshare poll` was told, validated. */
export interface PollConfig {
  /** The stream read (the first one, with several). */
  readonly streamArn: string;
  /**
   * Several streams (several `--stream-arn`, or `--config`): each with its own role and starting
   * position when the config file gives them (else `assumeRole` and `startingPosition`). Absent for one
   * stream named by `--stream-arn` alone: the single-stream poller, as always.
   */
  readonly streams?: readonly StreamConfig[];
  /** Several streams: createPoller's `onStreamFailure`. */
  readonly onStreamFailure?: StreamFailureChoice;
  /** Enhanced fan-out: createPoller's `consumerArn` (a consumer of `streamArn`). */
  readonly consumerArn?: string;
  readonly handler: HandlerRef;
  /** Bound of the handler module's import, ms. */
  readonly handlerLoadTimeoutMs: number;
  readonly assumeRole?: { readonly roleArn: string; readonly externalId?: string; readonly sessionName: string };
  readonly codec: CodecName;
  readonly checkpoint: CheckpointConfig;
  readonly startingPosition: StartFrom;
  readonly concurrency?: number;
  readonly batchSize?: number;
  /** createPoller's `maxBufferedBytes`, in MiB; absent: the poller's default (64 MiB). */
  readonly maxBufferedMb?: number;
  readonly idleMs: number;
  /** 0 = no HTTP server. */
  readonly metricsPort: number;
  readonly metricsHost: string;
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
  /** createPoller's `startTimeoutMs`; absent: the poller's default (60 s). */
  readonly startTimeoutMs?: number;
}

function definition(name: string): FlagDefinition {
  const def = POLL_FLAGS.find((flag) => flag.name === name);
  if (def === undefined) throw new Error(`no flag --${name}`);
  return def;
}

function requireValue(raw: RawFlags, name: string, why: string): RawValue {
  const value = raw.values.get(name);
  if (value === undefined) throw new UsageError(`${flagLabel(definition(name))} is required: ${why}`);
  return value;
}

function refuseWithout(raw: RawFlags, name: string, needs: string): void {
  const value = raw.values.get(name);
  if (value !== undefined && !raw.values.has(needs)) {
    throw new UsageError(`${value.source} needs ${flagLabel(definition(needs))}`);
  }
}

/** The `--config` file as read by the command: its text and how messages name it. */
export interface ConfigFileText {
  readonly text: string;
  /** e.g. `--config fleet.json`. */
  readonly source: string;
}

/**
 * The streams of the flags and the config file: every `--stream-arn` (in order), then the file's; one
 * stream named once. Pure.
 */
function streamsFrom(raw: RawFlags, file: StreamsFile | undefined): StreamConfig[] {
  const given = raw.lists?.get('stream-arn') ?? [];
  if (given.length === 0 && file === undefined) {
    requireValue(raw, 'stream-arn', 'the ARN of the stream to read (or --config FILE naming several streams)');
  }
  const streams: StreamConfig[] = given.map((value) => ({ streamArn: parseStreamArn(value) }));
  for (const stream of file?.streams ?? []) streams.push(stream);
  const seen = new Set<string>();
  for (const stream of streams) {
    if (seen.has(stream.streamArn))
      throw new UsageError(`stream ${stream.streamArn} is named twice (--stream-arn, --config)`);
    seen.add(stream.streamArn);
  }
  return streams;
}

/**
 * Validates the raw flags of `streamshare poll` (and the text of its `--config` file, when given) into
 * a {@link PollConfig}. Pure; throws {@link UsageError}.
 */
export function pollConfigFrom(raw: RawFlags, configFile?: ConfigFileText): PollConfig {
  if (raw.values.has('config') && configFile === undefined) {
    throw new UsageError(`${raw.values.get('config')!.source}: the config file was not read`);
  }
  const file = configFile === undefined ? undefined : parseStreamsFile(configFile.text, configFile.source);
  const streams = streamsFrom(raw, file);
  const several = streams.length > 1 || file !== undefined;
  const streamArn = streams[0]!.streamArn;
  const handler = parseHandlerRef(requireValue(raw, 'handler', 'the module with your handler, PATH[#EXPORT]'));
  const consumer = raw.values.get('consumer-arn');
  if (consumer !== undefined && streams.length > 1) {
    throw new UsageError(
      `${consumer.source} names a consumer of one stream, but ${streams.length} streams are read: give each stream its consumerArn in --config`,
    );
  }
  const consumerArn = consumer === undefined ? undefined : parseConsumerArnFlag(consumer, streamArn);
  const failure = raw.values.get('on-stream-failure');
  if (failure !== undefined && !several) {
    throw new UsageError(
      `${failure.source} applies to several streams (--stream-arn given more than once, or --config); one stream is read here`,
    );
  }
  const onStreamFailure = failure === undefined ? file?.onStreamFailure : parseChoice(failure, STREAM_FAILURE_POLICIES);

  refuseWithout(raw, 'external-id', 'role-arn');
  refuseWithout(raw, 'session-name', 'role-arn');
  refuseWithout(raw, 'worker-id', 'lease-table');
  refuseWithout(raw, 'failover-ms', 'lease-table');
  const roleArn = raw.values.get('role-arn');
  const externalId = raw.values.get('external-id')?.value;
  const assumeRole = roleArn
    ? {
        roleArn: parseRoleArn(roleArn),
        sessionName: raw.values.get('session-name')?.value ?? POLL_DEFAULTS.sessionName,
        ...(externalId === undefined ? {} : { externalId }),
      }
    : undefined;

  const dir = raw.values.get('checkpoint-dir');
  const table = raw.values.get('lease-table');
  if (dir && table) {
    throw new UsageError(
      `${dir.source} and ${table.source} exclude each other: use a checkpoint directory for one worker, or a lease table for several`,
    );
  }
  let checkpoint: CheckpointConfig;
  if (table) {
    if (!/^[A-Za-z0-9_.-]{3,255}$/.test(table.value)) {
      throw new UsageError(
        `${table.source}: ${JSON.stringify(table.value)} is not a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -)`,
      );
    }
    const workerId = raw.values.get('worker-id')?.value;
    const failover = raw.values.get('failover-ms');
    checkpoint = {
      kind: 'lease-table',
      tableName: table.value,
      ...(workerId === undefined ? {} : { workerId }),
      ...(failover === undefined ? {} : { failoverTimeMs: parseInteger(failover, 1000) }),
    };
  } else {
    checkpoint = { kind: 'file', dir: dir?.value ?? POLL_DEFAULTS.checkpointDir };
  }

  /** The flag `name` read by `parse`, or undefined when it is not given. */
  const read = <T>(name: string, parse: (value: RawValue) => T): T | undefined => {
    const given = raw.values.get(name);
    return given ? parse(given) : undefined;
  };
  const integer = (name: string, min: number, max: number) => read(name, (v) => parseInteger(v, min, max));
  return {
    streamArn,
    ...(several ? { streams } : {}),
    ...(onStreamFailure === undefined ? {} : { onStreamFailure }),
    ...(consumerArn === undefined ? {} : { consumerArn }),
    handler,
    handlerLoadTimeoutMs: integer('handler-load-timeout-ms', 1, 3_600_000) ?? POLL_DEFAULTS.handlerLoadTimeoutMs,
    ...(assumeRole ? { assumeRole } : {}),
    codec: read('codec', (v) => parseChoice(v, CODECS)) ?? 'auto',
    checkpoint,
    startingPosition: read('from', parseStartFrom) ?? 'TRIM_HORIZON',
    ...givenOnly({
      concurrency: integer('concurrency', 1, 10_000),
      batchSize: integer('batch-size', 1, 10_000),
      maxBufferedMb: integer('max-buffered-mb', 1, 65_536),
      startTimeoutMs: integer('start-timeout-ms', 100, 86_400_000),
    }),
    idleMs: integer('idle-ms', 0, 600_000) ?? POLL_DEFAULTS.idleMs,
    metricsPort: integer('metrics-port', 0, 65_535) ?? POLL_DEFAULTS.metricsPort,
    metricsHost: read('metrics-host', parseHost) ?? POLL_DEFAULTS.metricsHost,
    logLevel: read('log-level', (v) => parseChoice(v, LOG_LEVELS)) ?? POLL_DEFAULTS.logLevel,
    shutdownTimeoutMs: integer('shutdown-timeout-ms', 100, 3_600_000) ?? POLL_DEFAULTS.shutdownTimeoutMs,
  };
}

/** `values` without its undefined entries (flags not given), for optional settings. */
function givenOnly<T extends Record<string, unknown>>(values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const given: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) given[key] = value;
  return given as { [K in keyof T]?: Exclude<T[K], undefined> };
}
