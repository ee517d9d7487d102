export { InvalidStreamArnError, parseStreamArn, type StreamArnParts } from './stream-arn.js';
