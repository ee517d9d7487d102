import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createLogger } from '@streamshare/core';
import { describeThrown, errorFromThrown, readThrownProperty } from '@streamshare/core/internal';
import type { Logger } from 'pino';
import { CheckpointDirectoryError, checkCheckpointDirectory } from '../../coordination/checkpoint-directory.js';
import { isInstance } from '../../errors/instance.js';
import { defaultMaxPollAgeMs } from '../../http/health.js';
import { type HttpServer, startHttpServer } from '../../http/server.js';
import { createPollerMetrics } from '../../metrics/poller-metrics.js';
import type { MultiStreamPollerOptions } from '../../poller/multi-options.js';
import type { Poller, PollerOptions } from '../../poller/options.js';
import { formatFlags, type RawFlags, readFlags } from '../flags.js';
import { type LoadedHandler, loadHandler } from '../load-handler.js';
import { type ConfigFileText, POLL_FLAGS, type PollConfig, pollConfigFrom } from '../poll-config.js';
import { createPoller } from '../poller-factory.js';
import { deadline, onShutdownSignal } from '../shutdown.js';
import { EXIT_FAILURE, UsageError } from '../usage-error.js';
import { type CliIo, type Command, commandHelp } from './command.js';

/**
 * How long the poller's stop() may finish the batch in hand: the CLI's shutdown bound minus a margin
 * (a fifth, at most 5 s) for checkpointing and releasing leases after an abandoned batch.
 */
export function stopTimeoutOf(shutdownTimeoutMs: number): number {
  return Math.max(50, shutdownTimeoutMs - Math.min(5_000, Math.floor(shutdownTimeoutMs / 5)));
}

/**
 * The `createPoller` options of a poller of several streams (`config.streams`): the options of
 * {@link pollerOptionsFrom} shared by every stream, and each stream with its own role (else
 * `--role-arn`'s), starting position and consumer. Pure.
 */
export function multiStreamOptionsFrom(
  config: PollConfig & { readonly streams: NonNullable<PollConfig['streams']> },
  handler: LoadedHandler,
  extra: { readonly cwd: string; readonly logger: Logger; readonly observer: PollerOptions['observer'] },
): MultiStreamPollerOptions {
  const { streams, assumeRole: role, consumerArn, onStreamFailure } = config;
  const {
    streamArn: _first,
    assumeRole: _role,
    consumerArn: _consumer,
    ...common
  } = pollerOptionsFrom(config, handler, extra);
  return {
    ...common,
    streams: streams.map((stream) => {
      const assumeRole = stream.assumeRole ?? role;
      const consumer = stream.consumerArn ?? (streams.length === 1 ? consumerArn : undefined);
      return {
        streamArn: stream.streamArn,
        ...(assumeRole === undefined ? {} : { assumeRole }),
        ...(stream.startingPosition === undefined ? {} : { startingPosition: stream.startingPosition }),
        ...(consumer === undefined ? {} : { consumerArn: consumer }),
      };
    }),
    ...(onStreamFailure === undefined ? {} : { onStreamFailure }),
  };
}

/** Builds the `createPoller` options of a validated configuration of one stream (pure). */
export function pollerOptionsFrom(
  config: PollConfig,
  handler: LoadedHandler,
  extra: { readonly cwd: string; readonly logger: Logger; readonly observer: PollerOptions['observer'] },
): PollerOptions {
  const { checkpoint } = config;
  return {
    streamArn: config.streamArn,
    ...(config.consumerArn === undefined ? {} : { consumerArn: config.consumerArn }),
    handler: handler.handler as PollerOptions['handler'],
    codec: config.codec,
    startingPosition: config.startingPosition,
    idleTimeBetweenReadsMs: config.idleMs,
    stopTimeoutMs: stopTimeoutOf(config.shutdownTimeoutMs),
    ...(config.concurrency === undefined ? {} : { concurrency: config.concurrency }),
    ...(config.batchSize === undefined ? {} : { maxRecordsPerCall: config.batchSize }),
    ...(config.maxBufferedMb === undefined ? {} : { maxBufferedBytes: config.maxBufferedMb * 1024 * 1024 }),
    ...(config.startTimeoutMs === undefined ? {} : { startTimeoutMs: config.startTimeoutMs }),
    ...(config.assumeRole ? { assumeRole: config.assumeRole } : {}),
    ...(checkpoint.kind === 'file'
      ? { checkpointDir: resolve(extra.cwd, checkpoint.dir) }
      : {
          leaseTable: {
            tableName: checkpoint.tableName,
            ...(checkpoint.workerId === undefined ? {} : { workerId: checkpoint.workerId }),
            ...(checkpoint.failoverTimeMs === undefined ? {} : { failoverTimeMs: checkpoint.failoverTimeMs }),
          },
        }),
    logger: extra.logger,
    ...(extra.observer ? { observer: extra.observer } : {}),
  };
}

/** The text of the `--config` file, when given; a usage error naming it when it cannot be read. */
async function readConfigFile(raw: RawFlags, cwd: string): Promise<ConfigFileText | undefined> {
  const given = raw.values.get('config');
  if (given === undefined) return undefined;
  const source = `${given.source} ${given.value}`;
  try {
    return { text: await readFile(resolve(cwd, given.value), 'utf8'), source };
  } catch (error) {
    throw new UsageError(`${source}: cannot read the file: ${describeThrown(error)}`, { cause: error });
  }
}

/** Log fields of a fatal error: the Error itself (pino writes its stack), or one made of whatever was thrown. */
function describeError(error: unknown): Record<string, unknown> {
  const code = readThrownProperty(error, 'code');
  return { err: errorFromThrown(error), ...(typeof code === 'string' ? { code } : {}) };
}

/** The flag (or variable) a value came from, for messages: `--metrics-port` unless the environment set it. */
function sourceOf(raw: RawFlags, name: string): string {
  return raw.values.get(name)?.source ?? `--${name}`;
}

/**
 * The checkpoint directory must be a directory this process can write (created when missing): checked
 * before anything starts, so that a wrong --checkpoint-dir is one line and exit 2, not a poller that
 * looks started and retries forever.
 */
async function checkDirectory(raw: RawFlags, directory: string): Promise<void> {
  try {
    await checkCheckpointDirectory(directory);
  } catch (error) {
    const why = isInstance(error, CheckpointDirectoryError) ? error.reason : describeThrown(error);
    const given = raw.values.get('checkpoint-dir')?.value;
    const shown = given === undefined ? '(default)' : JSON.stringify(given);
    throw new UsageError(
      `${sourceOf(raw, 'checkpoint-dir')} ${shown}: the checkpoint directory ${directory} cannot be used: ${why}. Give a directory this process can write, or use --lease-table`,
      { cause: error },
    );
  }
}

/** A failed listen of the health and metrics server, as a usage error naming the flag to change. */
function listenError(raw: RawFlags, config: PollConfig, error: unknown): UsageError {
  const code = readThrownProperty(error, 'code');
  const port = sourceOf(raw, 'metrics-port');
  const host = sourceOf(raw, 'metrics-host');
  const where = `${config.metricsHost}:${config.metricsPort}`;
  let message: string;
  switch (code) {
    case 'EADDRINUSE':
      message = `${port} ${config.metricsPort}: port ${config.metricsPort} is already in use on ${config.metricsHost} (another streamshare poll on this host?); give each worker its own port with --metrics-port, or 0 to turn the HTTP server off`;
      break;
    case 'EACCES':
    case 'EPERM':
      message = `${port} ${config.metricsPort}: not allowed to listen on ${where} (ports below 1024 need privileges); choose another port with --metrics-port`;
      break;
    case 'EADDRNOTAVAIL':
      message = `${host} ${JSON.stringify(config.metricsHost)}: not an address of this machine; use 0.0.0.0 (all addresses), 127.0.0.1 (local only) or one of its addresses`;
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      message = `${host} ${JSON.stringify(config.metricsHost)}: the host name cannot be resolved (${String(code)}); use an IP address such as 0.0.0.0 or 127.0.0.1`;
      break;
    default:
      message = `${port} / ${host}: the HTTP server cannot listen on ${where}: ${describeThrown(error)}`;
  }
  return new UsageError(message, { cause: error });
}

async function poll(argv: readonly string[], io: CliIo): Promise<number> {
  const raw = readFlags(POLL_FLAGS, argv, io.env);
  if (raw.switches.has('help')) {
    io.stdout.write(pollCommand.help());
    return 0;
  }
  const config = pollConfigFrom(raw, await readConfigFile(raw, io.cwd));
  const handler = await loadHandler(config.handler, io.cwd, raw.values.get('handler')?.source, {
    timeoutMs: config.handlerLoadTimeoutMs,
    timeoutSource: sourceOf(raw, 'handler-load-timeout-ms'),
  });
  if (config.checkpoint.kind === 'file') await checkDirectory(raw, resolve(io.cwd, config.checkpoint.dir));
  const logger = createLogger({ level: config.logLevel, name: 'streamshare' });
  const metrics = createPollerMetrics();

  let poller: Poller;
  try {
    const extra = { cwd: io.cwd, logger, observer: metrics.observer };
    const { streams } = config;
    poller = await createPoller(
      streams === undefined
        ? pollerOptionsFrom(config, handler, extra)
        : multiStreamOptionsFrom({ ...config, streams }, handler, extra),
    );
  } catch (error) {
    // Options the CLI could not check itself (the engine validates them again): a usage error.
    throw new UsageError(describeThrown(error), { cause: error });
  }

  let startedAt: number | undefined;
  let http: HttpServer | undefined;
  // Keeps the process up until a signal or the poller's end, whatever handles the engine holds
  // (without the HTTP server, idle keep-alive sockets and unref'd timers would let Node exit early).
  const keepAlive = setInterval(() => {}, 1 << 30);
  const shutdown = onShutdownSignal(io.signals, (signal) => {
    logger.error({ signal }, 'second signal during shutdown: exiting now without waiting');
    process.exit(EXIT_FAILURE);
  });
  try {
    if (config.metricsPort !== 0) {
      http = await startHttpServer({
        port: config.metricsPort,
        host: config.metricsHost,
        status: () => poller.status(),
        startedAt: () => startedAt,
        maxPollAgeMs: defaultMaxPollAgeMs(config.idleMs),
        metrics: () => metrics.render(),
        metricsContentType: metrics.contentType,
        logger,
      }).catch((error: unknown) => {
        throw listenError(raw, config, error);
      });
      logger.info({ host: http.host, port: http.port }, 'serving /healthz and /metrics');
    }

    logger.info(
      {
        streamArn: config.streamArn,
        ...(config.streams === undefined ? {} : { streams: config.streams.map((stream) => stream.streamArn) }),
        handler: { path: resolve(io.cwd, config.handler.path), export: config.handler.exportName, kind: handler.kind },
        ...(config.assumeRole ? { roleArn: config.assumeRole.roleArn } : {}),
        checkpoint:
          config.checkpoint.kind === 'file'
            ? { dir: resolve(io.cwd, config.checkpoint.dir) }
            : { leaseTable: config.checkpoint.tableName },
        codec: config.codec,
      },
      'starting poller',
    );
    const started = poller.start().then(
      () => ({ kind: 'started' as const }),
      (error: unknown) => ({ kind: 'failed' as const, error }),
    );
    const first = await Promise.race([
      started,
      shutdown.requested.then((signal) => ({ kind: 'signal' as const, signal })),
    ]);
    if (first.kind === 'failed') {
      logger.fatal(describeError(first.error), 'poller failed to start');
      return EXIT_FAILURE;
    }
    if (first.kind === 'started') {
      startedAt = Date.now();
      logger.info({ shards: poller.status().shards.map((s) => s.shardId) }, 'poller started');
    }

    const ended = await Promise.race([
      first.kind === 'signal'
        ? Promise.resolve(first)
        : shutdown.requested.then((signal) => ({ kind: 'signal' as const, signal })),
      poller.done.then(
        () => ({ kind: 'done' as const }),
        (error: unknown) => ({ kind: 'fatal' as const, error }),
      ),
    ]);
    if (ended.kind === 'fatal') {
      logger.fatal(describeError(ended.error), 'poller stopped on an error');
      return EXIT_FAILURE;
    }
    if (ended.kind === 'done') {
      logger.info('poller finished: every shard was read to its end');
      return 0;
    }

    logger.info(
      { signal: ended.signal, timeoutMs: config.shutdownTimeoutMs },
      'stopping: finishing the batch in hand, checkpointing, releasing leases',
    );
    const bound = deadline(config.shutdownTimeoutMs);
    const stopped = (async () => {
      await started; // a signal during start: let start settle before stopping
      await poller.stop();
      return 'stopped' as const;
    })().catch((error: unknown) => ({ error }));
    const outcome = await Promise.race([stopped, bound.expired]);
    bound.cancel();
    if (outcome === 'timeout') {
      logger.error(
        { timeoutMs: config.shutdownTimeoutMs },
        'shutdown did not finish within --shutdown-timeout-ms: exiting with code 1 (the batch in hand will be read again)',
      );
      return EXIT_FAILURE;
    }
    if (outcome !== 'stopped') {
      logger.error(describeError(outcome.error), 'shutdown failed');
      return EXIT_FAILURE;
    }
    logger.info({ signal: ended.signal }, 'stopped cleanly');
    return 0;
  } finally {
    clearInterval(keepAlive);
    shutdown.dispose();
    await http?.close();
  }
}

/** `streamshare poll`: reads a stream into a handler module, with checkpoints or leases, health and metrics. */
export const pollCommand: Command = {
  name: 'poll',
  summary: 'Read a Kinesis stream (any account, by ARN) into your handler, with checkpoints or a lease table',
  help: () =>
    commandHelp({
      usage:
        'streamshare poll --stream-arn ARN [--stream-arn ARN ...] [--config FILE] --handler PATH[#EXPORT] [options]',
      description: [
        'Reads every shard of the stream in order (DescribeStream, GetShardIterator, GetRecords, by StreamARN),',
        'decodes the records and hands them to your handler, then checkpoints after each batch. Logs are JSON',
        'lines on stdout. SIGTERM or SIGINT: finish the batch in hand, checkpoint, release leases, exit 0.',
      ].join('\n'),
      flags: formatFlags(POLL_FLAGS),
      footer: [
        'Standard AWS variables are honoured: AWS_REGION, AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/',
        'AWS_SESSION_TOKEN, AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_DYNAMODB.',
        '',
        'Exit codes: 0 stopped cleanly (signal, or every shard read to its end); 1 failure at run time',
        '(access denied, stream not found, start or shutdown timeout); 2 bad flag, variable or handler module',
        '(one line on stderr naming it: also a handler module that throws or does not finish loading within',
        '--handler-load-timeout-ms, a --checkpoint-dir that is not a writable directory, a --metrics-port in',
        'use or a --metrics-host that is not an address of this machine).',
      ].join('\n'),
    }),
  run: poll,
};
