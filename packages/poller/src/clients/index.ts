export {
  createKinesisClient,
  createStsClient,
  type KinesisClientDefaults,
  keepAliveHandler,
} from './kinesis-client.js';
