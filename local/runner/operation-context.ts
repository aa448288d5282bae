/**
 * What a stack operation works with: the deployed state it reads and produces, and the context
 * it reports events to and finds resources (by ARN) and exports in.
 */
import { ResourceRecord } from './custom-resource';
import { ResourceStatus, StackStatus } from './events';
import { ProvisioningContext } from './provisioning';

/** A deployed stack, as kept in memory and in the state file. */
export interface StackState {
  readonly stackName: string;
  readonly stackId: string;
  readonly status: StackStatus;
  readonly resources: Record<string, ResourceRecord>;
  readonly outputs: Record<string, unknown>;
  readonly exports: Record<string, string>;
  /** Names of the stacks it depended on when last deployed (a destroy deletes it before them). */
  readonly dependsOn?: readonly string[];
  /** Why the stack is in a failed or rolling-back status (CloudFormation's StackStatusReason). */
  readonly statusReason?: string;
  /** The values its parameters were given (a nested stack's `Parameters`). */
  readonly parameters?: Record<string, string>;
}

export interface OperationContext extends ProvisioningContext {
  /** Reports a resource or stack event. */
  event(logicalId: string, resourceType: string, status: ResourceStatus | StackStatus, reason?: string, physicalId?: string): void;
  importValue(name: string): string;
  /** The context of another stack's operation in the same account: a nested stack's (see nestedContext). */
  forStack(stackName: string, stackId: string): OperationContext;
}

export const STACK_TYPE = 'AWS::CloudFormation::Stack';

/** A resource of `resources` (or of their nested stacks) by the ARN (or physical id) other resources reference it with. */
export function findResourceByArn(resources: Record<string, ResourceRecord>, arn: string): ResourceRecord | undefined {
  for (const r of Object.values(resources)) {
    const found = r.attributes.Arn === arn || r.physicalId === arn ? r : r.stack && findResourceByArn(r.stack.resources, arn);
    if (found) return found;
  }
  return undefined;
}

/**
 * The context of a nested stack's operation: its own name, id and events, in the parent's account;
 * resources are looked up in the parent's context (its stack's resources, then the parent's parents).
 */
export function nestedContext(parent: OperationContext, stackName: string, stackId: string): OperationContext {
  return { ...parent.forStack(stackName, stackId), findByArn: parent.findByArn };
}

/** The context with the stack's own resources searched first (a ServiceToken names its provider's function). */
export function withResources(ctx: OperationContext, resources: () => Record<string, ResourceRecord>): OperationContext {
  return {
    ...ctx,
    findByArn: (arn) => findResourceByArn(resources(), arn) ?? ctx.findByArn(arn),
    allResources: () => [...Object.values(resources()), ...ctx.allResources()],
  };
}
