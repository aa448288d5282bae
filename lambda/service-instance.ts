import {
  CancelServiceInstanceDeploymentCommand,
  CreateServiceInstanceCommand,
  GetServiceCommand,
  GetServiceInstanceCommand,
  ListServiceInstanceOutputsCommand,
  ServiceInstance,
  UpdateServiceCommand,
  UpdateServiceInstanceCommand,
} from '@aws-sdk/client-proton';
import { clientToken } from './engine/client-token';
import {
  DeploymentDriver, DeploymentPlan, assertWithinBudget, deletingWithinBudget, awaitDeployment, bookkeepingData, deploymentPhase, deploymentTypeFor,
  readBookkeeping, selectOutputs, startOrDefer,
} from './engine/deployment';
import { failure, isProtonError } from './engine/errors';
import { log } from './engine/log';
import { foreignResourceMessage, getOrUndefined, requireOwned } from './engine/name-keyed-create';
import { deleteIfOwned } from './engine/owned-delete';
import { PropertyReader } from './engine/properties';
import { ResourceHandler, UpdatePlan, planUpdate } from './engine/resource-handler';
import { isServiceDeploying, listServiceInstances, servicePhase } from './engine/service-activity';
import { Inputs, canonical, instanceInputsIn, parseInputs, specDocument } from './engine/service-spec';
import { assertCustomerTags, isOwnedBy, listTags, ownershipTags, syncCustomerTags, toProtonTags } from './engine/tags';
import { ServiceInstanceData, ServiceInstanceProperties } from '../src/custom-resources/contract';

const KIND = 'service instance';
/** Where a foreign instance's refusal points: instances are imported through their service. */
const IMPORT_HINT = 'the Service construct of the service that owns it';

/** Properties Proton cannot update: changing one replaces the instance. */
const IMMUTABLE: ReadonlyArray<keyof ServiceInstanceProperties> = ['ServiceName', 'Name', 'Environment'];

/**
 * `Custom::ProtonServiceInstance`: one instance added to an existing service with
 * CreateServiceInstance (a client token per request, ownership tags for replays), updated with
 * UpdateServiceInstance, and removed — Proton has no DeleteServiceInstance — by UpdateService
 * with the service's other instances as deployed.
 *
 * The create is made by isComplete, once CloudFormation knows the physical id (onEvent only
 * checks that no foreign instance holds the name); every check of a create that finds the
 * instance confirms it carries this resource's ownership tags.
 *
 * Proton answers ConflictException both while something of the service deploys and when it
 * refuses the change: after a Conflict the handler asks whether anything deploys. If so, a create
 * waits (the next check tries again with the same client token) and a removal is retried; if not,
 * the request fails at once with Proton's message (e.g. a component attached to a removed instance).
 */
export class ServiceInstanceHandler extends ResourceHandler<ServiceInstanceProperties, ServiceInstanceData & Record<string, string>> {


  protected parseProperties(reader: PropertyReader): ServiceInstanceProperties {
    return {
      ServiceName: reader.requiredString('ServiceName'),
      Name: reader.requiredString('Name'),
      Environment: reader.requiredString('Environment'),
      Inputs: reader.optionalString('Inputs') ?? '{}',
      TemplateMajorVersion: reader.optionalString('TemplateMajorVersion'),
      TemplateMinorVersion: reader.optionalString('TemplateMinorVersion'),
      Tags: reader.optionalStringMap('Tags'),
      Outputs: reader.optionalStringList('Outputs') ?? [],
    };
  }

  protected identity(props: ServiceInstanceProperties): string {
    return `${props.ServiceName}/${props.Name}`;
  }

  protected analyzeUpdate(oldProps: ServiceInstanceProperties, newProps: ServiceInstanceProperties): UpdatePlan {
    return planUpdate(oldProps, newProps, IMMUTABLE);
  }

  protected sameIdentityReplacementMessage(identity: string, reasons: readonly string[]): string {
    return `Cannot replace Proton service instance '${identity}': ${reasons.join(', ')} changed, which Proton cannot update in place, `
      + 'and the replacement would reuse the same instance name. Fix: also change the instance name, or revert the change.';
  }

  protected async onCreate(): Promise<string> {
    const props = this.props;
    assertCustomerTags(props.Tags ?? {});
    const existing = await this.get(props.ServiceName, props.Name);
    if (existing !== undefined) this.assertOwned(await listTags(this.proton, existing.arn!));
    this.onEventData = bookkeepingData(this.clock.nowSeconds(), { kind: 'none' });
    return this.identity(props);
  }

  protected async onUpdateInPlace(oldProps: ServiceInstanceProperties): Promise<void> {
    const props = this.props;
    const { existing: instance, tags } = await requireOwned(this.proton, this.event, {
      kind: KIND,
      name: this.identity(props),
      importHint: IMPORT_HINT,
      goneMessage: `Proton service instance '${this.identity(props)}' no longer exists; it was removed outside CloudFormation.`,
      get: () => this.get(props.ServiceName, props.Name),
    });
    await syncCustomerTags(this.proton, instance.arn!, tags, props.Tags ?? {});
    const type = deploymentTypeFor(this.deployed(oldProps, instance), this.deployed(props, instance), describeInstance(this.identity(props)));
    const plan = type === 'NONE' ? { kind: 'none' as const } : await startOrDefer(this.driver(), instance, type, false);
    this.onEventData = bookkeepingData(this.clock.nowSeconds(), plan);
  }

  protected async isCreateComplete(): Promise<(ServiceInstanceData & Record<string, string>) | undefined> {
    const props = this.props;
    const instance = await this.get(props.ServiceName, props.Name);
    if (instance === undefined) {
      if (!this.creating) {
        throw failure(`Proton service instance '${this.identity(props)}' no longer exists: it was removed outside CloudFormation while it deployed.`);
      }
      if (!await this.waitingForService('it could not be added yet, its service is still')) await this.tryCreate();
      return undefined;
    }
    const { startedAt, plan } = this.creating
      ? { startedAt: readBookkeeping(this.event.Data).startedAt, plan: await this.adoptionPlan(instance) }
      : readBookkeeping(this.event.Data);
    const cancellable = this.event.RequestType === 'Update' && !this.creating;
    if (!await awaitDeployment(this.driver(), { view: instance, plan, startedAt, clock: this.clock, cancellable })) return undefined;
    const requested = props.Outputs ?? [];
    let outputs = {};
    if (requested.length > 0) {
      const input = { serviceName: props.ServiceName, serviceInstanceName: props.Name };
      const listed = await this.proton.send(new ListServiceInstanceOutputsCommand(input));
      outputs = selectOutputs(describeInstance(this.identity(props)), requested, listed.outputs ?? []);
    }
    return { ...outputs, Arn: instance.arn!, Name: instance.name!, ServiceName: instance.serviceName! };
  }

  protected async recordDeleteStart(): Promise<void> {
    await this.recordRequestStart(() => this.get(this.props.ServiceName, this.props.Name));
  }

  protected deleteStep(physicalId: string): Promise<boolean> {
    const what = describeInstance(physicalId);
    return deleteIfOwned(this.proton, this.event, {
      kind: KIND,
      name: physicalId,
      get: () => this.get(this.props.ServiceName, this.props.Name),
      arnOf: (instance) => instance.arn!,
      deleting: deletingWithinBudget(what, this.clock, (instance) => instance.deploymentStatus, attemptedAt),
      proceed: async (instance) => {
        // A removal that failed before this request is tried again; one that failed during it is final.
        if (instance.deploymentStatus === 'DELETE_FAILED' && !this.isFirstCheck()) {
          throw failure(`Could not remove Proton service instance '${physicalId}': DELETE_FAILED: ${instance.deploymentStatusMessage ?? 'Proton gave no message'}`);
        }
        if (deploymentPhase(instance.deploymentStatus, what) === 'in-progress') {
          assertWithinBudget({ what }, { startedAt: attemptedAt(instance), clock: this.clock }, `it is still ${instance.deploymentStatus}`);
        }
        await this.removeWhenSettled(instance);
        return 'waiting';
      },
      // Proton drops the instance before it finishes the UpdateService that removed it, and until
      // then the service refuses other changes (a CreateServiceInstance right after would Conflict).
      settledWhenGone: async () => !await this.waitingForService('it was removed, but its service is still'),
    });
  }

  /** Refuses an instance this resource did not create. */
  private assertOwned(tags: Record<string, string>): void {
    if (!isOwnedBy(tags, this.event)) {
      throw failure(foreignResourceMessage(KIND, this.identity(this.props), IMPORT_HINT, this.event));
    }
  }

  /**
   * What a create waits for, once the instance exists and is confirmed this resource's: its own
   * deployment, once it runs what the properties ask. An instance created by an earlier attempt
   * may run something else: the deployment that brings it to the properties is started (by
   * awaitDeployment) as soon as it is not busy.
   */
  private async adoptionPlan(instance: ServiceInstance): Promise<DeploymentPlan> {
    const tags = await listTags(this.proton, instance.arn!);
    this.assertOwned(tags);
    await syncCustomerTags(this.proton, instance.arn!, tags, this.props.Tags ?? {});
    const current = {
      spec: canonical(instanceInputsIn(instance.spec, instance.name!) ?? {}),
      majorVersion: instance.templateMajorVersion!,
      minorVersion: this.props.TemplateMinorVersion === undefined ? undefined : instance.templateMinorVersion,
    };
    const type = deploymentTypeFor(current, this.deployed(this.props, instance), describeInstance(this.identity(this.props)));
    return type === 'NONE' ? { kind: 'started', baseline: '' } : { kind: 'deferred', type, baseline: instance.lastAttemptedDeploymentId ?? '' };
  }

  /**
   * CreateServiceInstance with this request's client token (a deferred create retries with the
   * same one); `false` when Proton answered Conflict because the service is busy.
   */
  private async tryCreate(): Promise<boolean> {
    const props = this.props;
    try {
      await this.proton.send(new CreateServiceInstanceCommand({
        serviceName: props.ServiceName,
        name: props.Name,
        spec: this.document(),
        templateMajorVersion: props.TemplateMajorVersion,
        templateMinorVersion: props.TemplateMinorVersion,
        tags: toProtonTags({ ...props.Tags, ...ownershipTags(this.event) }),
        clientToken: clientToken(this.event, 'create'),
      }));
    } catch (error) {
      // Proton answers Conflict both while the service deploys (add the instance later) and when it refuses the instance (fail now).
      if (isProtonError(error, 'ConflictException') && await isServiceDeploying(this.proton, props.ServiceName)) {
        log('create deferred: service busy', { name: this.identity(props), errorName: 'ConflictException' });
        this.assertWithinBudget('its service is still busy');
        return false;
      }
      throw failure(`Could not add instance '${props.Name}' to Proton service '${props.ServiceName}'`, error);
    }
    log('created service instance', { name: this.identity(props) });
    return true;
  }

  /** Whether the service runs an operation (status `*_IN_PROGRESS`); fails once past the budget, saying `why` and the status. */
  private async waitingForService(why: string): Promise<boolean> {
    const name = this.props.ServiceName;
    const service = await getOrUndefined(async () => (await this.proton.send(new GetServiceCommand({ name }))).service!);
    if (service === undefined || servicePhase(service.status, `Proton service '${name}'`) !== 'in-progress') return false;
    this.assertWithinBudget(`${why} ${service.status}`);
    return true;
  }

  /** Fails the request once it outlives the budget, saying `why`. */
  private assertWithinBudget(why: string): void {
    const budget = { startedAt: readBookkeeping(this.event.Data).startedAt, clock: this.clock };
    assertWithinBudget({ what: describeInstance(this.identity(this.props)) }, budget, why);
  }

  /** UpdateService with every other instance as deployed, unless something is still running. */
  private async removeWhenSettled(instance: ServiceInstance): Promise<void> {
    const { ServiceName: serviceName, Name: name } = this.props;
    if (deploymentPhase(instance.deploymentStatus, describeInstance(this.identity(this.props))) === 'in-progress') return;
    const others: Array<{ Name: string; Environment: string; inputs: Inputs }> = [];
    for (const summary of await listServiceInstances(this.proton, serviceName)) {
      if (summary.name === name) continue;
      const other = (await this.get(serviceName, summary.name!))!;
      others.push({ Name: other.name!, Environment: other.environmentName!, inputs: instanceInputsIn(other.spec, other.name!) ?? {} });
    }
    if (others.length === 0) {
      throw failure(`Cannot remove instance '${name}' of Proton service '${serviceName}': it is the service's last instance, and a service keeps at least one. `
        + 'Delete the service instead, or add another instance first.');
    }
    try {
      await this.proton.send(new UpdateServiceCommand({ name: serviceName, spec: specDocument(others, undefined) }));
      log('removing service instance', { name: this.identity(this.props), operation: 'UpdateService' });
    } catch (error) {
      if (isProtonError(error, 'ResourceNotFoundException')) return;
      if (!isProtonError(error, 'ConflictException')) throw failure(`Could not remove instance '${name}' of Proton service '${serviceName}'`, error);
      // Proton answers Conflict both while something deploys (retry later) and when it refuses the removal (fail now).
      if (await isServiceDeploying(this.proton, serviceName, name)) {
        log('removal waits: the service, an instance or an attached component is deploying', { name: this.identity(this.props), errorName: 'ConflictException' });
        return;
      }
      throw failure(refusedRemovalMessage(name, serviceName), error);
    }
  }

  private driver(): DeploymentDriver {
    const { ServiceName: serviceName, Name: name } = this.props;
    return {
      what: describeInstance(this.identity(this.props)),
      start: async (type) => {
        const current = await this.get(serviceName, name);
        await this.proton.send(new UpdateServiceInstanceCommand({
          serviceName,
          name,
          deploymentType: type,
          spec: type === 'NONE' ? undefined : this.document(),
          templateMajorVersion: type === 'MAJOR_VERSION' ? this.props.TemplateMajorVersion : undefined,
          templateMinorVersion: type === 'MAJOR_VERSION' || type === 'MINOR_VERSION' ? this.props.TemplateMinorVersion : undefined,
          clientToken: clientToken(this.event, `update:${type}:${current?.lastAttemptedDeploymentId ?? ''}`),
        }));
      },
      cancel: async () => {
        await this.proton.send(new CancelServiceInstanceDeploymentCommand({ serviceName, serviceInstanceName: name }));
      },
    };
  }

  /** What `props` ask of the instance, versions defaulting to what it runs. */
  private deployed(props: ServiceInstanceProperties, instance: ServiceInstance) {
    return {
      spec: canonical(parseInputs(props.Inputs, 'Custom::ProtonServiceInstance property Inputs')),
      majorVersion: props.TemplateMajorVersion ?? instance.templateMajorVersion!,
      minorVersion: props.TemplateMinorVersion,
    };
  }

  private document(): string {
    const props = this.props;
    return specDocument([{ Name: props.Name, Environment: props.Environment, inputs: parseInputs(props.Inputs, 'Custom::ProtonServiceInstance property Inputs') }], undefined);
  }

  private get(serviceName: string, name: string): Promise<ServiceInstance | undefined> {
    return getOrUndefined(async () => (await this.proton.send(new GetServiceInstanceCommand({ serviceName, name }))).serviceInstance!);
  }
}

/** When Proton started the instance's last deployment (or its removal), in epoch seconds. */
function attemptedAt(instance: ServiceInstance): number | undefined {
  const at = instance.lastDeploymentAttemptedAt ?? instance.createdAt;
  return at === undefined ? undefined : Math.floor(at.getTime() / 1000);
}

function describeInstance(identity: string): string {
  return `Proton service instance '${identity}'`;
}

/** Why UpdateService without the instance was refused while nothing deployed, with the fix for an attached component. */
function refusedRemovalMessage(name: string, serviceName: string): string {
  return `Cannot remove instance '${name}' of Proton service '${serviceName}': Proton refused it while nothing of the service was deploying, `
    + 'which it does while a component is attached to the instance. Fix: detach or delete the component first, in an earlier deployment, '
    + 'or make CloudFormation delete it before the instance (component.node.addDependency(serviceInstance), or put the component in a stack '
    + 'that depends on the instance\'s stack).';
}
