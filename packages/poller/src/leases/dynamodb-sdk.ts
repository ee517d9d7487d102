import type * as DynamoDbSdk from '@aws-sdk/client-dynamodb';
import { keepAliveHandler } from '../clients/kinesis-client.js';

/** The module @aws-sdk/client-dynamodb. */
export type DynamoDbModule = typeof DynamoDbSdk;

let loading: Promise<DynamoDbModule> | undefined;

/**
 * @aws-sdk/client-dynamodb, loaded on first use: a poller without a lease table never loads it
 * (about 9 MB of resident memory).
 */
export function loadDynamoDbSdk(): Promise<DynamoDbModule> {
  loading ??= import('@aws-sdk/client-dynamodb');
  return loading;
}

/**
 * The lease-table client a poller makes when none is given: the poller's own identity and account
 * (not a stream's assumed role), the region of the environment (else `fallbackRegion`), the SDK's
 * endpoint environment (AWS_ENDPOINT_URL_DYNAMODB), 8 keep-alive sockets. Loads the SDK on first use.
 */
export async function ownLeaseClient(fallbackRegion: string): Promise<DynamoDbSdk.DynamoDBClient> {
  const { DynamoDBClient } = await loadDynamoDbSdk();
  return new DynamoDBClient({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? fallbackRegion,
    requestHandler: keepAliveHandler(8),
  });
}
