/**
 * Deleting a set of resources the way CloudFormation does: dependents first, DeletionPolicy /
 * UpdateReplacePolicy Retain skipped, and a resource that fails to delete keeps what it depends on.
 */
import { ResourceRecord } from './custom-resource';
import { creationOrder } from './graph';
import { OperationContext } from './operation-context';
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
        const reason = await deleteResource(id, record, ctx);
        if (reason !== undefined) remaining[id] = record;
        ctx.event(id, record.type, reason === undefined ? 'DELETE_COMPLETE' : 'DELETE_FAILED', reason, record.physicalId);
      }
    }
  }
  return remaining;
}
