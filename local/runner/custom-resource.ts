/**
 * CloudFormation's side of a custom resource: build the request (properties with every scalar
 * turned into a string, a fresh RequestId, a pre-signed ResponseURL that never leaves this
 * process but the handler's event), find the Provider behind the ServiceToken, run it, and read
 * the response like CloudFormation does (at most 4096 bytes).
 */
import { randomBytes, randomUUID } from 'crypto';
import { RunnerClock } from './clock';
import { FunctionRegistry, LambdaFunctionProperties, LambdaFunctionRecord } from './functions';
import { StackState } from './operation-context';
import { CfnRequest, CfnResponse, ProviderRuntime, runProviderRequest, UserFunction, WaiterRetry } from './provider-framework';
import { AwsTarget } from './target';

/** A deployed resource as the runner knows it. */
export interface ResourceRecord {
  readonly type: string;
  readonly physicalId: string;
  /** Resolved properties (for custom resources: exactly as sent, scalars as strings). */
  readonly properties: Record<string, unknown>;
  /** Fn::GetAtt values: stand-in attributes, or a custom resource's Data. */
  readonly attributes: Record<string, unknown>;
  /** Logical ids this resource depends on (deleted after it). */
  readonly dependencies: string[];
  readonly deletionPolicy?: string;
  readonly updateReplacePolicy?: string;
  /** An `AWS::CloudFormation::Stack` resource's nested stack, as deployed. */
  readonly stack?: StackState;
}

/** Finds a deployed resource by the ARN other resources reference it with. */
export type ArnLookup = (arn: string) => ResourceRecord | undefined;

/** One request sent to a custom resource and the response it got (kept for tests and reports). */
export interface RequestRecord {
  readonly request: Omit<CfnRequest, 'ResponseURL'>;
  readonly response: CfnResponse;
}

const MAX_RESPONSE_BYTES = 4096;
const DEFAULT_SERVICE_TIMEOUT_SECONDS = 3600;

export interface CustomResourceContext {
  readonly target: AwsTarget;
  readonly clock: RunnerClock;
  readonly functions: FunctionRegistry;
  readonly findByArn: ArnLookup;
  /** Every deployed resource the operation can see: its own stack's (live) first, then the other stacks'. */
  readonly allResources: () => ResourceRecord[];
}

export interface CustomResourceCall {
  readonly requestType: CfnRequest['RequestType'];
  readonly stackId: string;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly properties: Record<string, unknown>;
  readonly oldProperties?: Record<string, unknown>;
  readonly physicalId?: string;
}

/** CloudFormation sends every scalar property value as a string. */
export function stringifyProperties(properties: Record<string, unknown>): Record<string, unknown> {
  return stringifyScalars(properties) as Record<string, unknown>;
}

function stringifyScalars(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stringifyScalars);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stringifyScalars(v)]));
  }
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}

export async function callCustomResource(call: CustomResourceCall, ctx: CustomResourceContext): Promise<RequestRecord> {
  const serviceToken = call.properties.ServiceToken;
  const requestId = randomUUID();
  const base = {
    RequestType: call.requestType,
    ServiceToken: String(serviceToken),
    StackId: call.stackId,
    RequestId: requestId,
    LogicalResourceId: call.logicalId,
    ResourceType: call.resourceType,
    ResourceProperties: call.properties,
    ...(call.oldProperties ? { OldResourceProperties: call.oldProperties } : {}),
    ...(call.physicalId !== undefined ? { PhysicalResourceId: call.physicalId } : {}),
  };
  const failed = (reason: string): RequestRecord => ({
    request: base,
    response: {
      Status: 'FAILED',
      Reason: reason,
      StackId: call.stackId,
      RequestId: requestId,
      LogicalResourceId: call.logicalId,
      PhysicalResourceId: call.physicalId ?? '',
    },
  });
  if (typeof serviceToken !== 'string') return failed('ServiceToken: a custom resource needs the ARN of its provider as a string.');
  let provider: ProviderRuntime;
  try {
    provider = providerFor(serviceToken, ctx);
  } catch (e) {
    return failed((e as Error).message);
  }
  const request: CfnRequest = { ...base, ResponseURL: responseUrl(call, requestId, ctx.target) };
  const serviceTimeoutSeconds = Number(call.properties.ServiceTimeout ?? DEFAULT_SERVICE_TIMEOUT_SECONDS);
  const response = await runProviderRequest(request, provider, { clock: ctx.clock, serviceTimeoutSeconds });
  if (Buffer.byteLength(JSON.stringify(response), 'utf8') > MAX_RESPONSE_BYTES) {
    return failed('Response object is too long.');
  }
  return { request: base, response };
}

/** The Provider framework behind a ServiceToken: its user functions and waiter settings. */
function providerFor(serviceToken: string, ctx: CustomResourceContext): ProviderRuntime {
  const entry = ctx.findByArn(serviceToken);
  if (!entry || entry.type !== 'AWS::Lambda::Function') {
    throw new Error(`ServiceToken ${serviceToken} is not a Lambda function deployed by the local runner.`);
  }
  const properties = entry.properties as LambdaFunctionProperties;
  const env = (properties.Environment?.Variables ?? {}) as Record<string, string | undefined>;
  if (properties.Handler !== 'framework.onEvent' || !env.USER_ON_EVENT_FUNCTION_ARN) {
    throw new Error(
      `ServiceToken ${serviceToken} is not the entry point of an aws-cdk-lib custom-resources Provider; the local runner runs Provider-framework custom resources only.`,
    );
  }
  const onEvent = userFunction(env.USER_ON_EVENT_FUNCTION_ARN, ctx);
  if (!env.USER_IS_COMPLETE_FUNCTION_ARN) return { onEvent };
  return { onEvent, isComplete: { fn: userFunction(env.USER_IS_COMPLETE_FUNCTION_ARN, ctx), retry: waiterRetry(env.WAITER_STATE_MACHINE_ARN, ctx) } };
}

function userFunction(arn: string, ctx: CustomResourceContext): UserFunction {
  const record = ctx.findByArn(arn);
  if (!record || record.type !== 'AWS::Lambda::Function') {
    throw new Error(`The Provider's user function ${arn} is not a deployed Lambda function.`);
  }
  const fn: LambdaFunctionRecord = { physicalId: record.physicalId, arn, properties: record.properties as LambdaFunctionProperties };
  return { functionName: record.physicalId, invoke: (event) => ctx.functions.invoke(fn, event, ctx.allResources(), ctx.clock) };
}

/** The Retry policy of the waiter state machine's isComplete task (interval, attempts, backoff). */
function waiterRetry(stateMachineArn: string | undefined, ctx: CustomResourceContext): WaiterRetry {
  const machine = stateMachineArn ? ctx.findByArn(stateMachineArn) : undefined;
  const definition = machine?.properties.DefinitionString;
  if (typeof definition !== 'string') {
    throw new Error(`The Provider's waiter state machine ${stateMachineArn} is not deployed (or has no DefinitionString).`);
  }
  const retry = JSON.parse(definition).States?.['framework-isComplete-task']?.Retry?.[0];
  if (!retry) throw new Error(`State machine ${stateMachineArn} is not a Provider-framework waiter (no framework-isComplete-task Retry).`);
  return { intervalSeconds: retry.IntervalSeconds, maxAttempts: retry.MaxAttempts, backoffRate: retry.BackoffRate ?? 1 };
}

/** A pre-signed S3 URL like CloudFormation's: holding it is enough to forge the outcome. */
function responseUrl(call: CustomResourceCall, requestId: string, target: AwsTarget): string {
  const host = `cloudformation-custom-resource-response-${target.region.replace(/-/g, '')}.s3.${target.urlSuffix}`;
  const key = encodeURIComponent(`${call.stackId}|${call.logicalId}|${requestId}`);
  return `https://${host}/${key}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200&X-Amz-Signature=${randomBytes(32).toString('hex')}`;
}
