import { Agent, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { closeServer, listenOnLoopback } from '../net/http-server.js';

/** Options of {@link startDynalite}. */
export interface DynaliteOptions {
  /** Milliseconds a table stays CREATING / DELETING / UPDATING. Default 0 (at once). */
  readonly tableStateMs?: number;
  /** LevelDB directory to keep data in. Default: in memory. */
  readonly path?: string;
}

/** A running dynalite, from {@link startDynalite}. */
export interface Dynalite {
  /** e.g. `http://127.0.0.1:41234`; give it to DynamoDBClient as `endpoint` (or AWS_ENDPOINT_URL_DYNAMODB). */
  readonly endpoint: string;
  readonly port: number;
  /** Stops the server and closes its connections. */
  stop(): Promise<void>;
}

type DynaliteFactory = (options: Record<string, unknown>) => Server;

/**
 * Starts dynalite (a DynamoDB emulator on LevelDB, in memory by default) inside this process on a
 * free loopback port. Conditional writes, ConditionalCheckFailedException, on-demand tables and
 * the item size limit behave as in DynamoDB; table state changes are instant by default.
 */
export async function startDynalite(options: DynaliteOptions = {}): Promise<Dynalite> {
  const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;
  const ms = options.tableStateMs ?? 0;
  const server = dynalite({
    createTableMs: ms,
    deleteTableMs: ms,
    updateTableMs: ms,
    ...(options.path ? { path: options.path } : {}),
  });
  const { endpoint, port } = await listenOnLoopback(server);
  return { endpoint, port, stop: () => closeServer(server) };
}

/** Options of {@link dynamoDbClient}. */
export interface DynamoDbClientOptions {
  /** Signing region. Default `us-east-1`. */
  readonly region?: string;
  /** Access key id to sign with (dynalite does not check it). Default `'888800008888'`. */
  readonly accessKeyId?: string;
  /** SDK retry attempts. Default 3. */
  readonly maxAttempts?: number;
}

/** A real {@link DynamoDBClient} for a dynalite endpoint (HTTP/1.1 keep-alive, test credentials). */
export function dynamoDbClient(endpoint: string, options: DynamoDbClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: options.accessKeyId ?? '888800008888', secretAccessKey: 'test' },
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true }) }),
  });
}
