/**
 * The aws-cdk-lib custom resource Provider framework (custom-resources/lib/provider-framework,
 * runtime/framework.js + cfn-response.js + the waiter state machine), reproduced step by step
 * around the real user handlers:
 * - onEvent: invoke the user onEvent function; physical id = the returned one, else RequestId on
 *   Create / the current one on Update and Delete; Delete may not change it.
 * - no isComplete handler: respond SUCCESS right away.
 * - otherwise the waiter: isComplete now, then every `IntervalSeconds` (x BackoffRate) for
 *   `MaxAttempts` retries; `IsComplete: true` responds SUCCESS with the onEvent and isComplete
 *   results merged (`Data` merged key by key); `Data` with `IsComplete: false` is an error;
 *   retries exhausted → FAILED "Operation timed out".
 * - any error → FAILED with the error (the framework reports the stack trace); a failed Create
 *   without a physical id responds with the CREATE_FAILED marker, and the Delete CloudFormation
 *   then sends for that marker succeeds without calling the user handler.
 * Waits happen on the runner's clock (virtual against the embedded emulator); CloudFormation gives
 * up after the resource's ServiceTimeout.
 */
import { RunnerClock } from './clock';
import { InvokeResult } from './lambda-container';

export const CREATE_FAILED_PHYSICAL_ID_MARKER = 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED';
export const MISSING_PHYSICAL_ID_MARKER = 'AWSCDK::CustomResourceProviderFramework::MISSING_PHYSICAL_ID';

/** The request CloudFormation sends to a custom resource's ServiceToken. */
export interface CfnRequest {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ServiceToken: string;
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly ResourceType: string;
  readonly ResourceProperties: Record<string, unknown>;
  readonly OldResourceProperties?: Record<string, unknown>;
  readonly PhysicalResourceId?: string;
}

/** The response the framework PUTs to the ResponseURL. */
export interface CfnResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly PhysicalResourceId: string;
  readonly LogicalResourceId: string;
  readonly NoEcho?: boolean;
  readonly Data?: Record<string, unknown>;
}

/** A user handler function, invoked like the framework's Lambda Invoke (RequestResponse). */
export interface UserFunction {
  readonly functionName: string;
  invoke(event: unknown): Promise<InvokeResult>;
}

export interface WaiterRetry {
  readonly intervalSeconds: number;
  readonly maxAttempts: number;
  readonly backoffRate: number;
}

export interface ProviderRuntime {
  readonly onEvent: UserFunction;
  /** Present when the provider has an isComplete handler (and so a waiter state machine). */
  readonly isComplete?: { readonly fn: UserFunction; readonly retry: WaiterRetry };
}

/** How long CloudFormation waits for the response (the resource's ServiceTimeout), on which clock. */
export interface CloudFormationWait {
  readonly clock: RunnerClock;
  readonly serviceTimeoutSeconds: number;
}

type ResourceEvent = Record<string, any> & { PhysicalResourceId?: string; Data?: Record<string, unknown>; NoEcho?: boolean };

/** Runs one CloudFormation request through the provider and returns the response it submits. */
export async function runProviderRequest(request: CfnRequest, provider: ProviderRuntime, cfn: CloudFormationWait): Promise<CfnResponse> {
  const deadlineMs = cfn.clock.elapsedMs() + cfn.serviceTimeoutSeconds * 1000;
  const started = await safeHandler({ ...request, ResourceProperties: request.ResourceProperties ?? {} }, async (event) => {
    const onEventResult = await invokeUserFunction(provider.onEvent, event);
    const resourceEvent = createResponseEvent(event, onEventResult);
    return provider.isComplete ? { waiter: resourceEvent } : submitResponse('SUCCESS', resourceEvent);
  });
  if (!('waiter' in started)) return started;
  const waiter = provider.isComplete!;
  let interval = waiter.retry.intervalSeconds;
  for (let retries = 0; ; retries++) {
    const outcome = await safeHandler(started.waiter, async (event) => {
      const result = await invokeUserFunction(waiter.fn, event);
      if (!result?.IsComplete) {
        if (result?.Data && Object.keys(result.Data).length > 0) {
          throw frameworkError('"Data" is not allowed if "IsComplete" is "False"');
        }
        return NOT_COMPLETE;
      }
      return submitResponse('SUCCESS', { ...event, ...result, Data: { ...event.Data, ...result.Data } });
    });
    if (outcome !== NOT_COMPLETE) return outcome;
    if (retries >= waiter.retry.maxAttempts) {
      return submitResponse('FAILED', started.waiter, 'Operation timed out');
    }
    const waitMs = interval * 1000;
    if (cfn.clock.elapsedMs() + waitMs > deadlineMs) {
      await cfn.clock.wait(Math.max(0, deadlineMs - cfn.clock.elapsedMs()));
      return noResponse(request);
    }
    await cfn.clock.wait(waitMs);
    interval *= waiter.retry.backoffRate;
  }
}

/** What CloudFormation records when no response arrived within the ServiceTimeout. */
function noResponse(request: CfnRequest): CfnResponse {
  return {
    Status: 'FAILED',
    Reason: `CloudFormation did not receive a response from your Custom Resource. Please check your logs for requestId [${request.RequestId}].`,
    StackId: request.StackId,
    RequestId: request.RequestId,
    PhysicalResourceId: request.PhysicalResourceId ?? '',
    LogicalResourceId: request.LogicalResourceId,
  };
}

/** "Not complete yet": the framework throws Retry and the waiter state machine retries. */
const NOT_COMPLETE = 'NOT_COMPLETE';

async function safeHandler<T>(event: ResourceEvent, block: (event: ResourceEvent) => Promise<T | CfnResponse>): Promise<T | CfnResponse> {
  if (event.RequestType === 'Delete' && event.PhysicalResourceId === CREATE_FAILED_PHYSICAL_ID_MARKER) {
    return submitResponse('SUCCESS', event);
  }
  try {
    return await block(event);
  } catch (e) {
    const failed = { ...event };
    if (!failed.PhysicalResourceId && failed.RequestType === 'Create') {
      failed.PhysicalResourceId = CREATE_FAILED_PHYSICAL_ID_MARKER;
    }
    return submitResponse('FAILED', failed, (e as Error).stack ?? String(e));
  }
}

function submitResponse(status: 'SUCCESS' | 'FAILED', event: ResourceEvent, reason?: string): CfnResponse {
  return {
    Status: status,
    Reason: reason || status,
    StackId: event.StackId,
    RequestId: event.RequestId,
    PhysicalResourceId: event.PhysicalResourceId || MISSING_PHYSICAL_ID_MARKER,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: event.NoEcho,
    Data: event.Data,
  };
}

/** The framework's invokeUserFunction: a FunctionError becomes an Error naming the log group. */
async function invokeUserFunction(fn: UserFunction, event: ResourceEvent): Promise<any> {
  const response = await fn.invoke(event);
  const payload = parseJsonPayload(response.payload);
  if (response.functionError) {
    const message = [payload?.errorMessage || 'error', '', `Logs: /aws/lambda/${fn.functionName}`, ''].join('\n');
    const error = new Error(message);
    const trace: unknown = payload?.trace;
    error.stack = Array.isArray(trace) ? [message, ...trace.slice(1)].join('\n') : `Error: ${message}`;
    throw error;
  }
  return payload;
}

/**
 * An error the framework itself raises. Its reason is the error's stack, whose frames would be the
 * framework's (not this simulation's), so it carries none.
 */
function frameworkError(message: string): Error {
  const error = new Error(message);
  error.stack = `Error: ${message}`;
  return error;
}

function parseJsonPayload(text: string): any {
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw frameworkError(`return values from user-handlers must be JSON objects. got: "${text}"`);
  }
}

function createResponseEvent(request: ResourceEvent, onEventResult: any): ResourceEvent {
  const result = onEventResult || {};
  const physicalResourceId = result.PhysicalResourceId || defaultPhysicalResourceId(request);
  if (request.RequestType === 'Delete' && physicalResourceId !== request.PhysicalResourceId) {
    throw frameworkError(
      `DELETE: cannot change the physical resource ID from "${request.PhysicalResourceId}" to "${result.PhysicalResourceId}" during deletion`,
    );
  }
  return { ...request, ...result, PhysicalResourceId: physicalResourceId };
}

function defaultPhysicalResourceId(request: ResourceEvent): string {
  switch (request.RequestType) {
    case 'Create':
      return request.RequestId;
    case 'Update':
    case 'Delete':
      return request.PhysicalResourceId!;
    default:
      throw frameworkError(`Invalid "RequestType" in request "${JSON.stringify({ ...request, ResponseURL: '...' })}"`);
  }
}
