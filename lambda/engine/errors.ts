/**
 * Proton error classification and failure messages.
 *
 * CloudFormation's whole response must fit in 4096 bytes: messages are capped here, and always
 * keep Proton's own error name and message. The reason CloudFormation shows is the message alone
 * (the entry point strips the stack trace: index.ts); traces go to the function's log.
 */
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';

/** Upper bound of a failure message, leaving room for the rest of the 4096-byte response. */
export const MAX_FAILURE_MESSAGE_LENGTH = 1024;

export type ProtonErrorName =
  | 'ResourceNotFoundException'
  | 'ConflictException'
  | 'ValidationException'
  | 'AccessDeniedException'
  | 'ServiceQuotaExceededException'
  | 'ThrottlingException'
  | 'InternalServerException';

export function isProtonError(error: unknown, ...names: ProtonErrorName[]): boolean {
  return error instanceof Error && (names as string[]).includes(error.name);
}

/**
 * Whether a call failed without telling anything about the request — throttled, a 5xx, a timeout,
 * a connection reset — after the SDK's retries (the SDK's own classification). Such a call may or
 * may not have taken effect; the state in Proton decides.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const e = error as Error & { $metadata?: { httpStatusCode?: number } };
  return isThrottlingError(e as never) || isTransientError(e as never) || isServerError(e as never);
}

/** Key under which the client records which Proton operation an error came from (proton-client.ts). */
export const OPERATION_OF_ERROR = '$protonOperation';

/** The Proton operation an error came from, e.g. `GetEnvironment` (undefined: not from a Proton call). */
export function operationOf(error: unknown): string | undefined {
  return (error as Record<string, unknown> | undefined)?.[OPERATION_OF_ERROR] as string | undefined;
}

/** Cuts `text` to at most `max` characters, marking the cut. */
export function truncate(text: string, max: number = MAX_FAILURE_MESSAGE_LENGTH): string {
  const marker = ' [truncated]';
  return text.length <= max ? text : text.slice(0, max - marker.length) + marker;
}

/**
 * An error for CloudFormation: `message`, then Proton's error name and message when there is one.
 * A call that never got an answer (a timeout, a reset) names its operation and the attempts made,
 * since its own message cannot say which call it was.
 */
export function failure(message: string, cause?: unknown): Error {
  return new Error(truncate(message + detailOf(cause)));
}

function detailOf(cause: unknown): string {
  if (!(cause instanceof Error)) return '';
  const e = cause as Error & { $metadata?: { httpStatusCode?: number; attempts?: number } };
  const operation = operationOf(cause);
  if (operation !== undefined && e.$metadata?.httpStatusCode === undefined) {
    const attempts = e.$metadata?.attempts;
    return ` (Proton ${operation} got no answer${attempts ? ` in ${attempts} attempt${attempts === 1 ? '' : 's'}` : ''}: ${cause.name}: ${cause.message})`;
  }
  return ` (Proton: ${cause.name}: ${cause.message})`;
}

/** The error CloudFormation gets for a call that kept failing transiently until the handler ran out of time. */
export function gaveUp(what: string, cause: unknown): Error {
  return failure(`${what}: Proton kept failing transiently until the handler ran out of time`, cause);
}
