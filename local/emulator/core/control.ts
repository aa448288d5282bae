/**
 * The scenario/fault control surface, offered twice with the same semantics: as the programmatic
 * `control` object of `startEmulator()` and as a JSON HTTP API on the emulator's own endpoint.
 * Emulator mechanism only (no AWS behaviour). HTTP routes (request and response bodies JSON):
 *
 * | route | body | effect |
 * |---|---|---|
 * | POST /_emulator/advance | `{"ms": 30000}` | move the clock, run due transitions |
 * | POST /_emulator/durations | `{"deploymentMs": 1000, ...}` | change simulated durations |
 * | POST /_emulator/fail-next-deployment | `{"targetKey": "environment/dev", "message": "..."}` | |
 * | POST /_emulator/fail-next-deletion | `{"targetKey": "...", "message": "..."}` | |
 * | POST /_emulator/outputs | `{"targetKey": "...", "outputs": {"Url": "..."}}` | |
 * | POST /_emulator/faults | `{"operation": "GetEnvironment", "kind": "throttle", "count": 2, "match": "dev"}` | |
 * | POST /_emulator/chaos | `{"probability": 0.2, "kinds": ["internal", "reset"], "seed": 7}` or `{}` to stop | random faults |
 * | POST /_emulator/rate-limit | `{"requestsPerSecond": 5, "burst": 5}` or `{}` to remove | |
 * | GET /_emulator/held-requests | | `[{"operation": "GetEnvironment", "kind": "hang", "remotePort": 51234}]` |
 * | GET /_emulator/transitions | | `[{"label": "...", "scheduledAtMs": 0, "dueMs": 30000}]` |
 * | GET /_emulator/call-counts | | `{"GetEnvironment": 3}` |
 * | POST /_emulator/reset-call-counts | | |
 * | GET /_emulator/dump | | all state |
 * | PUT /_emulator/objects/<bucket>/<key> | raw bytes | store an object (bucket created) |
 * | PUT /_emulator/identities/<access key id> | `{"principalArn", "accountId", "policies": [{"name", "document"}]}` | requests signed with the key are that principal's, authorized against its policies |
 * | DELETE /_emulator/identities/<access key id> | | the key's requests are no longer authorized |
 *
 * Every answer is 200 with a JSON body (`{}` when there is nothing to return); a bad request is
 * 400 `{"error": "<what is wrong and what is allowed>"}`.
 */
import type * as http from 'http';
import type { EmulatorState, HeldRequest } from './emulator';
import type { ChaosSpec, FaultSpec, RateLimit } from './faults';
import type { CallerIdentity } from './iam';
import { OPERATION_NAMES } from './model';
import type { Durations, TargetKey } from './runtime';
import type { TransitionRecord } from './scheduler';

export const CONTROL_PREFIX = '/_emulator/';

export interface EmulatorControl {
  /** Moves the virtual clock forward and applies every transition that became due. */
  advance(ms: number): void;
  setDurations(durations: Partial<Durations>): void;
  failNextDeployment(targetKey: TargetKey, message: string): void;
  failNextDeletion(targetKey: TargetKey, message: string): void;
  setOutputs(targetKey: TargetKey, outputs: Record<string, string>): void;
  /** The next `count` calls of `operation` (those whose body contains `match`, if given) get the fault. */
  injectFault(operation: string, fault: FaultSpec): void;
  /** Random faults on every request, from a seeded sequence; undefined stops them. */
  setChaos(chaos: ChaosSpec | undefined): void;
  /** The requests held open by `hang` and `crash` faults right now, with the caller's port. */
  heldRequests(): HeldRequest[];
  /** The asynchronous transitions applied so far (registrations, deployments, deletes), in order. */
  transitions(): TransitionRecord[];
  /** Token-bucket limit over all Proton requests, on the emulator clock; undefined removes it. */
  setRateLimit(limit: RateLimit | undefined): void;
  /** Proton requests received per operation (faulted and throttled attempts included). */
  callCounts(): Record<string, number>;
  resetCallCounts(): void;
  dump(): Record<string, unknown>;
  /** Stores an object in the S3-compatible store, creating the bucket if needed. */
  putObject(bucket: string, key: string, body: Buffer | string): { etag: string };
  /**
   * Requests signed with `accessKeyId` come from `identity` and are authorized against its
   * policies (Proton and S3); `undefined` forgets the key (its requests are not authorized).
   */
  setIdentity(accessKeyId: string, identity: CallerIdentity | undefined): void;
}

export function createControl(state: EmulatorState): EmulatorControl {
  return {
    advance: (ms) => state.clock.advance(ms),
    setDurations: (durations) => state.scenario.setDurations(durations),
    failNextDeployment: (targetKey, message) => state.scenario.failNextDeployment(targetKey, message),
    failNextDeletion: (targetKey, message) => state.scenario.failNextDeletion(targetKey, message),
    setOutputs: (targetKey, outputs) => state.scenario.setOutputs(targetKey, outputs),
    injectFault: (operation, fault) => {
      if (!OPERATION_NAMES.includes(operation)) {
        throw new Error(`Cannot inject a fault into '${operation}': not an operation of the Proton model (e.g. 'GetEnvironment').`);
      }
      state.faults.inject(operation, fault);
    },
    setChaos: (chaos) => state.faults.setChaos(chaos),
    heldRequests: () => state.heldRequests(),
    transitions: () => state.scheduler.applied(),
    setRateLimit: (limit) => state.setRateLimit(limit),
    callCounts: () => state.callCounts(),
    resetCallCounts: () => state.resetCallCounts(),
    dump: () => state.dump(),
    putObject: (bucket, key, body) => {
      state.s3.createBucket(bucket);
      return state.s3.put(bucket, key, Buffer.isBuffer(body) ? body : Buffer.from(body));
    },
    setIdentity: (accessKeyId, identity) => state.identities.set(accessKeyId, identity),
  };
}

class BadControlRequest extends Error {}

function field<T>(body: Record<string, unknown>, name: string, type: 'string' | 'number' | 'object'): T {
  const value = body[name];
  if (typeof value !== type || value === null) {
    throw new BadControlRequest(`Member '${name}' must be a ${type}, got ${JSON.stringify(value)}.`);
  }
  return value as T;
}

type Route = (control: EmulatorControl, body: Record<string, unknown>, raw: Buffer, rest: string) => unknown;

const ROUTES: Record<string, Route> = {
  'POST advance': (c, b) => c.advance(field<number>(b, 'ms', 'number')),
  'POST durations': (c, b) => c.setDurations(b as Partial<Durations>),
  'POST fail-next-deployment': (c, b) =>
    c.failNextDeployment(field(b, 'targetKey', 'string'), field(b, 'message', 'string')),
  'POST fail-next-deletion': (c, b) => c.failNextDeletion(field(b, 'targetKey', 'string'), field(b, 'message', 'string')),
  'POST outputs': (c, b) => c.setOutputs(field(b, 'targetKey', 'string'), field(b, 'outputs', 'object')),
  'POST faults': (c, b) =>
    c.injectFault(field(b, 'operation', 'string'), {
      kind: field<FaultSpec['kind']>(b, 'kind', 'string'),
      count: b.count === undefined ? undefined : field<number>(b, 'count', 'number'),
      match: b.match === undefined ? undefined : field<string>(b, 'match', 'string'),
    }),
  'POST chaos': (c, b) =>
    c.setChaos(Object.keys(b).length === 0 ? undefined : {
      probability: field<number>(b, 'probability', 'number'),
      kinds: field<ChaosSpec['kinds']>(b, 'kinds', 'object'),
      seed: field<number>(b, 'seed', 'number'),
      operations: b.operations === undefined ? undefined : field<'all' | 'mutating'>(b, 'operations', 'string'),
    }),
  'GET held-requests': (c) => c.heldRequests(),
  'GET transitions': (c) => c.transitions(),
  'POST rate-limit': (c, b) =>
    c.setRateLimit(Object.keys(b).length === 0 ? undefined : {
      requestsPerSecond: field<number>(b, 'requestsPerSecond', 'number'),
      burst: field<number>(b, 'burst', 'number'),
    }),
  'GET call-counts': (c) => c.callCounts(),
  'POST reset-call-counts': (c) => c.resetCallCounts(),
  'GET dump': (c) => c.dump(),
  'PUT objects': (c, _b, raw, rest) => {
    const slash = rest.indexOf('/');
    if (slash <= 0 || slash === rest.length - 1) {
      throw new BadControlRequest('Use PUT /_emulator/objects/<bucket>/<key> with the object bytes as body.');
    }
    return c.putObject(decodeURIComponent(rest.slice(0, slash)), decodeURIComponent(rest.slice(slash + 1)), raw);
  },
  'PUT identities': (c, b, _raw, rest) => c.setIdentity(accessKeyOf(rest), {
    principalArn: field(b, 'principalArn', 'string'),
    accountId: field(b, 'accountId', 'string'),
    policies: policiesOf(b.policies),
  }),
  'DELETE identities': (c, _b, _raw, rest) => c.setIdentity(accessKeyOf(rest), undefined),
};

function accessKeyOf(rest: string): string {
  if (rest === '' || rest.includes('/')) throw new BadControlRequest('Use /_emulator/identities/<access key id>.');
  return decodeURIComponent(rest);
}

function policiesOf(value: unknown): CallerIdentity['policies'] {
  const valid = Array.isArray(value) && value.every((p) => p !== null && typeof p === 'object' && typeof p.name === 'string' && p.document !== null && typeof p.document === 'object');
  if (!valid) throw new BadControlRequest('Member \'policies\' must be a list of {"name": string, "document": policy document object}.');
  return value;
}

function send(res: http.ServerResponse, status: number, payload: unknown): void {
  const body = Buffer.from(JSON.stringify(payload ?? {}));
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

/** Serves `/_emulator/...` requests. */
export function handleControlRequest(control: EmulatorControl, req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer): void {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname.slice(CONTROL_PREFIX.length);
  const [action, ...rest] = path.split('/');
  const route = ROUTES[`${req.method} ${action}`];
  if (!route) {
    send(res, 404, { error: `No control route ${req.method} ${CONTROL_PREFIX}${action}; routes: ${Object.keys(ROUTES).join(', ')}.` });
    return;
  }
  try {
    let body: Record<string, unknown> = {};
    if (action !== 'objects' && raw.length > 0) {
      const parsed = JSON.parse(raw.toString('utf-8'));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new BadControlRequest('The request body must be a JSON object.');
      }
      body = parsed;
    }
    send(res, 200, route(control, body, raw, rest.join('/')));
  } catch (e) {
    send(res, 400, { error: (e as Error).message });
  }
}
