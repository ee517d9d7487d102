import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AttributeValue, CreateTableCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, vi } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { dynamoClient, type LocalDynamo, startLocalDynamo } from '../leases-support.js';
import { memoryIo } from './memory-io.js';

/** The AWS variables the checkpoint tools' DynamoDB client reads, pointed at a local DynamoDB (dynalite). */
export function stubAwsEnv(dynamoEndpoint: string): void {
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamoEndpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', '888800008888');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
}

/** Runs the `streamshare` CLI in process (AWS_REGION us-east-1): its exit code and output. */
export async function runTool(
  args: readonly string[],
  cwd?: string,
): Promise<{ code: number; out: string; err: string }> {
  const mem = memoryIo(cwd);
  const code = await runCli(args, { ...mem.io, env: { AWS_REGION: 'us-east-1' } });
  return { code, out: mem.out(), err: mem.err() };
}

/** What {@link toolTestEnv} sets up for a test file: read them inside tests (they are set by beforeAll). */
export interface ToolTestEnv {
  readonly dynamo: LocalDynamo;
  readonly client: DynamoDBClient;
  /** A temporary directory, removed after the file. */
  readonly work: string;
  /** Intervals cleared after each test (e.g. a worker renewing its lease). */
  readonly timers: NodeJS.Timeout[];
}

/**
 * Registers the hooks of a checkpoint-tools test file: dynalite and a client of it, the AWS variables
 * pointed at it, a temporary directory; all torn down after the file, intervals after each test.
 */
export function toolTestEnv(prefix: string): ToolTestEnv {
  const env = { timers: [] as NodeJS.Timeout[] } as { -readonly [K in keyof ToolTestEnv]: ToolTestEnv[K] };
  beforeAll(async () => {
    env.dynamo = await startLocalDynamo();
    env.client = dynamoClient(env.dynamo.endpoint);
    env.work = mkdtempSync(join(tmpdir(), `${prefix}-`));
    stubAwsEnv(env.dynamo.endpoint);
  });
  afterEach(() => {
    for (const t of env.timers.splice(0)) clearInterval(t);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    env.client?.destroy();
    await env.dynamo?.close();
    if (env.work) rmSync(env.work, { recursive: true, force: true });
  });
  return env;
}

/** A KCL lease table (partition key `leaseKey`, as the KCL creates it) holding `items`; resolves with its name. */
export async function createKclTable(
  client: DynamoDBClient,
  name: string,
  items: readonly Record<string, AttributeValue>[],
): Promise<string> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
    }),
  );
  for (let i = 0; i < 50; i++) {
    try {
      for (const item of items) await client.send(new PutItemCommand({ TableName: name, Item: { ...item } }));
      return name;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50)); // still CREATING
    }
  }
  throw new Error(`table ${name} never became writable`);
}

/** The arguments of `streamshare import kcl` of a stream from a KCL table, with more flags. */
export function importKclArgs(table: string, streamArn: string, ...flags: string[]): string[] {
  return ['import', 'kcl', '--table', table, '--stream-arn', streamArn, ...flags];
}
