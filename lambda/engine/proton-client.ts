import { ProtonClient } from '@aws-sdk/client-proton';

/**
 * Attempts per Proton call (first try included). The SDK's `standard` retry strategy retries
 * ThrottlingException (429) and InternalServerException (5xx) with exponential backoff and full
 * jitter (throttling base 500 ms, capped at 20 s), so 10 attempts ride out several seconds of
 * throttling when many resources deploy in parallel, while staying far below the handler timeout.
 */
export const PROTON_MAX_ATTEMPTS = 10;

/**
 * The Proton client used by every handler. The endpoint comes from the SDK's standard
 * configuration chain, which honours `AWS_ENDPOINT_URL_PROTON` (and `AWS_ENDPOINT_URL`) — how the
 * local runner and the tests point the handler at a Proton-compatible endpoint.
 */
export function createProtonClient(): ProtonClient {
  return new ProtonClient({ maxAttempts: PROTON_MAX_ATTEMPTS, retryMode: 'standard' });
}
