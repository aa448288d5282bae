/**
 * Proton's modelled errors. Every error shape has exactly one member, `message`; the HTTP status
 * is the Smithy `@httpError` code (the botocore model carries none; see proton-api.md §1).
 */
export const ERROR_STATUS = {
  ValidationException: 400,
  ServiceQuotaExceededException: 402,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ConflictException: 409,
  ThrottlingException: 429,
  InternalServerException: 500,
} as const;

export type ErrorType = keyof typeof ERROR_STATUS;

/** An error the emulator answers with `{"__type": type, "message": message}`. */
export class ProtonError extends Error {
  public readonly status: number;
  constructor(public readonly type: ErrorType, message: string) {
    super(message);
    this.name = type;
    this.status = ERROR_STATUS[type];
  }
}

export const validation = (message: string) => new ProtonError('ValidationException', message);
export const conflict = (message: string) => new ProtonError('ConflictException', message);
export const notFound = (message: string) => new ProtonError('ResourceNotFoundException', message);
export const quotaExceeded = (message: string) => new ProtonError('ServiceQuotaExceededException', message);
export const accessDenied = (message: string) => new ProtonError('AccessDeniedException', message);
export const throttling = (message: string) => new ProtonError('ThrottlingException', message);
export const internal = (message: string) => new ProtonError('InternalServerException', message);

/** The ValidationException Proton raises when a token or name is reused with different parameters. */
export const idempotentParameterMismatch = (what: string) =>
  validation(`IdempotentParameterMismatch: ${what} was already used with different parameters.`);
