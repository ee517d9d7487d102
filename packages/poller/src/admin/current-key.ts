import { describeThrown, parseStreamArn } from '@streamshare/core/internal';
import { createKinesisClient, createStsClient } from '../clients/index.js';
import { resolveStreamKey } from '../coordination/stream-key.js';
import { assumeRoleProvider } from '../credentials/index.js';
import { CheckpointAdminError } from './errors.js';

/** The role the tools assume for DescribeStreamSummary (`--role-arn`, `--external-id`), as the poller would. */
export interface ToolRole {
  readonly roleArn: string;
  readonly externalId?: string | undefined;
}

/**
 * The stream-qualified key of the stream as it is now (`streamKey`: one DescribeStreamSummary by ARN,
 * as a poller of several streams finds it at start), signed as `role` when given, else as the
 * environment's identity (AWS_ENDPOINT_URL_KINESIS honoured). Any failure (stream not found, access
 * denied, no network) is `STREAM_KEY_UNKNOWN`, saying how to do without the call (`instead`).
 */
export async function currentStreamKey(
  streamArn: string,
  role?: ToolRole,
  /** How to do without the call, for the message (default: `name the key with --key KEY`). */
  instead = 'name the key with --key KEY',
): Promise<string> {
  const region = parseStreamArn(streamArn).region;
  const sts = role === undefined ? undefined : createStsClient(region);
  const credentials =
    role === undefined || sts === undefined
      ? undefined
      : assumeRoleProvider({
          roleArn: role.roleArn,
          externalId: role.externalId,
          sessionName: 'streamshare-checkpoints',
          durationSeconds: 900,
          stsClient: sts,
        });
  const client = createKinesisClient({ region, credentials, maxSockets: 2 });
  try {
    return await resolveStreamKey({ client, streamArn, region, principal: role?.roleArn });
  } catch (error) {
    throw new CheckpointAdminError(
      'STREAM_KEY_UNKNOWN',
      `the creation time of ${streamArn} could not be read (DescribeStreamSummary${role === undefined ? '' : ` as ${role.roleArn}`}): ${describeThrown(error)}. It tells the key of the stream as it is now; give --role-arn to read it as the poller does, or ${instead}`,
      { cause: error },
    );
  } finally {
    client.destroy();
    sts?.destroy();
  }
}
