import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { accessKeyIdOf, callerAccountOf, closeServer, listenOnLoopback, readBody } from '../net/http-server.js';
import { stsError, stsResult } from './xml.js';

/** Options of {@link startStsServer}. */
export interface StsServerOptions {
  /**
   * Lifetime of issued credentials in seconds, whatever DurationSeconds the caller asked for
   * (the real minimum is 900; a test of refresh can use 2). Default: the request's
   * DurationSeconds, or 3600.
   */
  readonly credentialLifetimeSeconds?: number;
  /** When set, AssumeRole is denied (AccessDenied) unless its ExternalId equals this. */
  readonly externalId?: string;
  /** When set, only these role ARNs may be assumed; others are denied (AccessDenied). */
  readonly allowedRoleArns?: readonly string[];
  /** Account of callers whose access key id is not a 12-digit account id. Default `'888800008888'`. */
  readonly defaultCallerAccount?: string;
}

/** A failure the STS server returns instead of answering, set with {@link StsServer.setFailure}. */
export type StsFailure =
  | {
      /** Error code, e.g. `AccessDenied`, `ExpiredToken`, `Throttling`, `InternalFailure`, `RegionDisabledException`. */
      readonly code: string;
      /** Error message. Default: a message in the style of STS for the code. */
      readonly message?: string;
      /** HTTP status. Default 403 for AccessDenied/InvalidClientTokenId/RegionDisabledException, 500 for InternalFailure, else 400. */
      readonly status?: number;
      /** Only this action fails. Default: every action. */
      readonly action?: 'AssumeRole' | 'GetCallerIdentity';
      /** Fail this many calls, then answer again. Default: until cleared. */
      readonly times?: number;
    }
  | {
      /** Destroy the connection without an answer. */
      readonly drop: true;
      readonly action?: 'AssumeRole' | 'GetCallerIdentity';
      readonly times?: number;
    };

/** One call the STS server received. Holds no secret: no secret key, no session token. */
export interface StsCall {
  readonly action: string;
  /** When the call arrived. */
  readonly at: Date;
  /** The caller's account when its access key id is a 12-digit account id. */
  readonly callerAccount: string | undefined;
  /** Whether the caller signed with a session token this server issued. */
  readonly callerHasSessionToken: boolean;
  readonly roleArn?: string;
  readonly roleSessionName?: string;
  readonly externalId?: string;
  readonly durationSeconds?: number;
  /** `'ok'`, or the error code returned, or `'dropped'`. */
  readonly outcome: string;
  /** For a successful AssumeRole: the issued access key id (the role's account) and expiry. */
  readonly issued?: { readonly accessKeyId: string; readonly expiration: Date };
}

/** A running STS server, from {@link startStsServer}. */
export interface StsServer {
  /** e.g. `http://127.0.0.1:41234`; give it to STSClient as `endpoint` (or AWS_ENDPOINT_URL_STS). */
  readonly endpoint: string;
  /** Every call received, oldest first. */
  readonly calls: readonly StsCall[];
  /** Make the next calls fail (see {@link StsFailure}); `undefined` clears it. */
  setFailure(failure: StsFailure | undefined): void;
  /** Stops the server and closes its connections. */
  stop(): Promise<void>;
}

interface Session {
  readonly assumedRoleArn: string;
  readonly assumedRoleId: string;
  readonly account: string;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

function defaultStatus(code: string): number {
  if (code === 'AccessDenied' || code === 'InvalidClientTokenId' || code === 'RegionDisabledException') return 403;
  if (code === 'InternalFailure' || code === 'ServiceUnavailable') return code === 'InternalFailure' ? 500 : 503;
  return 400;
}

/**
 * Starts a loopback STS server speaking the Query protocol (form-encoded POST, XML answers) well
 * enough for the real `@aws-sdk/client-sts`: `AssumeRole` and `GetCallerIdentity`.
 *
 * AssumeRole issues credentials whose AccessKeyId is the role ARN's account id, so kinesis-mock
 * serves that account to a client using them. It checks what STS checks on input (role ARN form,
 * session name, DurationSeconds 900..43200) and, when configured, the external id and the
 * assumable roles, answering AccessDenied in STS's wording. Injected failures
 * ({@link StsServer.setFailure}) are returned as STS returns errors.
 */
export async function startStsServer(options: StsServerOptions = {}): Promise<StsServer> {
  const calls: StsCall[] = [];
  const sessions = new Map<string, Session>();
  let failure: StsFailure | undefined;
  let failuresLeft = Number.POSITIVE_INFINITY;

  const reply = (res: ServerResponse, status: number, xml: string, requestId: string) => {
    res.writeHead(status, {
      'content-type': 'text/xml',
      'content-length': Buffer.byteLength(xml),
      'x-amzn-requestid': requestId,
    });
    res.end(xml);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const body = await readBody(req);
    const params = new URLSearchParams(body.toString('utf8'));
    const action = params.get('Action') ?? '';
    const token = req.headers['x-amz-security-token'];
    const session = typeof token === 'string' ? sessions.get(token) : undefined;
    const callerAccount = session?.account ?? callerAccountOf(req) ?? options.defaultCallerAccount ?? '888800008888';
    const duration = params.get('DurationSeconds');
    const base = {
      action,
      at: new Date(),
      callerAccount,
      callerHasSessionToken: session !== undefined,
      roleArn: params.get('RoleArn') ?? undefined,
      roleSessionName: params.get('RoleSessionName') ?? undefined,
      externalId: params.get('ExternalId') ?? undefined,
      durationSeconds: duration === null ? undefined : Number(duration),
    };
    const fail = (code: string, message: string, status = defaultStatus(code)) => {
      calls.push({ ...base, outcome: code });
      reply(res, status, stsError(status >= 500 ? 'Receiver' : 'Sender', code, message, requestId), requestId);
    };
    const callerArn = session?.assumedRoleArn ?? `arn:aws:iam::${callerAccount}:user/streamshare-test`;

    if (failure && failuresLeft > 0 && (failure.action === undefined || failure.action === action)) {
      failuresLeft--;
      if ('drop' in failure) {
        calls.push({ ...base, outcome: 'dropped' });
        req.socket.destroy();
        return;
      }
      const message =
        failure.message ??
        (failure.code === 'AccessDenied'
          ? `User: ${callerArn} is not authorized to perform: sts:${action} on resource: ${base.roleArn ?? '*'}`
          : `${failure.code} (injected by the streamshare test STS server)`);
      fail(failure.code, message, failure.status);
      return;
    }

    if (params.get('Version') !== '2011-06-15') {
      fail(
        'InvalidAction',
        `Could not find operation ${action} for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`,
      );
      return;
    }
    if (action === 'GetCallerIdentity') {
      calls.push({ ...base, outcome: 'ok' });
      const result = session
        ? { UserId: session.assumedRoleId, Account: session.account, Arn: session.assumedRoleArn }
        : { UserId: accessKeyIdOf(req) ?? 'AIDAEXAMPLE', Account: callerAccount, Arn: callerArn };
      reply(res, 200, stsResult(action, result, requestId), requestId);
      return;
    }
    if (action !== 'AssumeRole') {
      fail('InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
      return;
    }

    const roleArn = base.roleArn ?? '';
    const roleMatch = ROLE_ARN.exec(roleArn);
    if (!roleMatch) {
      fail('ValidationError', `${roleArn || 'RoleArn'} is invalid`);
      return;
    }
    const sessionName = base.roleSessionName ?? '';
    if (!SESSION_NAME.test(sessionName)) {
      fail(
        'ValidationError',
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: ` +
          'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
      );
      return;
    }
    const requested = base.durationSeconds ?? 3600;
    if (!Number.isInteger(requested) || requested < 900 || requested > 43_200) {
      fail(
        'ValidationError',
        `1 validation error detected: Value '${requested}' at 'durationSeconds' failed to satisfy constraint: ` +
          (requested < 900
            ? 'Member must have value greater than or equal to 900'
            : 'Member must have value less than or equal to 43200'),
      );
      return;
    }
    const denied =
      (options.allowedRoleArns !== undefined && !options.allowedRoleArns.includes(roleArn)) ||
      (options.externalId !== undefined && base.externalId !== options.externalId);
    if (denied) {
      fail('AccessDenied', `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
      return;
    }

    const [, account, roleName] = roleMatch as unknown as [string, string, string];
    const lifetime = options.credentialLifetimeSeconds ?? requested;
    const expiration = new Date(Math.floor(Date.now() / 1000) * 1000 + lifetime * 1000);
    const sessionToken = randomBytes(48).toString('base64');
    const roleId = `AROA${randomBytes(8).toString('hex').toUpperCase()}`;
    const assumedRoleArn = `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;
    sessions.set(sessionToken, { assumedRoleArn, assumedRoleId: `${roleId}:${sessionName}`, account });
    calls.push({ ...base, outcome: 'ok', issued: { accessKeyId: account, expiration } });
    reply(
      res,
      200,
      stsResult(
        action,
        {
          Credentials: {
            AccessKeyId: account,
            SecretAccessKey: randomBytes(30).toString('base64'),
            SessionToken: sessionToken,
            Expiration: expiration.toISOString().replace('.000Z', 'Z'),
          },
          AssumedRoleUser: { AssumedRoleId: `${roleId}:${sessionName}`, Arn: assumedRoleArn },
        },
        requestId,
      ),
      requestId,
    );
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        const id = randomUUID();
        reply(res, 500, stsError('Receiver', 'InternalFailure', String(error), id), id);
      }
    });
  });
  const { endpoint } = await listenOnLoopback(server);
  return {
    endpoint,
    calls,
    setFailure(next) {
      failure = next;
      failuresLeft = next?.times ?? Number.POSITIVE_INFINITY;
    },
    stop: () => closeServer(server),
  };
}
