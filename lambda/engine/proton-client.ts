import { ProtonClient } from '@aws-sdk/client-proton';
import { OPERATION_OF_ERROR } from './errors';

/**
 * Attempts per Proton call (first try included), with the SDK's `adaptive` retry mode: the
 * standard strategy (exponential backoff with full jitter: 100 ms base, 500 ms for throttling,
 * capped at 20 s; a retry quota per client) plus a client-side token bucket that the throttling
 * responses themselves slow down (to as little as 0.5 requests/s, the SDK's floor). Proton's API
 * rate limits are low and not published per operation (inferred from the issue reports: a limit of
 * 0.5 requests/s with a burst of 1 must not fail a resource), and every handler invocation has its
 * own client, so the limiter learns within an invocation. Sized so that a call that never answers
 * costs at most 8 × {@link REQUEST_TIMEOUT_MS} plus the backoff (~105 s), within the handler's
 * 3-minute timeout; the handler's own persistence (invocation.ts) carries on from there.
 */
export const PROTON_MAX_ATTEMPTS = 8;

/** Longest wait for a connection to Proton's endpoint. */
export const CONNECTION_TIMEOUT_MS = 3_000;

/**
 * Longest wait for one Proton response, from sending the request. Proton's control-plane calls
 * answer in well under a second; a call that takes 10 s is hung, and is retried.
 */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The Proton client used by every handler. The endpoint comes from the SDK's standard
 * configuration chain, which honours `AWS_ENDPOINT_URL_PROTON` (and `AWS_ENDPOINT_URL`) — how the
 * local runner and the tests point the handler at a Proton-compatible endpoint. Every error it
 * throws records the operation it came from (errors.ts `operationOf`): a timeout's own message
 * does not say which call hung.
 */
export function createProtonClient(): ProtonClient {
  const client = new ProtonClient({
    maxAttempts: PROTON_MAX_ATTEMPTS,
    retryMode: 'adaptive',
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
  });
  client.middlewareStack.add((next, context) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      if (error instanceof Error) {
        Object.defineProperty(error, OPERATION_OF_ERROR, { value: String(context.commandName ?? '').replace(/Command$/, ''), enumerable: false });
      }
      throw error;
    }
  }, { step: 'initialize', name: 'cdkProtonOperationOfError' });
  return client;
}
