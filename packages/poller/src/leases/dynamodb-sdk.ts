import type * as DynamoDbSdk from '@aws-sdk/client-dynamodb';

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
