/**
 * The CommonJS packages the poller uses, loaded through this one CommonJS module.
 *
 * When an ES module imports a CommonJS package, Node parses the package's source to find its named
 * exports, and follows the re-exports it finds into further packages: for the AWS SDK clients that
 * cost about 90 ms of start-up and 6 MB of resident memory on Node 20. The poller's ES build imports
 * this module instead (one small file with its export names annotated), and it `require`s the
 * packages as a CommonJS program would. Bundlers follow it like any other import.
 *
 * Only the values the poller uses are listed (add a name here before importing it elsewhere); types
 * are imported from the packages themselves (`import type`). No TypeScript syntax here: tests load
 * this file through Vite as plain JavaScript.
 * @internal
 */
export {
  DeregisterStreamConsumerCommand,
  DescribeStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetResourcePolicyCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamConsumersCommand,
  PutResourcePolicyCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
export { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';
export { pino } from 'pino';

/**
 * prom-client, loaded on first call (Node caches it): only a poller with metrics loads it, about
 * 2.5 MB of resident memory. Its type is `typeof import('prom-client')`.
 */
export function loadPromClient() {
  return require('prom-client');
}

/**
 * @aws-sdk/client-sts, loaded on first call (Node caches it): only a poller that assumes a role (and
 * `streamshare doctor`) loads it, about 8 ms of start-up and 0.5 MB of resident memory. Its type is
 * `typeof import('@aws-sdk/client-sts')`.
 */
export function loadSts() {
  return require('@aws-sdk/client-sts');
}
