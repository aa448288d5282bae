import { createHash } from 'crypto';
import type { OnEventRequest } from './types';

/**
 * A deterministic Proton `clientToken` for one CloudFormation request: sha256 (hex, 64 printable
 * ASCII characters — Proton's limit) over the stack, the logical id, the request id and the
 * purpose of the call. CloudFormation reuses the RequestId when it retries a request, so a retried
 * call replays the same token (Proton returns the original result); a new request, or another call
 * within the same request, gets a different token.
 */
export function clientToken(event: Pick<OnEventRequest, 'StackId' | 'LogicalResourceId' | 'RequestId'>, purpose: string): string {
  return createHash('sha256')
    .update([event.StackId, event.LogicalResourceId, event.RequestId, purpose].join('\n'))
    .digest('hex');
}
