// The reference scenario of DESIGN.md: who owns what, and the record that is put.
import { CONSUMER_ACCOUNT, PRODUCER_ACCOUNT } from '@streamshare/testkit';

export { CONSUMER_ACCOUNT, PRODUCER_ACCOUNT };

/** The stream's region (a Lambda trigger must be in it). */
export const STREAM_REGION = 'us-east-1';
/** The producer's stream. */
export const STREAM_NAME = 'kds-sharing-example1';
/** The consumer's role: the Principal of the stream's resource-based policy (kds-reader1's execution role). */
export const CONSUMER_ROLE_ARN = `arn:aws:iam::${CONSUMER_ACCOUNT}:role/service-role/kds-reader1-role-q6zcv9kq`;
/** The enhanced fan-out consumer the producer registers on its stream for kds-reader1 (the demo's reader 4d). */
export const CONSUMER_NAME = 'kds-reader1-efo';
/** The bus the EventBridge forwarder sends to: the consumer account's bus in another region. */
export const EVENT_BUS_ARN = `arn:aws:events:ap-northeast-1:${CONSUMER_ACCOUNT}:event-bus/kds-forwarded`;
/** The test record, as `aws kinesis put-record --partition-key DUMMY1 --data '{"this_is": "test record"}'` puts it. */
export const TEST_RECORD = { partitionKey: 'DUMMY1', data: '{"this_is": "test record"}' };
