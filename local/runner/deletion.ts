/**
 * Deleting a set of resources the way CloudFormation does: dependents first, DeletionPolicy /
 * UpdateReplacePolicy Retain skipped, and a resource that fails to delete keeps what it depends on.
 * A nested stack (`AWS::CloudFormation::Stack`) is deleted with its resources, in reverse order.
 */
import { ResourceRecord } from './custom-resource';
import { creationOrder } from './graph';
import { nestedContext, OperationContext, STACK_TYPE, withResources } from './operation-context';
import { deleteResource } from './provisioning';

/** A resource to delete; `retain` = its DeletionPolicy/UpdateReplacePolicy keeps it. */
export interface Deletion {
  readonly id: string;
  readonly record: ResourceRecord;
  readonly retain: boolean;
}

/**
 * Deletes in reverse dependency order and returns what could not be deleted. Entries may share a
 * logical id (a replaced resource's old and new physical ids). A resource without a physical id
 * (its create never answered) has nothing to delete.
 */
export async function deleteInReverse(entries: Deletion[], ctx: OperationContext): Promise<Record<string, ResourceRecord>> {
  const byId = new Map<string, Deletion[]>();
  for (const entry of entries) byId.set(entry.id, [...(byId.get(entry.id) ?? []), entry]);
  const graph = Object.fromEntries(
    [...byId.keys()].map((id) => [id, { Type: '', DependsOn: byId.get(id)![0].record.dependencies.filter((d) => byId.has(d)) }]),
  );
  const remaining: Record<string, ResourceRecord> = {};
  for (const id of creationOrder(graph).reverse()) {
    for (const { record, retain } of byId.get(id)!) {
      if (Object.values(remaining).some((r) => r.dependencies.includes(id))) {
        remaining[id] = record;
      } else if (retain) {
        ctx.event(id, record.type, 'DELETE_SKIPPED', undefined, record.physicalId);
      } else if (record.physicalId !== '') {
        ctx.event(id, record.type, 'DELETE_IN_PROGRESS', undefined, record.physicalId);
        const { reason, left } = record.type === STACK_TYPE
          ? await deleteNestedStack(record, ctx)
          : { reason: await deleteResource(id, record, ctx), left: record };
        if (reason !== undefined) remaining[id] = left;
        ctx.event(id, record.type, reason === undefined ? 'DELETE_COMPLETE' : 'DELETE_FAILED', reason, record.physicalId);
      }
    }
  }
  return remaining;
}

/**
 * Deletes a nested stack (DELETE_IN_PROGRESS, its resources, DELETE_COMPLETE or DELETE_FAILED with
 * the nested stack's own events); on a failure, `left` is the record with what could not be deleted.
 */
async function deleteNestedStack(record: ResourceRecord, parent: OperationContext): Promise<{ reason?: string; left: ResourceRecord }> {
  const stack = record.stack;
  if (!stack) return { left: record };
  const ctx = withResources(nestedContext(parent, stack.stackName, stack.stackId), () => stack.resources);
  ctx.event(stack.stackName, STACK_TYPE, 'DELETE_IN_PROGRESS', 'User Initiated', stack.stackId);
  const entries = Object.entries(stack.resources).map(([id, r]) => ({ id, record: r, retain: r.deletionPolicy === 'Retain' }));
  const remaining = await deleteInReverse(entries, ctx);
  const failed = Object.keys(remaining);
  if (failed.length === 0) {
    ctx.event(stack.stackName, STACK_TYPE, 'DELETE_COMPLETE', undefined, stack.stackId);
    return { left: record };
  }
  const statusReason = `The following resource(s) failed to delete: [${failed.join(', ')}].`;
  ctx.event(stack.stackName, STACK_TYPE, 'DELETE_FAILED', statusReason, stack.stackId);
  return {
    reason: `Embedded stack ${stack.stackId} was not successfully deleted: ${statusReason}`,
    left: { ...record, stack: { ...stack, status: 'DELETE_FAILED', statusReason, resources: remaining } },
  };
}
