import { resolve } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseStreamArn as parseStreamArnParts } from '@streamshare/core/internal';
import { FileStoreAdmin } from '../admin/file-admin.js';
import { LeaseTableAdmin } from '../admin/lease-admin.js';
import { keepAliveHandler } from '../clients/kinesis-client.js';
import { loadDynamoDbSdk } from '../leases/dynamodb-sdk.js';
import type { FlagDefinition, RawFlags, RawValue } from './flags.js';
import { POLL_DEFAULTS } from './poll-config.js';
import { UsageError } from './usage-error.js';

/** The store flags of the checkpoint tools, as `streamshare poll` takes them. */
export const STORE_FLAGS: readonly FlagDefinition[] = [
  {
    name: 'checkpoint-dir',
    type: 'string',
    value: 'DIR',
    defaultText: POLL_DEFAULTS.checkpointDir,
    description: 'The checkpoint directory of a single worker (as given to streamshare poll). Not with --lease-table.',
  },
  {
    name: 'lease-table',
    type: 'string',
    value: 'NAME',
    description:
      'The DynamoDB lease table of several workers (as given to streamshare poll), in AWS_REGION. Not with --checkpoint-dir.',
  },
];

/** Which store a command works on. */
export type StoreChoice =
  | { readonly kind: 'file'; readonly directory: string }
  | { readonly kind: 'lease-table'; readonly tableName: string };

/** A DynamoDB table name: 3 to 255 of A-Z a-z 0-9 _ . - (pure; throws a UsageError naming the flag). */
export function parseTableName(raw: RawValue): string {
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(raw.value)) {
    throw new UsageError(
      `${raw.source}: ${JSON.stringify(raw.value)} is not a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -)`,
    );
  }
  return raw.value;
}

/** The store the flags name (a checkpoint directory by default). Pure; throws UsageError. */
export function storeChoiceFrom(raw: RawFlags, cwd: string): StoreChoice {
  const dir = raw.values.get('checkpoint-dir');
  const table = raw.values.get('lease-table');
  if (dir && table) {
    throw new UsageError(`${dir.source} and ${table.source} exclude each other: name the one store to work on`);
  }
  if (table) return { kind: 'lease-table', tableName: parseTableName(table) };
  return { kind: 'file', directory: resolve(cwd, dir?.value ?? POLL_DEFAULTS.checkpointDir) };
}

/**
 * The region of the DynamoDB client: AWS_REGION, AWS_DEFAULT_REGION, else the stream's (from its
 * ARN). Throws a UsageError when none is known.
 */
export function dynamoRegion(env: Readonly<Record<string, string | undefined>>, streamArn: string | undefined): string {
  const fromEnv = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  if (streamArn !== undefined) return parseStreamArnParts(streamArn).region;
  throw new UsageError('set AWS_REGION (the region of the DynamoDB table), or give --stream-arn');
}

/** A DynamoDB client of this process's own identity (AWS_ENDPOINT_URL_DYNAMODB honoured, as by the poller). */
export async function ownDynamoClient(region: string): Promise<DynamoDBClient> {
  const { DynamoDBClient } = await loadDynamoDbSdk();
  return new DynamoDBClient({ region, requestHandler: keepAliveHandler(4) });
}

/** The tool access to a store, and what to call when done. */
export type OpenedStore =
  | { readonly kind: 'file'; readonly admin: FileStoreAdmin; close(): void }
  | { readonly kind: 'lease-table'; readonly admin: LeaseTableAdmin; close(): void };

/** Opens the store a command works on (the lease table checked to be streamshare's). */
export async function openStore(
  choice: StoreChoice,
  env: Readonly<Record<string, string | undefined>>,
  streamArn: string | undefined,
): Promise<OpenedStore> {
  if (choice.kind === 'file') return { kind: 'file', admin: new FileStoreAdmin(choice.directory), close: () => {} };
  const client = await ownDynamoClient(dynamoRegion(env, streamArn));
  const admin = new LeaseTableAdmin(client, choice.tableName);
  try {
    await admin.check();
  } catch (error) {
    client.destroy();
    throw error;
  }
  return { kind: 'lease-table', admin, close: () => client.destroy() };
}
