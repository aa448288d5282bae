/**
 * Injected faults and the request rate limit, applied to Proton requests before the operation
 * runs (a faulted request changes no state) — except `lost-response` and `crash`, see below.
 * Emulator mechanism for tests; the errors they produce are Proton's modelled ones
 * (ThrottlingException 429, InternalServerException 500, which both SDKs retry — proton-api.md §1).
 *
 * Decision: the token bucket refills on the emulator's clock. In manual mode it therefore only
 * refills on `advance(ms)`, which makes rate-limit tests deterministic; in real mode it refills
 * with wall-clock time.
 */
import { createHash } from 'crypto';
import type { Clock } from './runtime';

/**
 * - `throttle` / `internal`: Proton answers ThrottlingException / InternalServerException.
 * - `hang`: the request is held open, never answered (until the emulator stops): the client's own
 *   timeout is all that ends it.
 * - `reset`: the connection is destroyed before the operation runs.
 * - `lost-response`: applied AFTER the operation: it runs (state changes), then the connection is
 *   destroyed instead of answering — the response lost on the way back, which a client sees as a
 *   transient network error and retries. It is how retried mutations meet Proton's idempotency
 *   (client tokens, name-keyed creates) in tests.
 * - `crash`: applied AFTER the operation, like `lost-response`, but the caller never sees an
 *   error and never retries: the request is held open as by `hang`, marked as a crash. It stands
 *   for a caller that died right after Proton accepted its call (inferred from Lambda's
 *   behaviour: an execution environment that dies mid-invocation — out of memory, killed — ends
 *   the invocation with `Runtime.ExitError`, and nothing re-sends what it had sent). Proton cannot
 *   tell a dead caller from a slow one; the local runner kills the Lambda container whose request
 *   is held this way (see `heldRequests`).
 */
export type FaultKind = 'throttle' | 'internal' | 'hang' | 'reset' | 'lost-response' | 'crash';
export const FAULT_KINDS: readonly FaultKind[] = ['throttle', 'internal', 'hang', 'reset', 'lost-response', 'crash'];

export interface FaultSpec {
  readonly kind: FaultKind;
  /** How many of the next calls of the operation get the fault (default 1). */
  readonly count?: number;
  /**
   * Only calls whose JSON request body contains this text get the fault (e.g. a resource name);
   * other calls of the operation pass. @default every call
   */
  readonly match?: string;
}

/** Random faults: each Proton request (without a queued fault) draws one with `probability`. */
export interface ChaosSpec {
  /** Chance per request, 0..1. */
  readonly probability: number;
  /** The kinds drawn from, uniformly. */
  readonly kinds: readonly FaultKind[];
  /** Seed of the pseudo-random sequence (same seed, same requests: same faults). */
  readonly seed: number;
  /** Which requests may get one: mutating calls only (all but `Get*` / `List*`), or all. @default 'all' */
  readonly operations?: 'all' | 'mutating';
}

interface QueuedFault {
  readonly kind: FaultKind;
  readonly match?: string;
}

export class FaultInjector {
  private readonly queues = new Map<string, QueuedFault[]>();
  private chaos: { readonly spec: ChaosSpec; readonly next: () => number } | undefined;

  public inject(operation: string, fault: FaultSpec): void {
    checkKind(fault.kind);
    const count = fault.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new Error(`Fault count must be an integer >= 1, got ${count}.`);
    if (fault.match !== undefined && (typeof fault.match !== 'string' || fault.match === '')) {
      throw new Error(`Fault match must be a non-empty string, got ${JSON.stringify(fault.match)}.`);
    }
    const queue = this.queues.get(operation) ?? [];
    for (let i = 0; i < count; i++) queue.push({ kind: fault.kind, ...fault.match !== undefined ? { match: fault.match } : {} });
    this.queues.set(operation, queue);
  }

  /** Starts (or, with `undefined`, stops) random faults. */
  public setChaos(spec: ChaosSpec | undefined): void {
    if (spec === undefined) {
      this.chaos = undefined;
      return;
    }
    if (!(spec.probability >= 0 && spec.probability <= 1)) throw new Error(`Chaos probability must be within 0..1, got ${spec.probability}.`);
    if (!Array.isArray(spec.kinds) || spec.kinds.length === 0) throw new Error('Chaos needs at least one fault kind.');
    spec.kinds.forEach(checkKind);
    if (!Number.isInteger(spec.seed)) throw new Error(`Chaos seed must be an integer, got ${spec.seed}.`);
    if (spec.operations !== undefined && spec.operations !== 'all' && spec.operations !== 'mutating') {
      throw new Error(`Chaos operations must be 'all' or 'mutating', got ${JSON.stringify(spec.operations)}.`);
    }
    this.chaos = { spec: { ...spec, kinds: [...spec.kinds] }, next: seededRandom(spec.seed) };
  }

  /** The fault for this call of `operation` (request body `body`), consumed, or undefined. */
  public take(operation: string, body: string = ''): FaultKind | undefined {
    const queue = this.queues.get(operation);
    const index = queue?.findIndex((f) => f.match === undefined || body.includes(f.match)) ?? -1;
    if (queue && index >= 0) {
      const [fault] = queue.splice(index, 1);
      if (queue.length === 0) this.queues.delete(operation);
      return fault.kind;
    }
    const chaos = this.chaos;
    if (chaos === undefined || (chaos.spec.operations === 'mutating' && /^(Get|List)/.test(operation))) return undefined;
    const draw = chaos.next();
    const pick = chaos.next();
    return draw < chaos.spec.probability ? chaos.spec.kinds[Math.floor(pick * chaos.spec.kinds.length)] : undefined;
  }

  public pending(): Record<string, string[]> {
    return Object.fromEntries([...this.queues].map(([op, q]) => [op, q.map((f) => (f.match === undefined ? f.kind : `${f.kind} (${f.match})`))]));
  }

  public chaosSpec(): ChaosSpec | undefined {
    return this.chaos?.spec;
  }
}

function checkKind(kind: FaultKind): void {
  if (!FAULT_KINDS.includes(kind)) {
    throw new Error(`Unknown fault kind '${kind}'; allowed: ${FAULT_KINDS.join(', ')}.`);
  }
}

/** A seeded pseudo-random sequence, uniform in [0, 1): sha256 of the seed and a counter. */
export function seededRandom(seed: number): () => number {
  let counter = 0;
  return () => createHash('sha256').update(`${seed}:${counter++}`).digest().readUInt32BE(0) / 2 ** 32;
}

export interface RateLimit {
  readonly requestsPerSecond: number;
  /** Bucket size: requests allowed at once after an idle period. */
  readonly burst: number;
}

export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(public readonly limit: RateLimit, private readonly clock: Clock) {
    if (!(limit.requestsPerSecond > 0) || !(limit.burst >= 1)) {
      throw new Error(`A rate limit needs requestsPerSecond > 0 and burst >= 1, got ${JSON.stringify(limit)}.`);
    }
    this.tokens = limit.burst;
    this.lastMs = clock.nowMs();
  }

  /** Takes one token; false when the bucket is empty (the request is throttled). */
  public tryTake(): boolean {
    const now = this.clock.nowMs();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.lastMs) * this.limit.requestsPerSecond) / 1000);
    this.lastMs = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
