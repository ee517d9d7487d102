import type { AttributeValue, DescribeTableCommandOutput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CheckpointAdminError } from '../admin/errors.js';
import { describeAwsError } from '../leases/aws-errors.js';
import { loadDynamoDbSdk } from '../leases/dynamodb-sdk.js';
import { withRetry } from '../leases/retry.js';
import { KCL_ATTR } from './kcl-lease.js';

/**
 * Every item of a KCL lease table, read only (DescribeTable, then a consistent Scan of all pages):
 * nothing is ever written to it. Refused with `TABLE_CALL_FAILED` when the table's partition key is
 * not `leaseKey` (not a KCL lease table) or a call fails.
 */
export async function scanKclTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<Record<string, AttributeValue>[]> {
  const sdk = await loadDynamoDbSdk();
  const failed = (action: string, error: unknown) =>
    new CheckpointAdminError(
      'TABLE_CALL_FAILED',
      `dynamodb:${action} on KCL table ${JSON.stringify(tableName)} failed: ${describeAwsError(error)}`,
      { cause: error },
    );
  let described: DescribeTableCommandOutput;
  try {
    described = await withRetry(() => client.send(new sdk.DescribeTableCommand({ TableName: tableName })));
  } catch (error) {
    throw failed('DescribeTable', error);
  }
  const hash = described.Table?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  if (hash !== KCL_ATTR.leaseKey) {
    throw new CheckpointAdminError(
      'TABLE_CALL_FAILED',
      `table ${JSON.stringify(tableName)} is not a KCL lease table: its partition key is ${hash ?? 'none'}, not ${KCL_ATTR.leaseKey}`,
    );
  }
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await withRetry(() =>
      client.send(new sdk.ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start })),
    ).catch((error: unknown) => {
      throw failed('Scan', error);
    });
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}
