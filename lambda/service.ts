import {
  CancelServiceInstanceDeploymentCommand,
  CancelServicePipelineDeploymentCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  GetServiceCommand,
  GetServiceInstanceCommand,
  ListServiceInstanceOutputsCommand,
  ListServicePipelineOutputsCommand,
  Service,
  UpdateServiceCommand,
  UpdateServiceInstanceCommand,
  UpdateServicePipelineCommand,
} from '@aws-sdk/client-proton';
import { clientToken } from './engine/client-token';
import {
  DeploymentType, assertWithinBudget, deletingWithinBudget, deploymentPhase, deploymentTypeFor, readBookkeeping, selectOutputs,
} from './engine/deployment';
import { failure, isProtonError } from './engine/errors';
import { log } from './engine/log';
import { getOrUndefined, requireOwned } from './engine/name-keyed-create';
import { deleteIfOwned } from './engine/owned-delete';
import { PropertyReader } from './engine/properties';
import { ResourceHandler, UpdatePlan, planUpdate } from './engine/resource-handler';
import { isServiceDeploying, listServiceInstances, servicePhase } from './engine/service-activity';
import { Inputs, canonical, instanceInputsIn, parseInputs, pipelineInputsIn, specDocument } from './engine/service-spec';
import { assertCustomerTags, syncCustomerTags, toProtonTags } from './engine/tags';
import {
  DEPLOYMENT_BUDGET_SECONDS, DeploymentBookkeeping, OUTPUT_ATTRIBUTE_PREFIX, PIPELINE_OUTPUT_ATTRIBUTE_PREFIX,
  ServiceData, ServiceInstanceEntry, ServiceProperties,
} from '../src/custom-resources/contract';

const KIND = 'service';

/** Properties Proton cannot update: changing one replaces the service. */
const IMMUTABLE: ReadonlyArray<keyof ServiceProperties> = ['Name', 'TemplateName', 'RepositoryConnectionArn', 'RepositoryId', 'BranchName'];

/** A deployable part of a service as Proton reports it (an instance or the pipeline). */
interface Part {
  readonly deploymentStatus?: string;
  readonly deploymentStatusMessage?: string;
  readonly lastDeploymentAttemptedAt?: Date;
  readonly templateMajorVersion?: string;
  readonly templateMinorVersion?: string;
  readonly spec?: string;
}

/**
 * `Custom::ProtonService`: a service with its instances (and pipeline). Every request converges
 * the service on the properties, one Proton call at a time, in `isComplete` (a create is made by
 * the first isComplete, once CloudFormation knows the name):
 * 1. wait while the service is busy; a failure that happened during this request fails it with
 *    Proton's status message;
 * 2. instances added or removed → UpdateService with the kept instances as deployed and the new
 *    ones (Proton refuses edits of existing instances there), and a changed description; a
 *    Conflict while nothing deploys is a refusal (e.g. a component attached to a removed
 *    instance) and fails the request at once;
 * 3. each instance whose inputs or template version differ → UpdateServiceInstance (CURRENT /
 *    MINOR / MAJOR_VERSION, with a client token per attempt);
 * 4. the pipeline likewise → UpdateServicePipeline.
 * A part that is still deploying past the budget is cancelled. Failures are attributed to this
 * request when Proton attempted them at or after the request started (on Proton's clock).
 */
export class ServiceHandler extends ResourceHandler<ServiceProperties, ServiceData & Record<string, string>> {
  /** A create's start on Proton's clock: when the service was created (read by each check). */
  private createdAt?: number;


  protected parseProperties(reader: PropertyReader): ServiceProperties {
    const instances = reader.objectList('Instances').map((r) => ({
      Name: r.requiredString('Name'),
      Environment: r.requiredString('Environment'),
      Inputs: r.optionalString('Inputs') ?? '{}',
    }));
    const props: ServiceProperties = {
      Name: reader.requiredString('Name'),
      TemplateName: reader.requiredString('TemplateName'),
      TemplateMajorVersion: reader.requiredString('TemplateMajorVersion'),
      TemplateMinorVersion: reader.optionalString('TemplateMinorVersion'),
      Description: reader.optionalString('Description'),
      Instances: instances,
      PipelineInputs: reader.optionalString('PipelineInputs'),
      RepositoryConnectionArn: reader.optionalString('RepositoryConnectionArn'),
      RepositoryId: reader.optionalString('RepositoryId'),
      BranchName: reader.optionalString('BranchName'),
      Tags: reader.optionalStringMap('Tags'),
      InstanceOutputs: reader.optionalStringList('InstanceOutputs') ?? [],
      PipelineOutputs: reader.optionalStringList('PipelineOutputs') ?? [],
    };
    if (instances.length === 0) {
      throw failure(`Service '${props.Name}' has no instances: Proton needs at least one. Add one with addInstance(name, { environment }).`);
    }
    return props;
  }

  protected identity(props: ServiceProperties): string {
    return props.Name;
  }

  protected analyzeUpdate(oldProps: ServiceProperties, newProps: ServiceProperties): UpdatePlan {
    return planUpdate(oldProps, newProps, IMMUTABLE);
  }

  protected sameIdentityReplacementMessage(name: string, reasons: readonly string[]): string {
    return `Cannot replace Proton service '${name}': ${reasons.join(', ')} changed, which Proton cannot update in place, `
      + `and the replacement would reuse the name '${name}' (CloudFormation creates the replacement before deleting the original, `
      + 'and Proton names are unique). Fix: also change serviceName, or omit it so that cdk-proton generates a new name '
      + 'for every replacement; or revert the change.';
  }

  protected async onCreate(): Promise<string> {
    assertCustomerTags(this.props.Tags ?? {});
    await this.recordRequestStart(() => this.get(this.props.Name));
    return this.props.Name;
  }

  /** The service, created by the first check of a create (`createdOnFirstCheck`). */
  private created(name: string): Promise<Service | undefined> {
    const props = this.props;
    return this.createdOnFirstCheck(() => this.get(name), async () => ({
      kind: KIND,
      name: props.Name,
      importHint: `Service.fromServiceName(scope, id, '${props.Name}')`,
      get: () => this.get(props.Name),
      create: async (ownership) => {
        const response = await this.proton.send(new CreateServiceCommand({
          name: props.Name,
          templateName: props.TemplateName,
          templateMajorVersion: props.TemplateMajorVersion,
          templateMinorVersion: props.TemplateMinorVersion,
          description: props.Description,
          spec: specDocument(props.Instances.map((i) => ({ ...i, inputs: inputsOf(i) })), pipelineInputsOf(props)),
          repositoryConnectionArn: props.RepositoryConnectionArn,
          repositoryId: props.RepositoryId,
          branchName: props.BranchName,
          tags: toProtonTags({ ...props.Tags, ...ownership }),
        }));
        return response.service!;
      },
      // A replayed create: the checks converge the adopted service on the properties.
      adopt: async (existing, tags) => syncCustomerTags(this.proton, existing.arn!, tags, props.Tags ?? {}),
    }));
  }

  protected async onUpdateInPlace(_oldProps: ServiceProperties, name: string): Promise<void> {
    const { existing, tags } = await requireOwned(this.proton, this.event, {
      kind: KIND,
      name,
      importHint: `Service.fromServiceName(scope, id, '${name}')`,
      goneMessage: `Proton service '${name}' no longer exists; it was deleted outside CloudFormation. `
        + 'Remove the resource from the stack and add it again (or change serviceName) to recreate it.',
      get: () => this.get(name),
    });
    await syncCustomerTags(this.proton, existing.arn!, tags, this.props.Tags ?? {});
    // The Proton calls are made by isComplete, which waits for each (and for anything already running).
    this.recordStart();
  }

  protected async recordDeleteStart(): Promise<void> {
    await this.recordRequestStart(() => this.get(this.props.Name));
  }

  protected deleteStep(name: string): Promise<boolean> {
    const what = describeService(name);
    return deleteIfOwned(this.proton, this.event, {
      kind: KIND,
      name: name,
      get: () => this.get(name),
      arnOf: (service) => service.arn!,
      deleting: deletingWithinBudget(what, this.clock, (service) => service.status, (service) => seconds(service.lastModifiedAt)),
      proceed: async (service) => {
        // A delete that failed before this request is tried again; one that failed during it is final.
        if (service.status === 'DELETE_FAILED' && !this.isFirstCheck()) {
          throw failure(`Could not delete Proton service '${name}': DELETE_FAILED: ${service.statusMessage ?? 'Proton gave no message'}`);
        }
        if (servicePhase(service.status, what) === 'in-progress') {
          assertWithinBudget({ what }, { startedAt: seconds(service.lastModifiedAt), clock: this.clock }, `it is still ${service.status}`);
        }
        await this.deleteWhenSettled(service);
        return 'waiting';
      },
    });
  }

  protected async isCreateComplete(name: string): Promise<(ServiceData & Record<string, string>) | undefined> {
    const service = this.creating ? await this.created(name) : await this.get(name);
    if (service === undefined) {
      throw failure(`Proton service '${name}' no longer exists: it was deleted outside CloudFormation while it deployed.`);
    }
    if (this.creating) this.createdAt = seconds(service.createdAt);
    if (!await this.converge(service)) return undefined;
    return { ...await this.outputs(name), Arn: service.arn!, Name: service.name! };
  }

  /** One convergence step; `true` once the service, its instances and pipeline match the properties. */
  private async converge(service: Service): Promise<boolean> {
    const name = service.name!;
    const what = describeService(name);
    const phase = servicePhase(service.status, what);
    if (phase === 'in-progress') {
      assertWithinBudget({ what }, { startedAt: this.startedAt(), clock: this.clock }, `it is still ${service.status}`);
      return false;
    }
    if (phase === 'failed' && this.duringRequest(service.lastModifiedAt)) {
      throw failure(`${what} ${service.status}: ${service.statusMessage ?? 'Proton gave no message'}`);
    }
    if (await this.updateInstanceSet(service)) return false;
    let busy = false;
    for (const entry of this.props.Instances) {
      const instance = (await this.proton.send(new GetServiceInstanceCommand({ serviceName: name, name: entry.Name }))).serviceInstance!;
      busy = await this.convergePart(`${what} instance '${entry.Name}'`, instance, inputsOf(entry), instanceInputsIn(instance.spec, entry.Name), {
        update: (type) => this.proton.send(new UpdateServiceInstanceCommand({
          serviceName: name,
          name: entry.Name,
          deploymentType: type,
          spec: type === 'NONE' ? undefined : this.desiredDocument(service),
          ...this.versionMembers(type),
          clientToken: clientToken(this.event, `update-instance:${entry.Name}:${instance.lastAttemptedDeploymentId ?? ''}`),
        })),
        cancel: () => this.proton.send(new CancelServiceInstanceDeploymentCommand({ serviceName: name, serviceInstanceName: entry.Name })),
      }) || busy;
    }
    const pipelineInputs = pipelineInputsOf(this.props);
    if (service.pipeline && pipelineInputs !== undefined) {
      busy = await this.convergePart(`${what} pipeline`, service.pipeline, pipelineInputs, pipelineInputsIn(service.pipeline), {
        update: (type) => this.proton.send(new UpdateServicePipelineCommand({
          serviceName: name,
          deploymentType: type,
          spec: this.desiredDocument(service),
          ...this.versionMembers(type),
        })),
        cancel: () => this.proton.send(new CancelServicePipelineDeploymentCommand({ serviceName: name })),
      }) || busy;
    }
    return !busy;
  }

  /**
   * Adds and removes instances (UpdateService), and updates the description; `true` when a call
   * was made or Proton answered Conflict while something deploys (the service is then busy).
   */
  private async updateInstanceSet(service: Service): Promise<boolean> {
    const name = service.name!;
    const deployed = new Map((await listServiceInstances(this.proton, name)).map((summary) => [summary.name!, summary.environmentName!]));
    const desired = this.props.Instances;
    const moved = desired.filter((i) => deployed.has(i.Name) && deployed.get(i.Name) !== i.Environment);
    if (moved.length > 0) {
      throw failure(`${describeService(name)}: instance(s) ${moved.map((i) => `'${i.Name}'`).join(', ')} cannot move to another environment (Proton cannot move an instance). `
        + 'Give the instance a new name to create it in the new environment (the old one is removed).');
    }
    const added = desired.filter((i) => !deployed.has(i.Name));
    const removed = [...deployed.keys()].filter((n) => !desired.some((i) => i.Name === n));
    const description = this.props.Description ?? '';
    if (added.length === 0 && removed.length === 0) {
      if ((service.description ?? '') !== description) {
        await this.proton.send(new UpdateServiceCommand({ name, description }));
      }
      return false;
    }
    // Kept instances exactly as deployed: UpdateService may only add and remove.
    const kept = await Promise.all(desired.filter((i) => deployed.has(i.Name)).map(async (i) => {
      const instance = (await this.proton.send(new GetServiceInstanceCommand({ serviceName: name, name: i.Name }))).serviceInstance!;
      return { Name: i.Name, Environment: i.Environment, inputs: instanceInputsIn(instance.spec, i.Name) ?? {} };
    }));
    const pipeline = service.pipeline ? pipelineInputsIn(service.pipeline) : undefined;
    const spec = specDocument([...kept, ...added.map((i) => ({ ...i, inputs: inputsOf(i) }))], pipeline);
    try {
      await this.proton.send(new UpdateServiceCommand({ name, spec, description }));
    } catch (error) {
      if (!isProtonError(error, 'ConflictException')) throw failure(`Could not add or remove instances of ${describeService(name)}`, error);
      // Proton answers Conflict both while something deploys (wait) and when it refuses the change (fail now).
      if (await isServiceDeploying(this.proton, name)) return true;
      throw failure(refusedInstanceSetMessage(name, removed), error);
    }
    log('updating service instances', { name, operation: `UpdateService +${added.length} -${removed.length}` });
    return true;
  }

  /** Converges one instance or the pipeline; `true` while it is busy. */
  private async convergePart(
    what: string,
    part: Part,
    desiredInputs: Inputs,
    currentInputs: Inputs | undefined,
    calls: { update(type: DeploymentType): Promise<unknown>; cancel(): Promise<unknown> },
  ): Promise<boolean> {
    const phase = deploymentPhase(part.deploymentStatus, what);
    const ours = this.duringRequest(part.lastDeploymentAttemptedAt);
    if (phase === 'in-progress') {
      if (ours && part.deploymentStatus === 'IN_PROGRESS' && this.overBudget()) {
        await calls.cancel().catch((error) => {
          if (!isProtonError(error, 'ConflictException')) throw failure(`Could not cancel the deployment of ${what}`, error);
        });
        throw failure(`${what} was still deploying after ${DEPLOYMENT_BUDGET_SECONDS / 60} minutes, the budget of one CloudFormation request: `
          + 'cdk-proton cancelled the deployment. Find out why it is slow in the Proton console, then deploy again.');
      }
      assertWithinBudget({ what }, { startedAt: this.startedAt(), clock: this.clock }, `it is still ${part.deploymentStatus}`);
      return true;
    }
    if (phase === 'failed' && ours) {
      throw failure(`${what} deployment ${part.deploymentStatus}: ${part.deploymentStatusMessage ?? 'Proton gave no message'}`);
    }
    const current = {
      spec: canonical(currentInputs ?? {}),
      majorVersion: part.templateMajorVersion!,
      minorVersion: this.props.TemplateMinorVersion === undefined ? undefined : part.templateMinorVersion,
    };
    const desired = { spec: canonical(desiredInputs), majorVersion: this.props.TemplateMajorVersion, minorVersion: this.props.TemplateMinorVersion };
    const type = deploymentTypeFor(current, desired, what);
    if (type === 'NONE') return false;
    try {
      await calls.update(type);
    } catch (error) {
      if (isProtonError(error, 'ConflictException')) return true;
      throw failure(`Could not update ${what}`, error);
    }
    log('deploying service part', { name: what, operation: type });
    return true;
  }

  private versionMembers(type: DeploymentType): { templateMajorVersion?: string; templateMinorVersion?: string } {
    return {
      templateMajorVersion: type === 'MAJOR_VERSION' ? this.props.TemplateMajorVersion : undefined,
      templateMinorVersion: type === 'MAJOR_VERSION' || type === 'MINOR_VERSION' ? this.props.TemplateMinorVersion : undefined,
    };
  }

  /** The ServiceSpec of the properties (instances as desired, the pipeline as desired). */
  private desiredDocument(service: Service): string {
    const pipeline = service.pipeline ? pipelineInputsOf(this.props) ?? pipelineInputsIn(service.pipeline) : undefined;
    return specDocument(this.props.Instances.map((i) => ({ ...i, inputs: inputsOf(i) })), pipeline);
  }

  private async deleteWhenSettled(service: Service): Promise<void> {
    if (servicePhase(service.status, describeService(service.name!)) === 'in-progress') {
      log('delete waits for the running operation', { name: service.name, status: service.status });
      return;
    }
    try {
      await this.proton.send(new DeleteServiceCommand({ name: service.name! }));
      log('deleting service', { name: service.name });
    } catch (error) {
      if (isProtonError(error, 'ResourceNotFoundException', 'ConflictException')) return;
      throw failure(`Could not delete Proton service '${service.name}'`, error);
    }
  }

  /** The requested instance and pipeline outputs of the last successful deployments. */
  private async outputs(name: string): Promise<Record<string, string>> {
    const data: Record<string, string> = {};
    const byInstance = new Map<string, string[]>();
    for (const requested of this.props.InstanceOutputs ?? []) {
      const dot = requested.indexOf('.');
      const instance = requested.slice(0, dot);
      byInstance.set(instance, [...byInstance.get(instance) ?? [], requested.slice(dot + 1)]);
    }
    for (const [instance, keys] of byInstance) {
      const response = await this.proton.send(new ListServiceInstanceOutputsCommand({ serviceName: name, serviceInstanceName: instance }));
      for (const [key, value] of Object.entries(selectOutputs(`${describeService(name)} instance '${instance}'`, keys, response.outputs ?? []))) {
        data[`${OUTPUT_ATTRIBUTE_PREFIX}${instance}.${key.slice(OUTPUT_ATTRIBUTE_PREFIX.length)}`] = value;
      }
    }
    const pipelineKeys = this.props.PipelineOutputs ?? [];
    if (pipelineKeys.length > 0) {
      const response = await this.proton.send(new ListServicePipelineOutputsCommand({ serviceName: name }));
      for (const [key, value] of Object.entries(selectOutputs(`${describeService(name)} pipeline`, pipelineKeys, response.outputs ?? []))) {
        data[`${PIPELINE_OUTPUT_ATTRIBUTE_PREFIX}${key.slice(OUTPUT_ATTRIBUTE_PREFIX.length)}`] = value;
      }
    }
    return data;
  }

  private recordStart(): void {
    this.onEventData = { [DeploymentBookkeeping.STARTED_AT]: String(this.clock.nowSeconds()) };
  }

  /** When the request started on Proton's clock: a create's service was created then; other requests recorded it in onEvent. */
  private startedAt(): number | undefined {
    return this.creating ? this.createdAt : readBookkeeping(this.event.Data).startedAt;
  }

  /** Whether Proton recorded `at` during this request (on Proton's clock, second precision). */
  private duringRequest(at: Date | undefined): boolean {
    const started = this.startedAt();
    return at !== undefined && started !== undefined && at.getTime() / 1000 >= started;
  }

  private overBudget(): boolean {
    const started = this.startedAt();
    return started !== undefined && this.clock.nowSeconds() - started > DEPLOYMENT_BUDGET_SECONDS;
  }

  private get(name: string): Promise<Service | undefined> {
    return getOrUndefined(async () => (await this.proton.send(new GetServiceCommand({ name }))).service!);
  }
}

/** A Proton timestamp in epoch seconds. */
function seconds(at: Date | undefined): number | undefined {
  return at === undefined ? undefined : Math.floor(at.getTime() / 1000);
}

function describeService(name: string): string {
  return `Proton service '${name}'`;
}

/** Why UpdateService was refused while nothing deployed; for removed instances, the fix for an attached component. */
function refusedInstanceSetMessage(name: string, removed: readonly string[]): string {
  const message = `Proton refused to add or remove instances of ${describeService(name)} while nothing of the service was deploying.`;
  if (removed.length === 0) return message;
  return `${message} A component attached to a removed instance (${removed.map((n) => `'${n}'`).join(', ')}) must be detached or removed `
    + 'in an earlier deployment, then the instance removed in the next one: CloudFormation deletes a removed Component only after '
    + 'the service update, in its cleanup phase.';
}

function inputsOf(entry: ServiceInstanceEntry): Inputs {
  return parseInputs(entry.Inputs, `Custom::ProtonService property Instances.${entry.Name}.Inputs`);
}

function pipelineInputsOf(props: ServiceProperties): Inputs | undefined {
  return props.PipelineInputs === undefined ? undefined : parseInputs(props.PipelineInputs, 'Custom::ProtonService property PipelineInputs');
}
