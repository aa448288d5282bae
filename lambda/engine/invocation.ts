/**
 * One Lambda invocation of the handler: how much time it has left, the waits the handler makes
 * itself (polling inline instead of handing over to the Provider's 10-second isComplete loop), and
 * persistence on calls whose outcome must be known before the invocation ends.
 *
 * Outside Lambda (a handler driven in-process, without a context) nothing is waited for inline and
 * nothing is retried beyond the SDK's own retries: the caller drives time.
 */
import { isTransient, operationOf } from './errors';
import { log } from './log';

/** The part of the Lambda context the handler uses. */
export interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
}

/**
 * The Provider's query interval (ProtonProvider.QUERY_INTERVAL): how often a deployment is looked
 * at, inline as by the Provider.
 */
export const DEPLOYMENT_POLL_MS = 10_000;

/**
 * The first wait on a short operation (a template version's registration); it doubles up to
 * {@link DEPLOYMENT_POLL_MS}. 2 s is the delay of AWS's own waiters for it (botocore
 * `waiters-2.json`: EnvironmentTemplateVersionRegistered, ServiceTemplateVersionRegistered).
 * On the demo (bench/demo-critical-path.ts, the emulator's 4-second registrations), starting at
 * 1 s sees a registration done at 7 s after three reads (1, 3, 7 s); starting at 2 s, at 6 s after
 * two (2, 6 s).
 */
export const FIRST_SHORT_POLL_MS = 2_000;

/**
 * How long one invocation polls inline before it hands over to the Provider's isComplete loop:
 * a registration (seconds) or an ordinary deployment (a minute) completes within the invocation
 * that started it; longer ones continue in the Provider's loop.
 */
export const INLINE_BUDGET_MS = 60_000;

/**
 * Time kept in reserve after an inline wait: one more step must still fit in the handler's
 * 3-minute timeout even when a call hangs through all its attempts (proton-client.ts: ~105 s).
 */
export const STEP_RESERVE_MS = 110_000;

/** Where a request stands when a step finds it not complete: what to wait for. */
export type Pace = 'short' | 'deployment';

export class Invocation {
  /** A handler run outside Lambda: no inline waits, no persistence. */
  public static outsideLambda(): Invocation {
    return new Invocation(undefined);
  }

  public readonly startedAtMs = Date.now();

  constructor(private readonly context: LambdaContextLike | undefined) {}

  /** Whether a wait of `ms` followed by another step fits this invocation's inline budget. */
  public canWaitInline(ms: number): boolean {
    return this.context !== undefined
      && Date.now() - this.startedAtMs + ms <= INLINE_BUDGET_MS
      && this.context.getRemainingTimeInMillis() - ms >= STEP_RESERVE_MS;
  }

  /** Whether a wait of `ms` followed by another attempt fits before the handler's timeout. */
  public canRetry(ms: number): boolean {
    return this.context !== undefined && this.context.getRemainingTimeInMillis() - ms >= STEP_RESERVE_MS;
  }

  public sleep(ms: number): Promise<void> {
    return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
  }

  /**
   * Runs `attempt` until it succeeds or fails for good. A transient failure (throttled, a 5xx, a
   * timeout, after the SDK's retries) is retried with backoff while the invocation has time; then
   * the last one is thrown. For calls whose outcome must be known now.
   */
  public async persist<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    let wait = FIRST_SHORT_POLL_MS;
    for (;;) {
      try {
        return await attempt();
      } catch (error) {
        if (!isTransient(error) || !this.canRetry(wait)) throw error;
        log(`${what}: Proton did not answer; trying again`, { operation: operationOf(error), errorName: (error as Error).name });
        await this.sleep(wait);
        wait = Math.min(wait * 2, DEPLOYMENT_POLL_MS);
      }
    }
  }
}
