/**
 * Stack operations: deploy (create or update, see stack-deployment.ts) and delete, and the
 * deployed state they produce.
 */
import { deleteInReverse } from './deletion';
import { OperationContext, STACK_TYPE, StackState, withResources } from './operation-context';
import { failedToDelete, StackDeployment } from './stack-deployment';
import { CfnTemplate } from './template';

/** Creates the stack (no `previous`) or updates it; returns `previous` when there is nothing to do. */
export function deployStack(stackName: string, template: CfnTemplate, previous: StackState | undefined, ctx: OperationContext): Promise<StackState> {
  return new StackDeployment(stackName, template, previous, ctx).run();
}

/** Deletes the stack in reverse dependency order. Resources that fail to delete (and what they depend on) stay. */
export async function destroyStack(stack: StackState, outer: OperationContext): Promise<StackState> {
  const ctx = withResources(outer, () => stack.resources);
  ctx.event(stack.stackName, STACK_TYPE, 'DELETE_IN_PROGRESS', 'User Initiated', stack.stackId);
  const entries = Object.entries(stack.resources).map(([id, record]) => ({ id, record, retain: record.deletionPolicy === 'Retain' }));
  const { remaining, failed } = await deleteInReverse(entries, ctx);
  const status = Object.keys(remaining).length === 0 ? 'DELETE_COMPLETE' : 'DELETE_FAILED';
  ctx.event(stack.stackName, STACK_TYPE, status, status === 'DELETE_FAILED' ? failedToDelete(failed) : undefined, stack.stackId);
  return { ...stack, status, resources: remaining, outputs: status === 'DELETE_COMPLETE' ? {} : stack.outputs };
}
