/**
 * Proton error classification and failure messages.
 *
 * CloudFormation's whole response must fit in 4096 bytes, and the Provider framework reports a
 * failed request with the error's message and stack as the reason: messages are capped here, and
 * always keep Proton's own error name and message.
 */

/** Upper bound of a failure message, leaving room for the stack trace in the 4096-byte response. */
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

/** Cuts `text` to at most `max` characters, marking the cut. */
export function truncate(text: string, max: number = MAX_FAILURE_MESSAGE_LENGTH): string {
  const marker = ' [truncated]';
  return text.length <= max ? text : text.slice(0, max - marker.length) + marker;
}

/** An error for CloudFormation: `message`, then Proton's error name and message when there is one. */
export function failure(message: string, cause?: unknown): Error {
  const detail = cause instanceof Error ? ` (Proton: ${cause.name}: ${cause.message})` : '';
  return new Error(truncate(message + detail));
}
