import type { IacOutcome } from './iac-rendering';
import type { RenderedOutput } from '../../../src/private/render/cloudformation';
import { conflict, notFound } from '../core/errors';
import type { RequestContext, TargetKey } from '../core/runtime';
import { arn } from '../core/store';
import type {
  AccountState, Deployable, DeploymentRecord, DeploymentState, DeploymentTargetResourceType,
  Output, ProvisionedResource, TemplateKind,
} from '../core/store';

/**
 * The one deployment mechanism shared by environments, service instances, service pipelines
 * and components (proton-api.md §2 "Deployments", §3 lifecycles):
 *
 * - `deploy` records a Deployment (UUID id, `IN_PROGRESS`), applies the requested change to the
 *   resource at once (so Get shows the spec/version being deployed) and, after
 *   `durations.deploymentMs`, settles it: `FAILED` with the scenario's injected message, else
 *   `SUCCEEDED` with generated outputs. Self-managed resources (provisioning repository) stay
 *   `IN_PROGRESS` until NotifyResourceDeploymentStatusChange settles them (`notify.ts`).
 * - `cancel` moves an update deployment `IN_PROGRESS -> CANCELLING -> CANCELLED` after
 *   `durations.cancellationMs`, restoring the resource's previous spec/version; a deployment
 *   that completes first keeps its result ("the cancellation attempt has no effect", doc).
 * - `undeploy` records a deletion (`DELETE_IN_PROGRESS -> DELETE_COMPLETE`, the resource removed
 *   by the caller's callback, or `DELETE_FAILED` with the scenario's injected message).
 *
 * The IaC is rendered when the deployment starts; a render failure settles it `FAILED` with the
 * renderer's message (naming the file and line).
 * Outputs (inferred, documented for tests): one per output of the rendered IaC — its value when
 * the template gives a literal, else `<targetKey>/<OutputKey>` (e.g. `environment/dev/VpcId`), so
 * they are deterministic and name their origin; `scenario.outputOverrides(targetKey)` replaces
 * values and may add keys.
 * Deployment records outlive their target (a deletion's record shows `DELETE_COMPLETE`) until
 * DeleteDeployment removes them (inferred).
 */

/** What the engine needs to know about a deployable resource. */
export interface DeploymentTarget {
  readonly record: Deployable;
  readonly resourceType: DeploymentTargetResourceType;
  /** ARN resource part: `environment/<n>`, `service/<s>/service-instance/<i>`, ... */
  readonly targetKey: TargetKey;
  readonly environmentName: string;
  readonly serviceName?: string;
  readonly serviceInstanceName?: string;
  readonly componentName?: string;
  readonly provisioningEngine: 'CLOUDFORMATION' | 'TERRAFORM';
  /** Self-managed provisioning: only NotifyResourceDeploymentStatusChange settles deployments. */
  readonly selfManaged: boolean;
  /** Customer-managed environments: the outputs are given (the spec), nothing is provisioned. */
  readonly fixedOutputs?: () => Output[];
  /** The resource's current DeploymentState (read before and after a change). */
  state(): DeploymentState;
  /**
   * Renders the IaC the deployment provisions (when it starts, after the requested change is
   * applied): its outputs, or the failure that ends the deployment (`iac-rendering.ts`).
   */
  renderIac(): IacOutcome;
}

/** How an open deployment ends (a deletion's SUCCEEDED removes the resource). */
export type Outcome =
  | { readonly status: 'SUCCEEDED'; readonly outputs?: Output[] }
  | { readonly status: 'FAILED'; readonly message: string }
  | { readonly status: 'CANCELLED' };

/** Called once a deployment reaches a final status (SUCCEEDED, FAILED, CANCELLED). */
export type SettledHook = (status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED') => void;

/** Called once a deletion finished: `removed` (the caller drops the record) or failed. */
export type DeletedHook = (removed: boolean) => void;

const IN_FLIGHT: ReadonlySet<string> = new Set(['IN_PROGRESS', 'CANCELLING', 'DELETE_IN_PROGRESS']);

/** How each open deployment is settled (by its scheduled completion, a cancel or a notification). */
const pending = new WeakMap<DeploymentRecord, (outcome: Outcome) => void>();

/** A resource deployed from a template version: an environment, a service instance or a pipeline. */
type TemplatedDeployable = Deployable & { templateName: string; templateMajorVersion: string; templateMinorVersion: string };

/**
 * The deployment members the API returns for an environment, a service instance or a pipeline.
 * The model requires both timestamps; until a deployment is attempted or succeeds they carry the
 * creation time (inferred).
 */
export function describeDeploymentState(record: TemplatedDeployable) {
  return {
    arn: record.arn,
    createdAt: record.createdAt,
    deploymentStatus: record.deploymentStatus,
    deploymentStatusMessage: record.deploymentStatusMessage,
    templateName: record.templateName,
    templateMajorVersion: record.templateMajorVersion,
    templateMinorVersion: record.templateMinorVersion,
    lastAttemptedDeploymentId: record.lastAttemptedDeploymentId,
    lastSucceededDeploymentId: record.lastSucceededDeploymentId,
    lastDeploymentAttemptedAt: record.lastDeploymentAttemptedAt ?? record.createdAt,
    lastDeploymentSucceededAt: record.lastDeploymentSucceededAt ?? record.createdAt,
  };
}

/** Whether a deployment status means something is still happening to the resource. */
export function isInFlight(status: string): boolean {
  return IN_FLIGHT.has(status);
}

/** ConflictException unless the resource can take a new mutating request. */
export function assertNotInFlight(record: Deployable, description: string): void {
  if (isInFlight(record.deploymentStatus)) {
    throw conflict(`${description} has deploymentStatus ${record.deploymentStatus}; wait until its current deployment finishes, then retry.`);
  }
}

/**
 * Starts a deployment of `target`. `apply` makes the requested change to the record (spec,
 * template version, attachment); a new resource passes `isNew` (no initial state).
 */
export function deploy(
  ctx: RequestContext,
  target: DeploymentTarget,
  options: { readonly isNew: boolean; readonly apply?: () => void; readonly onSettled?: SettledHook },
): DeploymentRecord {
  const record = target.record;
  const initialState = options.isNew ? undefined : target.state();
  const before: Record<string, unknown> = { ...record };
  options.apply?.();
  const changed = Object.keys(record).filter((key) => (record as any)[key] !== before[key]);
  const restore = Object.fromEntries(changed.map((key) => [key, before[key]]));

  const deployment = openDeployment(ctx, target, 'IN_PROGRESS', initialState, target.state());
  const rendered = target.fixedOutputs ? undefined : target.renderIac();
  const runtime = ctx.runtime;
  const settle = (outcome: Outcome) => {
    if (!isCurrent(target, deployment)) return;
    pending.delete(deployment);
    const now = runtime.clock.nowMs() / 1000;
    if (outcome.status === 'CANCELLED') {
      Object.assign(record, restore);
      finishDeployment(deployment, record, 'CANCELLED', now, 'User initiated cancellation.');
    } else if (outcome.status === 'SUCCEEDED') {
      const outputs = outcome.outputs ?? generateOutputs(ctx, target, rendered && 'outputs' in rendered ? rendered.outputs : []);
      deployment.outputs = outputs;
      record.outputs = outputs;
      record.provisionedResources = target.fixedOutputs ? [] : provisionedResources(ctx, target);
      record.lastSucceededDeploymentId = deployment.id;
      record.lastDeploymentSucceededAt = now;
      finishDeployment(deployment, record, 'SUCCEEDED', now, undefined);
    } else {
      finishDeployment(deployment, record, 'FAILED', now, outcome.message);
    }
    options.onSettled?.(outcome.status);
  };
  pending.set(deployment, settle);

  if (target.fixedOutputs) {
    settle({ status: 'SUCCEEDED', outputs: target.fixedOutputs() });
  } else if (!target.selfManaged) {
    runtime.scheduler.after(runtime.scenario.durations.deploymentMs, `deploy ${target.targetKey} ${deployment.id}`, () => {
      const failure = rendered && 'failure' in rendered ? rendered.failure : runtime.scenario.consumeDeploymentFailure(target.targetKey);
      settle(failure === undefined ? { status: 'SUCCEEDED' } : { status: 'FAILED', message: failure });
    });
  }
  return deployment;
}

/**
 * CancelXDeployment: only an update deployment that is `IN_PROGRESS` can be cancelled (doc);
 * anything else is a ConflictException naming the status.
 */
export function cancel(ctx: RequestContext, target: DeploymentTarget, description: string): void {
  const record = target.record;
  const deployment = record.lastAttemptedDeploymentId ? ctx.account.deployments.get(record.lastAttemptedDeploymentId) : undefined;
  if (record.deploymentStatus !== 'IN_PROGRESS' || !deployment || deployment.deploymentStatus !== 'IN_PROGRESS') {
    throw conflict(`${description} has deploymentStatus ${record.deploymentStatus}; only an IN_PROGRESS deployment can be cancelled.`);
  }
  if (!deployment.initialState) {
    throw conflict(`${description} is being created; only an update deployment can be cancelled. Delete the resource instead once the deployment finishes.`);
  }
  record.deploymentStatus = 'CANCELLING';
  deployment.deploymentStatus = 'CANCELLING';
  deployment.lastModifiedAt = ctx.nowSeconds();
  const runtime = ctx.runtime;
  runtime.scheduler.after(runtime.scenario.durations.cancellationMs, `cancel ${target.targetKey} ${deployment.id}`, () => {
    if (deployment.deploymentStatus === 'CANCELLING') pending.get(deployment)?.({ status: 'CANCELLED' });
  });
}

/**
 * Starts deleting `target`: `DELETE_IN_PROGRESS`, then after `durations.deletionMs` either
 * `onDeleted(true)` (the caller removes the record and its tags) or `DELETE_FAILED`.
 */
export function undeploy(ctx: RequestContext, target: DeploymentTarget, onDeleted: DeletedHook): DeploymentRecord {
  const record = target.record;
  const deployment = openDeployment(ctx, target, 'DELETE_IN_PROGRESS', target.state(), undefined);
  const runtime = ctx.runtime;
  pending.set(deployment, (outcome) => {
    if (!isCurrent(target, deployment)) return;
    pending.delete(deployment);
    const now = runtime.clock.nowMs() / 1000;
    if (outcome.status === 'SUCCEEDED') {
      finishDeployment(deployment, record, 'DELETE_COMPLETE', now, undefined);
      onDeleted(true);
    } else {
      finishDeployment(deployment, record, 'DELETE_FAILED', now, outcome.status === 'FAILED' ? outcome.message : undefined);
      onDeleted(false);
    }
  });
  if (!target.selfManaged) {
    // A customer-managed environment has nothing to deprovision: it goes at once.
    const delay = target.fixedOutputs ? 0 : runtime.scenario.durations.deletionMs;
    runtime.scheduler.after(delay, `delete ${target.targetKey} ${deployment.id}`, () => {
      const failure = runtime.scenario.consumeDeletionFailure(target.targetKey);
      pending.get(deployment)?.(failure === undefined ? { status: 'SUCCEEDED' } : { status: 'FAILED', message: failure });
    });
  }
  return deployment;
}

/**
 * Settles the open deployment of a self-managed resource (NotifyResourceDeploymentStatusChange).
 * Returns false when the resource has no deployment waiting for a notification.
 */
export function settleFromNotification(account: AccountState, target: DeploymentTarget, outcome: Outcome): boolean {
  const id = target.record.lastAttemptedDeploymentId;
  const deployment = id ? account.deployments.get(id) : undefined;
  const settle = deployment ? pending.get(deployment) : undefined;
  if (!settle) return false;
  settle(outcome);
  return true;
}

/**
 * Whether the resource `resourceArn` (or, for a service, one of its parts `<arn>/...`) was
 * deleted, per the DELETE_COMPLETE deployment records: a retried async delete of a resource that
 * no longer exists then answers `{}` instead of ResourceNotFoundException (§6.4).
 */
export function wasDeleted(account: AccountState, resourceArn: string): boolean {
  return [...account.deployments.values()].some((d) =>
    d.deploymentStatus === 'DELETE_COMPLETE' && (d.targetArn === resourceArn || d.targetArn.startsWith(`${resourceArn}/`)));
}

/** Outputs of the target's last successful deployment, or of the deployment `deploymentId`. */
export function listOutputs(account: AccountState, target: DeploymentTarget, deploymentId: string | undefined): Output[] {
  if (deploymentId === undefined) return target.record.outputs;
  const deployment = account.deployments.get(deploymentId);
  if (!deployment || deployment.targetArn !== target.record.arn) {
    throw notFound(`Deployment ${deploymentId} of ${target.targetKey} not found.`);
  }
  return deployment.outputs;
}

/**
 * Whether any deployed resource uses the template version (blocks deleting it, §6.5):
 * environments for ENVIRONMENT templates; service instances and pipelines for SERVICE ones.
 */
export function isTemplateVersionInUse(account: AccountState, kind: TemplateKind, name: string, major: string, minor: string): boolean {
  const uses = (r: { templateName: string; templateMajorVersion: string; templateMinorVersion: string }) =>
    r.templateName === name && r.templateMajorVersion === major && r.templateMinorVersion === minor;
  if (kind === 'ENVIRONMENT') {
    return [...account.environments.values()].some(uses);
  }
  return [...account.services.values()].some((service) =>
    (service.pipeline !== undefined && uses(service.pipeline)) || [...service.instances.values()].some(uses));
}

function openDeployment(
  ctx: RequestContext,
  target: DeploymentTarget,
  status: 'IN_PROGRESS' | 'DELETE_IN_PROGRESS',
  initialState: DeploymentState | undefined,
  targetState: DeploymentState | undefined,
): DeploymentRecord {
  const record = target.record;
  const id = ctx.runtime.newId();
  const now = ctx.nowSeconds();
  const deployment: DeploymentRecord = {
    id,
    arn: arn(ctx, `deployment/${id}`),
    targetArn: record.arn,
    targetResourceType: target.resourceType,
    targetResourceCreatedAt: record.createdAt,
    environmentName: target.environmentName,
    serviceName: target.serviceName,
    serviceInstanceName: target.serviceInstanceName,
    componentName: target.componentName,
    deploymentStatus: status,
    initialState,
    targetState,
    lastAttemptedDeploymentId: record.lastAttemptedDeploymentId,
    lastSucceededDeploymentId: record.lastSucceededDeploymentId,
    outputs: [],
    createdAt: now,
    lastModifiedAt: now,
  };
  ctx.account.deployments.set(id, deployment);
  record.deploymentStatus = status;
  record.deploymentStatusMessage = undefined;
  record.lastAttemptedDeploymentId = id;
  record.lastDeploymentAttemptedAt = now;
  return deployment;
}

function finishDeployment(
  deployment: DeploymentRecord,
  record: Deployable,
  status: DeploymentRecord['deploymentStatus'],
  now: number,
  message: string | undefined,
): void {
  deployment.deploymentStatus = status;
  deployment.deploymentStatusMessage = message;
  deployment.completedAt = now;
  deployment.lastModifiedAt = now;
  record.deploymentStatus = status;
  record.deploymentStatusMessage = message;
}

/** A deployment settles only while it is the target's latest attempt and still open. */
function isCurrent(target: DeploymentTarget, deployment: DeploymentRecord): boolean {
  return target.record.lastAttemptedDeploymentId === deployment.id && isInFlight(deployment.deploymentStatus);
}

function generateOutputs(ctx: RequestContext, target: DeploymentTarget, rendered: readonly RenderedOutput[]): Output[] {
  const values = new Map(rendered.map(({ key, literal }) => [key, literal ?? `${target.targetKey}/${key}`]));
  for (const [key, value] of Object.entries(ctx.runtime.scenario.outputOverrides(target.targetKey) ?? {})) {
    values.set(key, value);
  }
  return [...values].map(([key, valueString]) => ({ key, valueString }));
}

/**
 * One provisioned resource per target (inferred): the CloudFormation stack Proton manages,
 * `AWSProton-<targetKey with '-' for '/'>` (its id fixed by the first successful deployment), or
 * for Terraform the module of that name identified by the target's ARN.
 */
function provisionedResources(ctx: RequestContext, target: DeploymentTarget): ProvisionedResource[] {
  const stackName = `AWSProton-${target.targetKey.replace(/\//g, '-')}`;
  if (target.provisioningEngine === 'TERRAFORM') {
    return [{ name: stackName, identifier: target.record.arn, provisioningEngine: 'TERRAFORM' }];
  }
  const previous = target.record.provisionedResources[0]?.identifier;
  const stackId = previous ?? `arn:aws:cloudformation:${ctx.region}:${ctx.accountId}:stack/${stackName}/${target.record.lastAttemptedDeploymentId}`;
  return [{ name: stackName, identifier: stackId, provisioningEngine: 'CLOUDFORMATION' }];
}

