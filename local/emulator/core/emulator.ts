/**
 * The emulator's runtime state (runtime.ts `EmulatorRuntime`) plus what the protocol layer and
 * the control API need around it: injected faults, the rate limit, per-operation call counts and
 * the state dump. No AWS behaviour is decided here.
 */
import { randomUUID } from 'crypto';
import type * as http from 'http';
import { EmulatorClock } from './clock';
import { FaultInjector, RateLimit, TokenBucket } from './faults';
import { IdentityRegistry } from './iam';
import type { Durations, EmulatorRuntime } from './runtime';
import { InMemoryObjectStore } from './s3-store';
import { ScenarioState } from './scenario';
import { EmulatorScheduler } from './scheduler';
import { newAccountState, type AccountState, type GlobalState } from './store';

export interface EmulatorStateOptions {
  readonly clock: 'manual' | 'real';
  /** Manual mode: the virtual time the clock starts at (epoch ms). */
  readonly startTimeMs?: number;
  readonly durations?: Partial<Durations>;
}

/** A Proton request the emulator holds open without answering (a `hang` or `crash` fault). */
export interface HeldRequest {
  readonly operation: string;
  readonly kind: 'hang' | 'crash';
  /** The caller's TCP port: which client connection waits (the local runner matches it to a Lambda container). */
  readonly remotePort: number;
}

export class EmulatorState implements EmulatorRuntime {
  public readonly clock: EmulatorClock;
  public readonly scheduler: EmulatorScheduler;
  public readonly scenario: ScenarioState;
  public readonly s3: InMemoryObjectStore;
  public readonly global: GlobalState = { accounts: new Map(), environmentAccountConnections: new Map() };
  public readonly faults = new FaultInjector();
  /** Access keys whose requests are authorized against their principal's IAM policies. */
  public readonly identities = new IdentityRegistry();
  private rateLimiter: TokenBucket | undefined;
  private readonly calls = new Map<string, number>();
  private readonly held = new Map<http.ServerResponse, HeldRequest>();

  constructor(options: EmulatorStateOptions) {
    this.clock = new EmulatorClock(options.clock, options.startTimeMs);
    this.scheduler = new EmulatorScheduler(this.clock);
    this.scenario = new ScenarioState(options.durations);
    this.s3 = new InMemoryObjectStore(this.clock);
  }

  public accountState(accountId: string, region: string): AccountState {
    const key = `${accountId}:${region}`;
    let state = this.global.accounts.get(key);
    if (!state) {
      state = newAccountState(accountId, region);
      this.global.accounts.set(key, state);
    }
    return state;
  }

  public newId(): string {
    return randomUUID();
  }

  public setRateLimit(limit: RateLimit | undefined): void {
    this.rateLimiter = limit ? new TokenBucket(limit, this.clock) : undefined;
  }

  /** False when the rate limit rejects this request. */
  public admit(): boolean {
    return this.rateLimiter ? this.rateLimiter.tryTake() : true;
  }

  /** Holds `res` open without answering until the connection closes (or the emulator stops). */
  public hold(res: http.ServerResponse, request: HeldRequest): void {
    this.held.set(res, request);
    res.on('close', () => this.held.delete(res));
  }

  /** The requests held open right now. */
  public heldRequests(): HeldRequest[] {
    return [...this.held.values()];
  }

  /** Closes every held request's connection (on stop). */
  public releaseHeld(): void {
    for (const res of this.held.keys()) res.destroy();
    this.held.clear();
  }

  public countCall(operation: string): void {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
  }

  public callCounts(): Record<string, number> {
    return Object.fromEntries([...this.calls].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  public resetCallCounts(): void {
    this.calls.clear();
  }

  /** All state as plain JSON (Maps become objects), without object bodies; due transitions are applied first. */
  public dump(): Record<string, unknown> {
    this.scheduler.runDue();
    return toJson({
      clock: { mode: this.clock.mode, nowMs: this.clock.nowMs() },
      pendingTransitions: this.scheduler.pending(),
      scenario: this.scenario.dump(),
      pendingFaults: this.faults.pending(),
      chaos: this.faults.chaosSpec() ?? null,
      heldRequests: this.heldRequests(),
      rateLimit: this.rateLimiter?.limit ?? null,
      identities: this.identities.dump(),
      callCounts: this.callCounts(),
      accounts: this.global.accounts,
      environmentAccountConnections: this.global.environmentAccountConnections,
      s3: this.s3.dump(),
    }) as Record<string, unknown>;
  }
}

function toJson(value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJson(v)]));
  if (value instanceof Set) return [...value].map(toJson);
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toJson(v)]));
  }
  return value;
}
