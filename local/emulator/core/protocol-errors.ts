/**
 * Errors raised by the awsJson1_0 protocol layer before an operation runs. Unlike the modelled
 * `ProtonError`s (errors.ts) these shapes are not in Proton's model; they are the generic errors
 * AWS JSON services answer with (documented for awsJson services such as DynamoDB:
 * SerializationException and UnknownOperationException, both HTTP 400).
 */
export class ProtocolError extends Error {
  constructor(public readonly type: string, public readonly status: number, message: string) {
    super(message);
    this.name = type;
  }
}

/** The body is not JSON, or a member has the wrong JSON type for its shape. */
export const serialization = (message: string) => new ProtocolError('SerializationException', 400, message);

/** `X-Amz-Target` is missing or names no operation of the service. */
export const unknownOperation = (message: string) => new ProtocolError('UnknownOperationException', 400, message);

/** Strict mode: a handler returned an output that does not match the model (an emulator bug). */
export const invalidOutput = (message: string) => new ProtocolError('InternalServerException', 500, message);
