import type { AssumeRoleCommandOutput, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { StreamshareError } from '@streamshare/core';
import { classifyAwsError } from '@streamshare/core/internal';
import type { Logger } from 'pino';
import { stsSdk } from '../clients/sts-sdk.js';
import { errorFields } from '../errors/error-fields.js';

/** AssumeRole failed: the message names the role and what to check; never contains credentials. */
export class CredentialsError extends StreamshareError {
  readonly roleArn: string;

  constructor(roleArn: string, message: string, options: { retryable: boolean; cause?: unknown }) {
    super(options.retryable ? 'ASSUME_ROLE_RETRYABLE' : 'ASSUME_ROLE_FAILED', message, options);
    this.roleArn = roleArn;
  }
}

/** Options of {@link assumeRoleProvider}. */
export interface AssumeRoleProviderOptions {
  readonly roleArn: string;
  readonly externalId?: string | undefined;
  /** Default `streamshare-poller`. */
  readonly sessionName?: string | undefined;
  /** Default 3600. */
  readonly durationSeconds?: number | undefined;
  readonly stsClient: STSClient;
  readonly logger?: Logger | undefined;
  /** Called after each successful AssumeRole (for tests and metrics), with the expiry only. */
  readonly onRefresh?: ((expiration: Date) => void) | undefined;
  readonly now?: () => number;
}

/** A credential provider that also tells the role it assumes. */
export interface AssumeRoleCredentialProvider extends AwsCredentialIdentityProvider {
  readonly roleArn: string;
}

/**
 * When cached credentials must be refreshed: 5 minutes before they expire, or half-way through
 * their lifetime when they live less than 10 minutes (short test credentials). Pure.
 * @internal
 */
export function refreshTime(obtainedAt: number, expiration: number): number {
  const lifetime = Math.max(0, expiration - obtainedAt);
  return expiration - Math.min(5 * 60_000, lifetime / 2);
}

function describeStsError(roleArn: string, error: unknown): CredentialsError {
  // Core's one AWS error classifier; it reads the thrown value safely, whatever an STS client throws.
  const aws = classifyAwsError(error);
  const name = aws.name ?? 'Error';
  // Throttling, 5xx and network errors, and a failure with an error code but no answer of STS at all
  // (the connection or the credential chain under it): the same AssumeRole may succeed later.
  const retryable = aws.retryable || (aws.kind === 'no-response' && aws.code !== undefined);
  const hint =
    aws.kind === 'access-denied'
      ? ": the role's trust policy must allow this principal (and the external id, if set), and the principal's own policy must allow sts:AssumeRole on the role"
      : name === 'RegionDisabledException'
        ? ': STS is not activated in this region for the account'
        : '';
  return new CredentialsError(roleArn, `sts:AssumeRole of ${roleArn} failed with ${name}${hint} (${aws.message})`, {
    retryable,
    cause: error,
  });
}

/**
 * Credentials of `roleArn` through STS AssumeRole, cached and refreshed before they expire
 * (see {@link refreshTime}); concurrent callers share one AssumeRole call. When a refresh fails while
 * the cached credentials are still valid, those are used and the refresh is tried again on the next
 * call. Credentials are never logged.
 */
export function assumeRoleProvider(options: AssumeRoleProviderOptions): AssumeRoleCredentialProvider {
  const now = options.now ?? Date.now;
  const sessionName = options.sessionName ?? 'streamshare-poller';
  const durationSeconds = options.durationSeconds ?? 3600;
  let cached: { identity: AwsCredentialIdentity; refreshAt: number; expiresAt: number } | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;

  const assume = async (): Promise<AwsCredentialIdentity> => {
    const startedAt = now();
    let output: AssumeRoleCommandOutput;
    try {
      const { AssumeRoleCommand } = stsSdk();
      output = await options.stsClient.send(
        new AssumeRoleCommand({
          RoleArn: options.roleArn,
          RoleSessionName: sessionName,
          DurationSeconds: durationSeconds,
          ...(options.externalId === undefined ? {} : { ExternalId: options.externalId }),
        }),
      );
    } catch (error) {
      throw describeStsError(options.roleArn, error);
    }
    const c = output.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.Expiration) {
      throw new CredentialsError(options.roleArn, `sts:AssumeRole of ${options.roleArn} returned no credentials`, {
        retryable: true,
      });
    }
    const identity: AwsCredentialIdentity = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      expiration: c.Expiration,
    };
    const expiresAt = c.Expiration.getTime();
    cached = { identity, expiresAt, refreshAt: refreshTime(startedAt, expiresAt) };
    options.logger?.debug(
      { roleArn: options.roleArn, sessionName, expiration: c.Expiration.toISOString() },
      'assumed role for the stream',
    );
    options.onRefresh?.(c.Expiration);
    return identity;
  };

  const provider = async (): Promise<AwsCredentialIdentity> => {
    const at = now();
    if (cached && at < cached.refreshAt) return cached.identity;
    pending ??= assume().finally(() => {
      pending = undefined;
    });
    try {
      return await pending;
    } catch (error) {
      if (cached && now() < cached.expiresAt - 1000) {
        options.logger?.warn(
          {
            roleArn: options.roleArn,
            err: errorFields(error),
          },
          'refreshing the assumed-role credentials failed; using the cached ones until they expire',
        );
        return cached.identity;
      }
      throw error;
    }
  };
  return Object.assign(provider, { roleArn: options.roleArn });
}
