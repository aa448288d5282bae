/**
 * Deleting a set of resources the way CloudFormation does: dependents first, independent resources
 * concurrently, DeletionPolicy / UpdateReplacePolicy Retain skipped, and a resource that fails to
 * delete keeps what it depends on. A nested stack (`AWS::CloudFormation::Stack`) is deleted with
 * its resources, in reverse order.
 */
import { runGraph } from './concurrency';
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

/** What a deletion left: the resources that stay, and (among them) those whose delete failed. */
export interface DeletionOutcome {
  readonly remaining: Record<string, ResourceRecord>;
  readonly failed: string[];
}

/**
 * Deletes in reverse dependency order (each resource once every resource of the set that depends
 * on it is deleted) and returns what could not be deleted, or stays because something that depends
 * on it could not be deleted. Entries may share a logical id (a replaced resource's old and new
 * physical ids: deleted one after the other). A resource without a physical id (its create never
 * answered) has nothing to delete.
 */
export async function deleteInReverse(entries: Deletion[], ctx: OperationContext): Promise<DeletionOutcome> {
  const byId = new Map<string, Deletion[]>();
  for (const entry of entries) byId.set(entry.id, [...(byId.get(entry.id) ?? []), entry]);
  // Independent resources start in the reverse of their creation order.
  const graph = Object.fromEntries(
    [...byId.keys()].map((id) => [id, { Type: '', DependsOn: byId.get(id)![0].record.dependencies.filter((d) => byId.has(d) && d !== id) }]),
  );
  const ids = creationOrder(graph).reverse();
  const dependents = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const id of ids) {
    for (const dependency of byId.get(id)!.flatMap((d) => d.record.dependencies)) {
      if (dependency !== id && dependents.has(dependency)) dependents.get(dependency)!.push(id);
    }
  }
  const remaining: Record<string, ResourceRecord> = {};
  const failed: string[] = [];
  const outcomes = await runGraph(ids, (id) => dependents.get(id)!, async (id) => {
    for (const { record, retain } of byId.get(id)!) {
      if (retain) {
        ctx.event(id, record.type, 'DELETE_SKIPPED', undefined, record.physicalId);
      } else if (record.physicalId !== '') {
        ctx.event(id, record.type, 'DELETE_IN_PROGRESS', undefined, record.physicalId);
        const { reason, left } = record.type === STACK_TYPE
          ? await deleteNestedStack(record, ctx)
          : { reason: await deleteResource(id, record, ctx), left: record };
        ctx.event(id, record.type, reason === undefined ? 'DELETE_COMPLETE' : 'DELETE_FAILED', reason, record.physicalId);
        if (reason !== undefined) {
          remaining[id] = left;
          failed.push(id);
          return false;
        }
      }
    }
    return true;
  }, ctx.clock, 'skip-waiting');
  for (const [id, outcome] of outcomes) {
    if (outcome === 'skipped' || outcome === 'not-started') remaining[id] = byId.get(id)![0].record;
  }
  return { remaining, failed };
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
  const { remaining, failed } = await deleteInReverse(entries, ctx);
  if (Object.keys(remaining).length === 0) {
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
