import type { AccountState, GlobalState } from './store';

/**
 * The contract between the emulator's core (server, clock, scheduler, scenario, S3 store) and
 * the resource modules in `../resources/`, each of which exports an `OperationTable`.
 */

/** Virtual clock. `nowMs()` is what every timestamp, duration and token expiry is measured on. */
export interface Clock {
  /** 'manual': time moves only by advance(); 'real': wall clock plus any advance() offset. */
  readonly mode: 'manual' | 'real';
  nowMs(): number;
  /** Moves time forward and runs every scheduled transition that became due, in order. */
  advance(ms: number): void;
}

/** Time-ordered asynchronous transitions (registration done, deployment finished, ...). */
export interface Scheduler {
  /** Runs `fn` once the clock reaches `dueMs` (lazily: before the next request, or on advance). */
  at(dueMs: number, label: string, fn: () => void): void;
  /** Runs `fn` after the configured simulated duration. */
  after(ms: number, label: string, fn: () => void): void;
  /** Labels and due times of everything still pending (for the state dump). */
  pending(): { dueMs: number; label: string }[];
}

/** Simulated durations in (virtual) milliseconds. */
export interface Durations {
  /** Template version registration (REGISTRATION_IN_PROGRESS -> DRAFT | REGISTRATION_FAILED). */
  registrationMs: number;
  /** Environment / instance / pipeline / component deployment (IN_PROGRESS -> SUCCEEDED | FAILED). */
  deploymentMs: number;
  /** Asynchronous deletes (DELETE_IN_PROGRESS -> gone | DELETE_FAILED). */
  deletionMs: number;
  /** CANCELLING -> CANCELLED. */
  cancellationMs: number;
  /** Service-level CREATE_/UPDATE_ transitions beyond the instance deployments. */
  serviceMs: number;
}

export const DEFAULT_DURATIONS: Durations = {
  registrationMs: 4_000,
  deploymentMs: 30_000,
  deletionMs: 20_000,
  cancellationMs: 5_000,
  serviceMs: 5_000,
};

/**
 * Target keys name a deployable resource by its ARN resource part:
 * `environment/<name>`, `service/<svc>`, `service/<svc>/service-instance/<inst>`,
 * `service/<svc>/pipeline`, `component/<name>`.
 */
export type TargetKey = string;

/** Scenario / fault state the resource modules consult. */
export interface Scenario {
  readonly durations: Durations;
  /** The failure message for the next deployment of `target`, consumed once (undefined = succeed). */
  consumeDeploymentFailure(target: TargetKey): string | undefined;
  /** The failure message for the next delete of `target` (-> DELETE_FAILED), consumed once. */
  consumeDeletionFailure(target: TargetKey): string | undefined;
  /** Output values to use instead of the generated ones for `target`. */
  outputOverrides(target: TargetKey): Record<string, string> | undefined;
}

/** The S3-compatible object store served on the same endpoint (path-style). */
export interface ObjectStore {
  createBucket(bucket: string): void;
  hasBucket(bucket: string): boolean;
  put(bucket: string, key: string, body: Buffer, contentType?: string): { etag: string };
  get(bucket: string, key: string): { body: Buffer; contentType?: string; etag: string; lastModifiedMs: number } | undefined;
  list(bucket: string, prefix?: string): { key: string; size: number; etag: string; lastModifiedMs: number }[];
  delete(bucket: string, key: string): void;
}

export interface EmulatorRuntime {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly scenario: Scenario;
  readonly s3: ObjectStore;
  readonly global: GlobalState;
  /** The state of another account (environment account connections span two accounts). */
  accountState(accountId: string, region: string): AccountState;
  /** A new lowercase UUID v4 (deployment ids, connection ids, sync blocker ids). */
  newId(): string;
}

export interface RequestContext {
  readonly operation: string;
  readonly requestId: string;
  /** The caller's account (from the SigV4 access key: 12 digits = that account, else the default). */
  readonly accountId: string;
  /** The region of the SigV4 credential scope. */
  readonly region: string;
  /** The caller's account state. */
  readonly account: AccountState;
  /**
   * The id a CreateEnvironmentAccountConnection gives the new connection when the request was
   * authorized before it ran (IAM authorizes the tags on the connection's ARN).
   */
  readonly reservedId?: string;
  readonly runtime: EmulatorRuntime;
  /** Current virtual time in epoch seconds (the wire format of timestamps). */
  nowSeconds(): number;
}

/**
 * An operation implementation: receives the validated input (the model already checked
 * required members, lengths, patterns, enums, list sizes) and returns the output object with
 * timestamps as epoch seconds, or throws a ProtonError.
 */
export type OperationHandler = (input: any, ctx: RequestContext) => unknown;
export type OperationTable = Record<string, OperationHandler>;
