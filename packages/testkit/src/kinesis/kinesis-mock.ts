import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePorts, LOOPBACK } from '../net/free-port.js';

/** Options of {@link startKinesisMock}. */
export interface KinesisMockOptions {
  /**
   * Duration of every asynchronous state change (CreateStream, DeleteStream, SplitShard, MergeShards,
   * UpdateShardCount, UpdateStreamMode, consumer registration, encryption), in kinesis-mock's
   * duration syntax. Default `'10ms'`, so streams become ACTIVE and reshards finish almost at once.
   */
  readonly stateChangeDuration?: string;
  /** Account of requests whose access key id is not a 12-digit account id. Default `'000000000000'`. */
  readonly defaultAccount?: string;
  /** Default region of the emulator. Default `'us-east-1'`. */
  readonly region?: string;
  /** Most shards per account. Default 1000: test files share one emulator (kinesis-mock alone allows 50). */
  readonly shardLimit?: number;
  /** kinesis-mock's LOG_LEVEL (ERROR, WARN, INFO, DEBUG, TRACE). Default `'ERROR'`, or `KINESIS_MOCK_LOG_LEVEL`. */
  readonly logLevel?: string;
  /** Extra environment variables for the emulator (see kinesis-local's README), applied last. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the emulator to answer its health check. Default 60 000 ms. */
  readonly startTimeoutMs?: number;
  /** Forward the emulator's stdout/stderr to this process's stderr. Default false (kept for error messages). */
  readonly inheritOutput?: boolean;
}

/** A running kinesis-mock, from {@link startKinesisMock}. */
export interface KinesisMock {
  /** Plain HTTP endpoint, e.g. `http://127.0.0.1:41234`. */
  readonly endpoint: string;
  /** The plain HTTP port. */
  readonly port: number;
  /** The TLS port (self-signed certificate); tests normally use {@link KinesisMock.endpoint}. */
  readonly tlsPort: number;
  /** Process id of the emulator. */
  readonly pid: number;
  /** Kills the emulator (SIGKILL; its streams are in memory) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** Absolute directory of the installed `kinesis-local` package (holds main.js and server.json). */
export function kinesisLocalDir(): string {
  return dirname(require.resolve('kinesis-local/package.json'));
}

/**
 * Code preloaded into the emulator: it exits when its stdin pipe closes, which happens when this
 * process ends in any way (even SIGKILL), so no emulator outlives the test run that started it.
 */
const WATCHDOG =
  "process.stdin.on('end',()=>process.exit(0));process.stdin.on('error',()=>process.exit(0));process.stdin.resume();";

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** Builds the emulator's environment from the options. Exported for tests and the README. */
export function kinesisMockEnv(
  ports: { plain: number; tls: number },
  options: KinesisMockOptions = {},
): Record<string, string> {
  const duration = options.stateChangeDuration ?? '10ms';
  const env: Record<string, string> = {
    KINESIS_MOCK_CERT_PATH: join(kinesisLocalDir(), 'server.json'),
    KINESIS_MOCK_PLAIN_PORT: String(ports.plain),
    KINESIS_MOCK_TLS_PORT: String(ports.tls),
    CREATE_STREAM_DURATION: duration,
    DELETE_STREAM_DURATION: duration,
    REGISTER_STREAM_CONSUMER_DURATION: duration,
    DEREGISTER_STREAM_CONSUMER_DURATION: duration,
    START_STREAM_ENCRYPTION_DURATION: duration,
    STOP_STREAM_ENCRYPTION_DURATION: duration,
    MERGE_SHARDS_DURATION: duration,
    SPLIT_SHARD_DURATION: duration,
    UPDATE_SHARD_COUNT_DURATION: duration,
    UPDATE_STREAM_MODE_DURATION: duration,
    SHARD_LIMIT: String(options.shardLimit ?? 1000),
    AWS_ACCOUNT_ID: options.defaultAccount ?? '000000000000',
    AWS_REGION: options.region ?? 'us-east-1',
    LOG_LEVEL: options.logLevel ?? process.env.KINESIS_MOCK_LOG_LEVEL ?? 'ERROR',
    ROOT_LOG_LEVEL: 'ERROR',
    SHOULD_PERSIST_DATA: 'false',
    LOAD_DATA_IF_EXISTS: 'false',
    ...options.env,
  };
  return env;
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: LOOPBACK, port, path: '/healthcheck', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

class StartError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'KinesisMockStartError';
  }
}

async function startOnce(options: KinesisMockOptions): Promise<KinesisMock> {
  const [plain, tls] = (await freePorts(2)) as [number, number];
  const main = join(kinesisLocalDir(), 'main.js');
  const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(WATCHDOG)}`, main], {
    env: { ...process.env, ...kinesisMockEnv({ plain, tls }, options) },
    stdio: ['pipe', options.inheritOutput ? 'inherit' : 'pipe', options.inheritOutput ? 'inherit' : 'pipe'],
  });
  installExitHook();
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const exited = waitForExit(child);
      // The emulator keeps nothing worth a graceful shutdown (in memory), and it takes seconds
      // to end on SIGTERM or on its stdin closing; SIGKILL ends it at once.
      child.kill('SIGKILL');
      await exited;
      child.stdin?.destroy();
    })();
    return stopping;
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!(await healthy(plain))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const inUse = /EADDRINUSE|address already in use/i.test(output);
      throw new StartError(
        `kinesis-mock (${main}) exited with ${child.exitCode ?? child.signalCode} before answering on port ${plain}` +
          (output ? `:\n${output}` : ''),
        inUse,
      );
    }
    if (Date.now() > deadline) {
      await stop();
      throw new StartError(
        `kinesis-mock did not answer GET http://${LOOPBACK}:${plain}/healthcheck within ${options.startTimeoutMs ?? 60_000} ms` +
          (output ? `:\n${output}` : ''),
        false,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (child.pid === undefined) throw new StartError('kinesis-mock started without a pid', false);
  return { endpoint: `http://${LOOPBACK}:${plain}`, port: plain, tlsPort: tls, pid: child.pid, stop };
}

/**
 * Starts kinesis-mock (npm `kinesis-local`) as a child Node process on free loopback ports and
 * resolves once it answers its health check (about half a second).
 *
 * The emulator serves several accounts at once: a request signed with a 12-digit account id as
 * its access key id is served from that account (see {@link kinesisClient}). Its streams are
 * in memory and vanish on {@link KinesisMock.stop}. The emulator dies with this process, even when
 * this process is killed. It listens on all interfaces (kinesis-mock has no host setting); the
 * endpoint names 127.0.0.1.
 *
 * @example
 * ```ts
 * const mock = await startKinesisMock();
 * const client = kinesisClient({ endpoint: mock.endpoint, account: PRODUCER_ACCOUNT });
 * const arn = await createStream(client, 'orders', 2);
 * await mock.stop();
 * ```
 */
export async function startKinesisMock(options: KinesisMockOptions = {}): Promise<KinesisMock> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (!(error instanceof StartError) || !error.retryable || attempt >= 3) throw error;
    }
  }
}
