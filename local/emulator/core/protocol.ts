/**
 * Proton's wire protocol, awsJson1_0 (proton-api.md §1).
 *
 * From the model: target prefix `AwsProton20200720`, the operation names, input/output shapes.
 * From documentation / SDK behaviour (proton-api.md §1, Smithy awsJson1_0 spec): `POST /` with
 * `X-Amz-Target: AwsProton20200720.<Op>`, `Content-Type: application/x-amz-json-1.0`, JSON bodies,
 * error body `{"__type", "message"}` plus the `x-amzn-ErrorType` header, `x-amzn-RequestId` on
 * every response, Smithy HTTP statuses (errors.ts), SerializationException for unparsable JSON.
 * Inferred (documented decisions):
 * - an unknown or missing target answers UnknownOperationException (400), the generic error of
 *   AWS JSON services for an unknown target;
 * - a request without a SigV4 `Authorization` header answers AccessDeniedException (403); any
 *   signature is accepted (nothing is verified);
 * - an access key registered with an identity (`control.setIdentity`) is that principal, in its
 *   account: each request is authorized against its policies (proton-authorization.ts, iam.ts)
 *   and a denied one answers AccessDeniedException (403) with IAM's message;
 * - otherwise the account is the access key id when it is 12 digits, else the emulator's default
 *   account, and nothing is authorized;
 *   the region is the credential scope's region (default region when absent);
 * - order of checks: auth, target, call count, injected fault / rate limit, JSON, due transitions,
 *   input validation, IAM authorization, operation, output validation (strict mode), then the
 *   after-the-operation faults (`lost-response`, `crash`);
 * - operations without an implementation (partial mode only) answer 501 NotImplemented, a status
 *   the SDKs do not retry.
 */
import type * as http from 'http';
import type { EmulatorState } from './emulator';
import { ProtonError, accessDenied, internal, throttling } from './errors';
import { CallerIdentity, IdentityRegistry, accessKeyIdOf, firstDenial } from './iam';
import { MODEL } from './model';
import { ProtocolError, invalidOutput, serialization, unknownOperation } from './protocol-errors';
import { authorizationsOf, planOf } from './proton-authorization';
import type { OperationTable, RequestContext } from './runtime';
import { validateInput, validateOutput } from './validate';

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

export interface ProtonEndpoint {
  readonly state: EmulatorState;
  readonly operations: OperationTable;
  readonly defaultAccountId: string;
  readonly defaultRegion: string;
  /** Check every output against the model; a mismatch answers 500. */
  readonly strict: boolean;
}

interface Caller {
  readonly accountId: string;
  readonly region: string;
  /** The registered principal of the access key, whose requests are authorized. */
  readonly identity?: CallerIdentity;
}


/** Response header carrying the emulator's clock, epoch milliseconds. */
export const EMULATOR_CLOCK_HEADER = 'x-emulator-clock';
/** `AWS4-HMAC-SHA256 Credential=<akid>/<date>/<region>/<service>/aws4_request, ...` */
export function callerOf(
  authorization: string | undefined,
  endpoint: Pick<ProtonEndpoint, 'defaultAccountId' | 'defaultRegion'>,
  identities?: IdentityRegistry,
): Caller {
  if (!authorization) {
    throw accessDenied('Missing Authentication Token: the request has no AWS Signature Version 4 Authorization header.');
  }
  const scope = /Credential=([^/,\s]+)\/[^/,\s]+\/([^/,\s]+)\//.exec(authorization);
  const accessKeyId = scope?.[1];
  const identity = identities?.get(accessKeyIdOf(authorization));
  return {
    accountId: identity?.accountId ?? (accessKeyId && /^\d{12}$/.test(accessKeyId) ? accessKeyId : endpoint.defaultAccountId),
    region: scope?.[2] ?? endpoint.defaultRegion,
    identity,
  };
}

function operationOf(target: string | string[] | undefined): string {
  const value = Array.isArray(target) ? target[0] : target;
  if (!value) throw unknownOperation('The request has no X-Amz-Target header.');
  const prefix = `${MODEL.targetPrefix}.`;
  const operation = value.startsWith(prefix) ? value.slice(prefix.length) : undefined;
  if (!operation || !Object.prototype.hasOwnProperty.call(MODEL.operations, operation)) {
    throw unknownOperation(`The operation '${value}' is not supported by this service; expected ${prefix}<Operation>.`);
  }
  return operation;
}

function parseBody(body: Buffer): unknown {
  const text = body.toString('utf-8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw serialization(`The request body is not valid JSON: ${(e as Error).message}`);
  }
}

function send(res: http.ServerResponse, status: number, payload: unknown, errorType?: string): void {
  const body = Buffer.from(JSON.stringify(payload));
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_CONTENT_TYPE);
  res.setHeader('Content-Length', body.length);
  if (errorType) res.setHeader('x-amzn-ErrorType', errorType);
  res.end(body);
}

function sendError(res: http.ServerResponse, type: string, status: number, message: string): void {
  send(res, status, { __type: type, message }, type);
}

/** The HTTP date of a SigV4 `x-amz-date` (`20260101T000000Z`); the wall clock when there is none. */
function serverDate(amzDate: string | string[] | undefined): string {
  const value = Array.isArray(amzDate) ? amzDate[0] : amzDate;
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  const date = match ? new Date(Date.UTC(+match[1], +match[2] - 1, +match[3], +match[4], +match[5], +match[6])) : new Date();
  return date.toUTCString();
}

/** Handles one Proton request whose body has been read. */
export async function handleProtonRequest(
  endpoint: ProtonEndpoint,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  requestId: string,
): Promise<void> {
  res.setHeader('x-amzn-RequestId', requestId);
  // The server's time (Date) is the caller's own (its signing time): the emulator verifies no
  // signature, so no caller's clock can be skewed against it, and a virtual Date would trip the SDKs'
  // clock-skew corrections (a client on virtual time, as the local runner's Lambda functions are,
  // signs with its virtual time). Inferred: AWS answers its own wall-clock time.
  res.setHeader('Date', serverDate(req.headers['x-amz-date']));
  // The emulator's own (possibly virtual) time travels in this header, which clients measuring
  // elapsed time on the server's clock read in place of Date (lambda/engine/deployment.ts).
  res.setHeader(EMULATOR_CLOCK_HEADER, String(endpoint.state.clock.nowMs()));
  let operation: string | undefined;
  try {
    const caller = callerOf(req.headers.authorization, endpoint, endpoint.state.identities);
    operation = operationOf(req.headers['x-amz-target']);
    const { state } = endpoint;
    state.countCall(operation);

    const fault = state.faults.take(operation, body.toString('utf-8'));
    if (fault === 'hang') {
      state.hold(res, { operation, kind: 'hang', remotePort: req.socket.remotePort ?? 0 });
      return;
    }
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === 'throttle' || !state.admit()) throw throttling('Rate exceeded');
    if (fault === 'internal') throw internal('An internal error occurred (injected fault).');

    const raw = parseBody(body);
    state.scheduler.runDue();
    const input = validateInput(operation, raw);
    const handler = endpoint.operations[operation];
    if (!handler) {
      sendError(res, 'NotImplemented', 501, `${operation} is not implemented by this emulator (started in partial mode).`);
      return;
    }
    const account = state.accountState(caller.accountId, caller.region);
    const where = { accountId: caller.accountId, region: caller.region, account, runtime: state };
    const plan = caller.identity ? planOf(operation, input, where) : {};
    const ctx: RequestContext = {
      operation,
      requestId,
      ...where,
      reservedId: plan.reservedId,
      nowSeconds: () => state.clock.nowMs() / 1000,
    };
    if (caller.identity) {
      const denial = await firstDenial(caller.identity, await authorizationsOf(operation, input, ctx, plan));
      if (denial !== undefined) throw accessDenied(denial);
    }
    const output = (await handler(input, ctx)) ?? {};
    if (endpoint.strict) {
      const mismatch = validateOutput(operation, output);
      if (mismatch) throw invalidOutput(`Strict mode: the emulator's ${operation} output does not match ${MODEL.operations[operation].output}: ${mismatch}`);
    }
    if (fault === 'lost-response') {
      // The operation took effect; its response never reaches the client.
      req.socket.destroy();
      return;
    }
    if (fault === 'crash') {
      // The operation took effect; its caller is gone and reads nothing (faults.ts).
      state.hold(res, { operation, kind: 'crash', remotePort: req.socket.remotePort ?? 0 });
      return;
    }
    send(res, 200, output);
  } catch (e) {
    if (e instanceof ProtonError || e instanceof ProtocolError) {
      sendError(res, e.type, e.status, e.message);
    } else {
      const message = e instanceof Error ? e.message : String(e);
      process.stderr.write(`proton emulator: ${operation ?? 'request'} failed: ${e instanceof Error ? e.stack : message}\n`);
      sendError(res, 'InternalServerException', 500, `The emulator failed while running ${operation ?? 'the request'}: ${message}`);
    }
  }
}
