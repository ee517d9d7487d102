// `--handler lambda-handler.mjs#handler`: the very module a Lambda function would deploy.
import { kinesisHandler } from '@streamshare/lambda-adapter';
import { append } from './append.mjs';

export const handler = kinesisHandler(async (record) => {
  await append(record, 'lambda');
});
