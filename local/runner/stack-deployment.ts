/**
 * One create or update of a stack, as CloudFormation runs it (one resource at a time, in
 * dependency order), with a journal of what it did so a failure can be rolled back:
 * - create: create every resource; on a failure delete what was created, including the failed
 *   resource under the physical id its failed response carried (ROLLBACK_COMPLETE).
 * - update: create new resources, update changed ones (Update with OldResourceProperties; a new
 *   physical id is a replacement), leave unchanged ones alone; then clean up: delete replaced
 *   physical ids and removed resources. On a failure: a rollback Update with the old properties
 *   for every updated resource (the failed one too), then delete what was created and the
 *   replacements (UPDATE_ROLLBACK_COMPLETE).
 */
import { ResourceRecord } from './custom-resource';
import { declaration, hasChanges, propertiesChanged, resolveOutputs, ResolvedOutputs, withDeclaredPolicies } from './declarations';
import { deleteInReverse, Deletion } from './deletion';
import { ResourceStatus, StackStatus } from './events';
import { creationOrder, dependencyMap } from './graph';
import { ResolveContext } from './intrinsics';
import { OperationContext, STACK_TYPE, StackState, withResources } from './operation-context';
import { createResource, ResourceDeclaration, updateResource } from './provisioning';
import { activeResources, stackResolver } from './stack-resolver';
import { CfnTemplate } from './template';

type Step =
  | { readonly kind: 'created'; readonly id: string; readonly record: ResourceRecord }
  | { readonly kind: 'updated'; readonly id: string; readonly before: ResourceRecord; readonly attempted: ResourceDeclaration }
  | { readonly kind: 'replaced'; readonly id: string; readonly before: ResourceRecord; readonly after: ResourceRecord };

interface Failure {
  readonly id: string;
  readonly reason: string;
}

export class StackDeployment {
  private readonly live: Record<string, ResourceRecord>;
  private readonly ctx: OperationContext;
  private readonly resolver: ResolveContext;
  private readonly journal: Step[] = [];

  constructor(
    private readonly stackName: string,
    private readonly template: CfnTemplate,
    private readonly previous: StackState | undefined,
    outer: OperationContext,
  ) {
    this.live = { ...previous?.resources };
    this.ctx = withResources(outer, () => this.live);
    this.resolver = stackResolver({ template, pseudo: outer.pseudo, resources: () => this.live, importValue: outer.importValue });
  }

  /**
   * Runs the operation; returns `previous` itself when an update has nothing to do. A template
   * the runner cannot evaluate (bad Condition, dependency cycle) throws before anything starts.
   */
  public async run(): Promise<StackState> {
    const resources = activeResources(this.template, this.resolver);
    const order = creationOrder(resources);
    const previous = this.previous;
    if (previous && !hasChanges(this.template, resources, previous.resources, previous.outputs, this.resolver)) return previous;
    this.stackEvent(previous ? 'UPDATE_IN_PROGRESS' : 'CREATE_IN_PROGRESS', 'User Initiated');
    const deps = dependencyMap(resources);
    let failure: Failure | undefined;
    for (const id of order) {
      failure = await this.provision(id, resources[id], [...(deps.get(id) ?? [])]);
      if (failure) break;
    }
    let outputs: ResolvedOutputs = { outputs: {}, exports: {} };
    if (!failure) {
      try {
        outputs = resolveOutputs(this.template, this.resolver);
      } catch (e) {
        failure = { id: this.stackName, reason: (e as Error).message };
      }
    }
    if (!previous) return failure ? this.rollbackCreate(failure) : this.finish('CREATE_COMPLETE', this.live, outputs);
    return failure ? this.rollbackUpdate(previous, failure) : this.cleanUpUpdate(previous, resources, outputs);
  }

  /** Creates, updates or leaves one resource; returns the failure, if any. */
  private async provision(id: string, resource: CfnTemplate['Resources'][string], dependencies: string[]): Promise<Failure | undefined> {
    const old = this.previous?.resources[id];
    let decl: ResourceDeclaration;
    try {
      decl = declaration(id, resource, dependencies, this.resolver);
    } catch (e) {
      return this.fail(id, resource.Type, old ? 'UPDATE_FAILED' : 'CREATE_FAILED', (e as Error).message, old?.physicalId);
    }
    if (!old) {
      this.event(id, decl.type, 'CREATE_IN_PROGRESS');
      const result = await createResource(decl, this.ctx);
      if (!result.ok) {
        const failed = { type: decl.type, physicalId: result.physicalId, properties: decl.properties, attributes: {}, dependencies };
        this.journal.push({ kind: 'created', id, record: failed });
        return this.fail(id, decl.type, 'CREATE_FAILED', result.reason, result.physicalId);
      }
      this.live[id] = result.record;
      this.journal.push({ kind: 'created', id, record: result.record });
      this.event(id, decl.type, 'CREATE_COMPLETE', undefined, result.record.physicalId);
      return undefined;
    }
    if (old.type !== decl.type) {
      const reason = `Update of resource type is not permitted. The new template modifies resource type of resource ${id} (${old.type} -> ${decl.type}).`;
      return this.fail(id, decl.type, 'UPDATE_FAILED', reason, old.physicalId);
    }
    if (!propertiesChanged(old, decl)) {
      this.live[id] = withDeclaredPolicies(old, decl);
      return undefined;
    }
    this.event(id, decl.type, 'UPDATE_IN_PROGRESS', undefined, old.physicalId);
    const result = await updateResource(decl, old, this.ctx);
    if (!result.ok) {
      this.journal.push({ kind: 'updated', id, before: old, attempted: decl });
      return this.fail(id, decl.type, 'UPDATE_FAILED', result.reason, old.physicalId);
    }
    this.live[id] = result.record;
    if (result.record.physicalId !== old.physicalId) {
      const reason = 'Requested update requires the creation of a new physical resource; hence creating one.';
      this.event(id, decl.type, 'UPDATE_IN_PROGRESS', reason, result.record.physicalId);
      this.journal.push({ kind: 'replaced', id, before: old, after: result.record });
    } else {
      this.journal.push({ kind: 'updated', id, before: old, attempted: decl });
    }
    this.event(id, decl.type, 'UPDATE_COMPLETE', undefined, result.record.physicalId);
    return undefined;
  }

  private async rollbackCreate(failure: Failure): Promise<StackState> {
    this.stackEvent('ROLLBACK_IN_PROGRESS', `The following resource(s) failed to create: [${failure.id}]. Rollback requested by user.`);
    const created = this.journal.flatMap((s) => (s.kind === 'created' ? [{ id: s.id, record: s.record, retain: false }] : []));
    const remaining = await deleteInReverse(created, this.ctx);
    return this.finish(Object.keys(remaining).length === 0 ? 'ROLLBACK_COMPLETE' : 'ROLLBACK_FAILED', remaining, { outputs: {}, exports: {} });
  }

  private async cleanUpUpdate(previous: StackState, resources: CfnTemplate['Resources'], outputs: ResolvedOutputs): Promise<StackState> {
    this.stackEvent('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    const replaced = this.journal.flatMap((s) =>
      (s.kind === 'replaced' ? [{ id: s.id, record: s.before, retain: s.before.updateReplacePolicy === 'Retain' }] : []));
    const removed = Object.entries(previous.resources)
      .filter(([id]) => !(id in resources))
      .map(([id, record]) => ({ id, record, retain: record.deletionPolicy === 'Retain' }));
    for (const { id } of removed) delete this.live[id];
    // CloudFormation forgets what fails to delete during cleanup: the update still completes.
    await deleteInReverse([...replaced, ...removed], this.ctx);
    return this.finish('UPDATE_COMPLETE', this.live, outputs);
  }

  private async rollbackUpdate(previous: StackState, failure: Failure): Promise<StackState> {
    this.stackEvent('UPDATE_ROLLBACK_IN_PROGRESS', `The following resource(s) failed to update: [${failure.id}].`);
    const restored: Record<string, ResourceRecord> = { ...previous.resources };
    let rollbackFailed = false;
    for (const step of [...this.journal].reverse()) {
      if (step.kind !== 'updated') continue;
      const { before } = step;
      const decl: ResourceDeclaration = { logicalId: step.id, type: before.type, properties: before.properties, dependencies: before.dependencies };
      this.event(step.id, before.type, 'UPDATE_IN_PROGRESS', undefined, before.physicalId);
      const result = await updateResource(decl, { ...before, properties: step.attempted.properties }, this.ctx);
      if (result.ok) {
        restored[step.id] = { ...before, attributes: result.record.attributes };
        this.event(step.id, before.type, 'UPDATE_COMPLETE', undefined, before.physicalId);
      } else {
        rollbackFailed = true;
        this.event(step.id, before.type, 'UPDATE_FAILED', result.reason, before.physicalId);
      }
    }
    const previousOutputs = { outputs: previous.outputs, exports: previous.exports };
    if (rollbackFailed) return this.finish('UPDATE_ROLLBACK_FAILED', { ...this.live, ...restored }, previousOutputs);
    this.stackEvent('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    const discard: Deletion[] = this.journal.flatMap((s) => (
      s.kind === 'created' ? [{ id: s.id, record: s.record, retain: false }]
        : s.kind === 'replaced' ? [{ id: s.id, record: s.after, retain: false }] : []));
    for (const { id } of discard) if (!(id in previous.resources)) delete restored[id];
    await deleteInReverse(discard, this.ctx);
    return this.finish('UPDATE_ROLLBACK_COMPLETE', restored, previousOutputs);
  }

  private finish(status: StackStatus, resources: Record<string, ResourceRecord>, outputs: ResolvedOutputs): StackState {
    this.stackEvent(status);
    return { stackName: this.stackName, stackId: this.ctx.pseudo.stackId, status, resources, ...outputs };
  }

  private fail(id: string, type: string, status: ResourceStatus, reason: string, physicalId?: string): Failure {
    this.event(id, type, status, reason, physicalId);
    return { id, reason };
  }

  private event(id: string, type: string, status: ResourceStatus, reason?: string, physicalId?: string): void {
    this.ctx.event(id, type, status, reason, physicalId);
  }

  private stackEvent(status: StackStatus, reason?: string): void {
    this.ctx.event(this.stackName, STACK_TYPE, status, reason, this.ctx.pseudo.stackId);
  }
}
