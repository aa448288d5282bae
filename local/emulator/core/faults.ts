/**
 * Injected faults and the request rate limit, applied to Proton requests before the operation
 * runs (a faulted request changes no state) — except `lost-response`, see below. Emulator mechanism for tests; the errors they
 * produce are Proton's modelled ones (ThrottlingException 429, InternalServerException 500, which
 * both SDKs retry — proton-api.md §1).
 *
 * Decision: the token bucket refills on the emulator's clock. In manual mode it therefore only
 * refills on `advance(ms)`, which makes rate-limit tests deterministic; in real mode it refills
 * with wall-clock time.
 */
import type { Clock } from './runtime';

/**
 * `lost-response` is the one fault applied AFTER the operation: it runs (state changes), then the
 * connection is destroyed instead of answering — the response lost on the way back, which a
 * client sees as a transient network error and retries. It is how retried mutations meet
 * Proton's idempotency (client tokens, name-keyed creates) in tests.
 */
export type FaultKind = 'throttle' | 'internal' | 'hang' | 'reset' | 'lost-response';
export const FAULT_KINDS: readonly FaultKind[] = ['throttle', 'internal', 'hang', 'reset', 'lost-response'];

export interface FaultSpec {
  readonly kind: FaultKind;
  /** How many of the next calls of the operation get the fault (default 1). */
  readonly count?: number;
}

export interface RateLimit {
  readonly requestsPerSecond: number;
  /** Bucket size: requests allowed at once after an idle period. */
  readonly burst: number;
}

export class FaultInjector {
  private readonly queues = new Map<string, FaultKind[]>();

  public inject(operation: string, fault: FaultSpec): void {
    if (!FAULT_KINDS.includes(fault.kind)) {
      throw new Error(`Unknown fault kind '${fault.kind}'; allowed: ${FAULT_KINDS.join(', ')}.`);
    }
    const count = fault.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new Error(`Fault count must be an integer >= 1, got ${count}.`);
    const queue = this.queues.get(operation) ?? [];
    for (let i = 0; i < count; i++) queue.push(fault.kind);
    this.queues.set(operation, queue);
  }

  /** The fault for this call of `operation`, consumed, or undefined. */
  public take(operation: string): FaultKind | undefined {
    const queue = this.queues.get(operation);
    const kind = queue?.shift();
    if (queue && queue.length === 0) this.queues.delete(operation);
    return kind;
  }

  public pending(): Record<string, FaultKind[]> {
    return Object.fromEntries([...this.queues].map(([op, q]) => [op, [...q]]));
  }
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
