/**
 * One create or update of a stack, as CloudFormation runs it (each resource as soon as what it
 * depends on is done, independent resources concurrently: concurrency.ts), with a journal of what
 * it did so a failure can be rolled back:
 * - create: create every resource; on a failure start nothing new, let what runs finish (inferred:
 *   CloudFormation reports the others "Resource creation cancelled"; a custom resource's request
 *   cannot be cancelled, so its outcome is kept), then delete what was created, including the failed
 *   resource under the physical id its failed response carried (ROLLBACK_COMPLETE).
 * - update: create new resources, update changed ones (Update with OldResourceProperties; a new
 *   physical id is a replacement), leave unchanged ones alone; then clean up: delete replaced
 *   physical ids and removed resources. On a failure: a rollback Update with the old properties
 *   for every updated resource (the failed one too), then delete what was created and the
 *   replacements (UPDATE_ROLLBACK_COMPLETE).
 * - nested stacks (`AWS::CloudFormation::Stack`): the nested template (read from its TemplateURL)
 *   is deployed by a nested StackDeployment, which its parent settles: a failed create stops at
 *   CREATE_FAILED and the parent's rollback deletes it; an update stops at
 *   UPDATE_COMPLETE_CLEANUP_IN_PROGRESS (or UPDATE_ROLLBACK_IN_PROGRESS) until the parent cleans up
 *   (the nested cleanup runs in the parent's) or rolls back (the nested stack rolls back too).
 */
import { inActivity } from './clock';
import { runGraph } from './concurrency';
import { ResourceRecord } from './custom-resource';
import { declaration, hasChanges, propertiesChanged, resolveOutputs, ResolvedOutputs, withDeclaredPolicies } from './declarations';
import { deleteInReverse, Deletion } from './deletion';
import { ResourceStatus, StackStatus } from './events';
import { creationOrder, dependencyMap } from './graph';
import { ResolveContext } from './intrinsics';
import { checkUpdatable, nestedParameters, nestedStackIdentity, nestedStackRecord, readNestedTemplate } from './nested-stack';
import { nestedContext, OperationContext, STACK_TYPE, StackState, withResources } from './operation-context';
import { createResource, ProvisionResult, ResourceDeclaration, updateResource } from './provisioning';
import { activeResources, stackResolver } from './stack-resolver';
import { CfnTemplate } from './template';

type Step =
  | { readonly kind: 'created'; readonly id: string; readonly record: ResourceRecord }
  | { readonly kind: 'updated'; readonly id: string; readonly before: ResourceRecord; readonly attempted: ResourceDeclaration }
  | { readonly kind: 'replaced'; readonly id: string; readonly before: ResourceRecord; readonly after: ResourceRecord };

interface Failure {
  readonly id: string;
  readonly reason: string;
  /** The failed resource was being created (else updated). */
  readonly creating: boolean;
}

export interface StackDeploymentOptions {
  /** Values of the template's parameters (a nested stack's `Parameters`). @default each parameter's Default */
  readonly parameters?: Record<string, string>;
  /**
   * A nested stack, settled by its parent: a failed create ends CREATE_FAILED (no rollback of its
   * own), an update stops after its resources until `settle()`, and an update is run even when
   * nothing in it changes.
   * @default false
   */
  readonly nested?: boolean;
}

/** How an update ends once its resources are done: cleaned up, or rolled back. */
type Settlement =
  | { readonly kind: 'cleanup'; readonly resources: CfnTemplate['Resources']; readonly outputs: ResolvedOutputs }
  | { readonly kind: 'rollback' };

export class StackDeployment {
  private readonly live: Record<string, ResourceRecord>;
  private readonly ctx: OperationContext;
  private readonly resolver: ResolveContext;
  private readonly journal: Step[] = [];
  /** The nested stacks this update updated, by logical id: settled with this stack. */
  private readonly nestedUpdates = new Map<string, StackDeployment>();
  private settlement: Settlement | undefined;

  constructor(
    private readonly stackName: string,
    private readonly template: CfnTemplate,
    private readonly previous: StackState | undefined,
    outer: OperationContext,
    private readonly options: StackDeploymentOptions = {},
  ) {
    this.live = { ...previous?.resources };
    this.ctx = withResources(outer, () => this.live);
    this.resolver = stackResolver({
      template, pseudo: outer.pseudo, resources: () => this.live, importValue: outer.importValue, parameters: options.parameters,
    });
  }

  /**
   * The active resources in creation order. A template the runner cannot evaluate (bad Condition,
   * dependency cycle) throws.
   */
  public plan(): { readonly resources: CfnTemplate['Resources']; readonly order: string[] } {
    const resources = activeResources(this.template, this.resolver);
    return { resources, order: creationOrder(resources) };
  }

  /**
   * Runs the operation; returns `previous` itself when an update has nothing to do. A template
   * the runner cannot evaluate (bad Condition, dependency cycle) throws before anything starts.
   * A nested stack's update stops before its cleanup or rollback: see `settle`.
   */
  public async run(): Promise<StackState> {
    const { resources, order } = this.plan();
    const previous = this.previous;
    if (previous && !this.options.nested && !hasChanges(this.template, resources, previous.resources, previous.outputs, this.resolver)) {
      return previous;
    }
    this.stackEvent(previous ? 'UPDATE_IN_PROGRESS' : 'CREATE_IN_PROGRESS', 'User Initiated');
    const deps = dependencyMap(resources);
    let failure: Failure | undefined;
    const waitsFor = (id: string) => [...(deps.get(id) ?? [])];
    await runGraph(order, waitsFor, async (id) => {
      const failed = await this.provision(id, resources[id], waitsFor(id));
      failure ??= failed;
      return failed === undefined;
    }, this.ctx.clock, 'stop');
    let outputs: ResolvedOutputs = { outputs: {}, exports: {} };
    if (!failure) {
      try {
        outputs = resolveOutputs(this.template, this.resolver);
      } catch (e) {
        failure = { id: this.stackName, reason: (e as Error).message, creating: !previous };
      }
    }
    if (!previous && !failure) return this.finish('CREATE_COMPLETE', this.live, outputs);
    if (!previous) return this.options.nested ? this.createFailed(failure!) : this.rollbackCreate(failure!);
    if (failure) {
      this.stackEvent('UPDATE_ROLLBACK_IN_PROGRESS', failedReason(failure, this.stackName));
      this.settlement = { kind: 'rollback' };
    } else {
      this.stackEvent('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
      this.settlement = { kind: 'cleanup', resources, outputs };
    }
    if (!this.options.nested) return this.settle();
    return failure
      ? this.state('UPDATE_ROLLBACK_IN_PROGRESS', this.live, { outputs: previous.outputs, exports: previous.exports }, failedReason(failure, this.stackName))
      : this.state('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', this.live, outputs);
  }

  /**
   * Ends an update whose resources are done: its cleanup (UPDATE_COMPLETE), or its rollback
   * (UPDATE_ROLLBACK_COMPLETE) when it failed or `rollBack` (a nested stack whose parent rolls back).
   */
  public async settle(rollBack = false): Promise<StackState> {
    const settlement = this.settlement;
    if (!this.previous || !settlement) throw new Error(`Stack ${this.stackName}: only an update that ran can be settled.`);
    this.settlement = undefined;
    if (settlement.kind === 'cleanup' && !rollBack) return this.cleanUpUpdate(this.previous, settlement.resources, settlement.outputs);
    if (settlement.kind === 'cleanup') this.stackEvent('UPDATE_ROLLBACK_IN_PROGRESS');
    return this.rollbackUpdate(this.previous);
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
    if (!old && decl.type === STACK_TYPE) return this.createNestedStack(decl);
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
    if (decl.type === STACK_TYPE) return this.updateNestedStack(decl, old);
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
    const { remaining, failed } = await deleteInReverse(created, this.ctx);
    return Object.keys(remaining).length === 0
      ? this.finish('ROLLBACK_COMPLETE', remaining, { outputs: {}, exports: {} })
      : this.finish('ROLLBACK_FAILED', remaining, { outputs: {}, exports: {} }, failedToDelete(failed));
  }

  private async cleanUpUpdate(previous: StackState, resources: CfnTemplate['Resources'], outputs: ResolvedOutputs): Promise<StackState> {
    // The nested stacks this update updated clean up in this stack's cleanup.
    for (const [id, nested] of this.nestedUpdates) this.live[id] = { ...this.live[id], stack: await nested.settle() };
    const replaced = this.journal.flatMap((s) =>
      (s.kind === 'replaced' ? [{ id: s.id, record: s.before, retain: s.before.updateReplacePolicy === 'Retain' }] : []));
    const removed = Object.entries(previous.resources)
      .filter(([id]) => !(id in resources))
      .map(([id, record]) => ({ id, record, retain: record.deletionPolicy === 'Retain' }));
    // CloudFormation forgets what fails to delete during cleanup: the update still completes. Until
    // deleted, a removed resource still exists (e.g. a policy its dependents are deleted with).
    await deleteInReverse([...replaced, ...removed], this.ctx);
    for (const { id } of removed) delete this.live[id];
    return this.finish('UPDATE_COMPLETE', this.live, outputs);
  }

  private async rollbackUpdate(previous: StackState): Promise<StackState> {
    const restored: Record<string, ResourceRecord> = { ...previous.resources };
    const rollbackFailed: string[] = [];
    for (const step of [...this.journal].reverse()) {
      if (step.kind !== 'updated') continue;
      const { before } = step;
      const decl: ResourceDeclaration = { logicalId: step.id, type: before.type, properties: before.properties, dependencies: before.dependencies };
      this.event(step.id, before.type, 'UPDATE_IN_PROGRESS', undefined, before.physicalId);
      const result = before.type === STACK_TYPE
        ? await this.rollBackNestedStack(step.id, before)
        : await inActivity(this.ctx.clock, () => updateResource(decl, { ...before, properties: step.attempted.properties }, this.ctx));
      if (result.ok) {
        restored[step.id] = { ...before, attributes: result.record.attributes, ...(result.record.stack ? { stack: result.record.stack } : {}) };
        this.event(step.id, before.type, 'UPDATE_COMPLETE', undefined, before.physicalId);
      } else {
        rollbackFailed.push(step.id);
        this.event(step.id, before.type, 'UPDATE_FAILED', result.reason, before.physicalId);
      }
    }
    const previousOutputs = { outputs: previous.outputs, exports: previous.exports };
    if (rollbackFailed.length > 0) {
      return this.finish('UPDATE_ROLLBACK_FAILED', { ...this.live, ...restored }, previousOutputs, `The following resource(s) failed to update: [${rollbackFailed.join(', ')}].`);
    }
    this.stackEvent('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    const discard: Deletion[] = this.journal.flatMap((s) => (
      s.kind === 'created' ? [{ id: s.id, record: s.record, retain: false }]
        : s.kind === 'replaced' ? [{ id: s.id, record: s.after, retain: false }] : []));
    for (const { id } of discard) if (!(id in previous.resources)) delete restored[id];
    await deleteInReverse(discard, this.ctx);
    return this.finish('UPDATE_ROLLBACK_COMPLETE', restored, previousOutputs);
  }

  private finish(status: StackStatus, resources: Record<string, ResourceRecord>, outputs: ResolvedOutputs, reason?: string): StackState {
    this.stackEvent(status, reason);
    return this.state(status, resources, outputs, reason);
  }

  private state(status: StackStatus, resources: Record<string, ResourceRecord>, outputs: ResolvedOutputs, statusReason?: string): StackState {
    // A rolled-back update is back on the parameters it had.
    const rolledBack = status === 'UPDATE_ROLLBACK_COMPLETE' || status === 'UPDATE_ROLLBACK_FAILED';
    const parameters = rolledBack ? this.previous?.parameters : this.options.parameters;
    return {
      stackName: this.stackName,
      stackId: this.ctx.pseudo.stackId,
      status,
      resources,
      ...outputs,
      ...(statusReason ? { statusReason } : {}),
      ...(parameters ? { parameters } : {}),
    };
  }

  /**
   * A nested stack's failed create: CREATE_FAILED with everything it created (the failed resource
   * too), which its parent's rollback deletes.
   */
  private createFailed(failure: Failure): StackState {
    const reason = failedReason(failure, this.stackName);
    this.stackEvent('CREATE_FAILED', reason);
    const created = this.journal.flatMap((s) => (s.kind === 'created' ? [[s.id, s.record] as const] : []));
    return this.state('CREATE_FAILED', Object.fromEntries(created), { outputs: {}, exports: {} }, reason);
  }

  /** Creates a nested stack: its template from S3, its parameters checked, then its resources. */
  private async createNestedStack(decl: ResourceDeclaration): Promise<Failure | undefined> {
    const id = decl.logicalId;
    this.event(id, STACK_TYPE, 'CREATE_IN_PROGRESS');
    const { stackName, stackId } = nestedStackIdentity(this.ctx.pseudo, id);
    let nested: StackDeployment;
    try {
      nested = await this.nestedDeployment(decl, stackName, stackId);
    } catch (e) {
      return this.fail(id, STACK_TYPE, 'CREATE_FAILED', (e as Error).message);
    }
    this.event(id, STACK_TYPE, 'CREATE_IN_PROGRESS', 'Resource creation Initiated', stackId);
    const state = await nested.run();
    const record = nestedStackRecord(decl, state);
    this.journal.push({ kind: 'created', id, record });
    if (state.status !== 'CREATE_COMPLETE') {
      return this.fail(id, STACK_TYPE, 'CREATE_FAILED', `Embedded stack ${stackId} was not successfully created: ${state.statusReason}`, stackId);
    }
    this.live[id] = record;
    this.event(id, STACK_TYPE, 'CREATE_COMPLETE', undefined, stackId);
    return undefined;
  }

  /** Updates a nested stack in place (its id never changes); its cleanup or rollback waits for this stack's. */
  private async updateNestedStack(decl: ResourceDeclaration, old: ResourceRecord): Promise<Failure | undefined> {
    const id = decl.logicalId;
    this.event(id, STACK_TYPE, 'UPDATE_IN_PROGRESS', undefined, old.physicalId);
    let nested: StackDeployment;
    try {
      if (!old.stack) throw new Error(`Stack ${this.stackName}: the state of nested stack ${id} (${old.physicalId}) is missing.`);
      checkUpdatable(old.stack);
      nested = await this.nestedDeployment(decl, old.stack.stackName, old.stack.stackId, old.stack);
    } catch (e) {
      return this.fail(id, STACK_TYPE, 'UPDATE_FAILED', (e as Error).message, old.physicalId);
    }
    const state = await nested.run();
    this.journal.push({ kind: 'updated', id, before: old, attempted: decl });
    this.nestedUpdates.set(id, nested);
    if (state.status !== 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS') {
      return this.fail(id, STACK_TYPE, 'UPDATE_FAILED', notUpdated(state), old.physicalId);
    }
    this.live[id] = nestedStackRecord(decl, state);
    this.event(id, STACK_TYPE, 'UPDATE_COMPLETE', undefined, old.physicalId);
    return undefined;
  }

  /** The nested stack's deployment, once its template is read and its parameters and resources check out. */
  private async nestedDeployment(decl: ResourceDeclaration, stackName: string, stackId: string, previous?: StackState): Promise<StackDeployment> {
    const template = await readNestedTemplate(decl.properties.TemplateURL, this.ctx.target);
    const parameters = nestedParameters(template, decl.properties.Parameters);
    const nested = new StackDeployment(stackName, template, previous, nestedContext(this.ctx, stackName, stackId), { parameters, nested: true });
    nested.plan();
    return nested;
  }

  /** The rollback of a nested stack this update updated: the nested stack rolls back its own update. */
  private async rollBackNestedStack(id: string, before: ResourceRecord): Promise<ProvisionResult> {
    const state = await this.nestedUpdates.get(id)!.settle(true);
    if (state.status !== 'UPDATE_ROLLBACK_COMPLETE') {
      return { ok: false, reason: notUpdated(state), physicalId: before.physicalId };
    }
    return { ok: true, record: { ...before, stack: state } };
  }

  private fail(id: string, type: string, status: ResourceStatus, reason: string, physicalId?: string): Failure {
    this.event(id, type, status, reason, physicalId);
    return { id, reason, creating: status === 'CREATE_FAILED' };
  }

  private event(id: string, type: string, status: ResourceStatus, reason?: string, physicalId?: string): void {
    this.ctx.event(id, type, status, reason, physicalId);
  }

  private stackEvent(status: StackStatus, reason?: string): void {
    this.ctx.event(this.stackName, STACK_TYPE, status, reason, this.ctx.pseudo.stackId);
  }
}

/** A stack's status reason for a failed resource (CloudFormation names the failed resources), or its own failure (outputs). */
function failedReason(failure: Failure, stackName: string): string {
  if (failure.id === stackName) return failure.reason;
  return `The following resource(s) failed to ${failure.creating ? 'create' : 'update'}: [${failure.id}].`;
}

/** The reason a nested stack's update fails its parent's resource (CloudFormation's wording). */
function notUpdated(nested: StackState): string {
  const reason = nested.statusReason ? ` with reason: ${nested.statusReason}` : '';
  return `Embedded stack ${nested.stackId} was not successfully updated. Currently in ${nested.status}${reason}`;
}

/** CloudFormation's reason of a stack-level DELETE_FAILED or ROLLBACK_FAILED. */
export function failedToDelete(logicalIds: readonly string[]): string {
  return `The following resource(s) failed to delete: [${logicalIds.join(', ')}].`;
}
