export {
  createKinesisClient,
  createStsClient,
  describeKinesisEndpoint,
  type KinesisClientDefaults,
  keepAliveHandler,
} from './kinesis-client.js';
