/**
 * `startEmulator()`: the offline, protocol-faithful Proton API emulator (Proton JSON + S3 +
 * control API on one loopback endpoint). See core/protocol.ts, core/s3.ts and core/control.ts
 * for what comes from the model, from documentation, and what is inferred.
 */
import type { EmulatorControl } from './core/control';
import { createControl } from './core/control';
import { EmulatorState } from './core/emulator';
import { composeOperations } from './core/operations';
import type { ProtonEndpoint } from './core/protocol';
import type { Durations, OperationTable } from './core/runtime';
import { startServer } from './core/server';
import { RESOURCE_MODULES } from './resources';

export type { EmulatorControl } from './core/control';
export type { ChaosSpec, FaultKind, FaultSpec, RateLimit } from './core/faults';
export type { HeldRequest } from './core/emulator';
export type { TransitionRecord } from './core/scheduler';
export type { Durations } from './core/runtime';

/** Used when the access key id of a request is not a 12-digit account id. */
export const DEFAULT_ACCOUNT_ID = '111111111111';
export const DEFAULT_REGION = 'us-east-1';

export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; 0 or omitted = any free port. */
  readonly port?: number;
  /** Account of requests whose access key id is not 12 digits. @default '111111111111' */
  readonly accountId?: string;
  /** Region of requests without a credential scope. @default 'us-east-1' */
  readonly region?: string;
  /** 'manual': virtual time moves only by `control.advance`. @default 'real' */
  readonly clock?: 'manual' | 'real';
  /** Manual clock: the epoch ms virtual time starts at. @default 2026-01-01T00:00:00Z */
  readonly startTimeMs?: number;
  readonly durations?: Partial<Durations>;
  /** Check every response against the model; a mismatch answers 500 (tests enable it). @default false */
  readonly strict?: boolean;
  /** Start although some model operations are not implemented (they answer 501). @default false */
  readonly partial?: boolean;
  /** Replaces the resource modules' operations (for testing the core in isolation). */
  readonly operations?: OperationTable;
}

export interface Emulator {
  /** `http://127.0.0.1:<port>` — Proton, S3 (path-style) and `/_emulator/` control API. */
  readonly endpoint: string;
  readonly port: number;
  readonly accountId: string;
  readonly region: string;
  readonly control: EmulatorControl;
  /** Closes the server and every open connection (idempotent). */
  stop(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  if (!/^\d{12}$/.test(accountId)) throw new Error(`accountId must be 12 digits, got '${accountId}'.`);
  const region = options.region ?? DEFAULT_REGION;
  const operations = options.operations
    ? composeOperations({ 'EmulatorOptions.operations': options.operations }, { partial: options.partial })
    : composeOperations(RESOURCE_MODULES, { partial: options.partial });
  const state = new EmulatorState({ clock: options.clock ?? 'real', startTimeMs: options.startTimeMs, durations: options.durations });
  const endpoint: ProtonEndpoint = {
    state,
    operations,
    defaultAccountId: accountId,
    defaultRegion: region,
    strict: options.strict ?? false,
  };
  const control = createControl(state);
  const server = await startServer(endpoint, control, options.port ?? 0);
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    port: server.port,
    accountId,
    region,
    control,
    stop: () => (stopped ??= server.close()),
  };
}
