/**
 * The Provider framework's contract with user handlers (aws-cdk-lib `custom-resources`
 * provider-framework): `onEvent` receives the CloudFormation request (without a usable
 * ResponseURL) and returns the physical id; `isComplete` receives the request merged with the
 * `onEvent` response and reports completion, with `Data` only once complete.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

export type OnEventRequest = CloudFormationCustomResourceEvent;

export interface OnEventResponse {
  readonly PhysicalResourceId?: string;
  readonly Data?: Record<string, string>;
}

export type IsCompleteRequest = OnEventRequest & OnEventResponse;

export interface IsCompleteResponse {
  readonly IsComplete: boolean;
  readonly Data?: Record<string, string>;
}
