import {
  CancelComponentDeploymentCommand,
  Component,
  CreateComponentCommand,
  DeleteComponentCommand,
  GetComponentCommand,
  GetServiceInstanceCommand,
  ListComponentOutputsCommand,
  UpdateComponentCommand,
} from '@aws-sdk/client-proton';
import type { UpdateComponentCommandInput } from '@aws-sdk/client-proton';
import { clientToken } from './engine/client-token';
import {
  DeploymentDriver, DeploymentPlan, DeploymentType, assertWithinBudget, deletingWithinBudget, awaitDeployment, bookkeepingData, deploymentPhase,
  readBookkeeping, selectOutputs, startOrDefer,
} from './engine/deployment';
import { failure, isProtonError } from './engine/errors';
import { log } from './engine/log';
import { getOrUndefined, requireOwned } from './engine/name-keyed-create';
import { deleteIfOwned } from './engine/owned-delete';
import { PropertyReader } from './engine/properties';
import { ResourceHandler, UpdatePlan, planUpdate } from './engine/resource-handler';
import { canonical, parseInputs, specDocument } from './engine/service-spec';
import { assertCustomerTags, syncCustomerTags, toProtonTags } from './engine/tags';
import { ComponentData, ComponentProperties } from '../src/custom-resources/contract';

const KIND = 'component';
const TYPE = 'Custom::ProtonComponent';

/** Properties UpdateComponent cannot change: changing one replaces the component. */
const IMMUTABLE: ReadonlyArray<keyof ComponentProperties> = ['Name', 'Manifest'];

/** What an UpdateComponent carries besides the name, type and token. */
type UpdateInput = Pick<UpdateComponentCommandInput, 'description' | 'templateFile' | 'serviceName' | 'serviceInstanceName' | 'serviceSpec'>;

/** Proton's detach: both attachment names empty. */
const DETACH = { serviceName: '', serviceInstanceName: '' } as const;

/** The service instance a component is attached to. */
interface Attachment {
  readonly serviceName: string;
  readonly serviceInstanceName: string;
}

/**
 * One UpdateComponent of an update: `detach` (names `""`), `attach` (names of a detached
 * component's new instance) or `deploy` (the attachment stays). Moving an attached component to
 * another instance is a detach, then an attach: Proton refuses a direct move.
 */
type Step = 'detach' | 'attach' | 'deploy';

/**
 * `Custom::ProtonComponent`: a directly defined component (a manifest and one IaC file), standalone
 * in an environment or attached to one service instance. Created with a client token and ownership
 * tags (by the first isComplete, once CloudFormation knows the name); updated with UpdateComponent (NONE when only the description changed, CURRENT_VERSION
 * otherwise), each step chosen from what Proton shows so that every `isComplete` call can carry on
 * where the last one stopped; detached before its asynchronous delete.
 */
export class ComponentHandler extends ResourceHandler<ComponentProperties, ComponentData & Record<string, string>> {
  /** Every attachment the handler renders is the properties' own: its instance's environment is read once. */
  private instanceEnvironmentRead?: Promise<string>;


  protected parseProperties(reader: PropertyReader): ComponentProperties {
    const props: ComponentProperties = {
      Name: reader.requiredString('Name'),
      EnvironmentName: reader.optionalString('EnvironmentName'),
      ServiceName: reader.optionalString('ServiceName'),
      ServiceInstanceName: reader.optionalString('ServiceInstanceName'),
      Manifest: reader.requiredString('Manifest'),
      TemplateFile: reader.requiredString('TemplateFile'),
      ServiceInstanceInputs: reader.optionalString('ServiceInstanceInputs'),
      Description: reader.optionalString('Description'),
      Tags: reader.optionalStringMap('Tags'),
      Outputs: reader.optionalStringList('Outputs') ?? [],
    };
    if ((props.ServiceName === undefined) !== (props.ServiceInstanceName === undefined)) {
      throw failure(`${TYPE} '${props.Name}': properties ServiceName and ServiceInstanceName go together (both to attach the component `
        + `to a service instance, neither for a standalone component); got only ${props.ServiceName !== undefined ? 'ServiceName' : 'ServiceInstanceName'}.`);
    }
    if (props.ServiceName === undefined && props.EnvironmentName === undefined) {
      throw failure(`${TYPE} '${props.Name}': property EnvironmentName is required for a component that is not attached to a service instance `
        + '(no ServiceName and ServiceInstanceName).');
    }
    if (props.ServiceName === undefined && props.ServiceInstanceInputs !== undefined) {
      throw failure(`${TYPE} '${props.Name}': property ServiceInstanceInputs applies only to a component attached to a service instance; `
        + 'set ServiceName and ServiceInstanceName, or remove ServiceInstanceInputs.');
    }
    return props;
  }

  protected identity(props: ComponentProperties): string {
    return props.Name;
  }

  protected analyzeUpdate(oldProps: ComponentProperties, newProps: ComponentProperties): UpdatePlan {
    const plan = planUpdate(oldProps, newProps, IMMUTABLE);
    const [before, after] = [oldProps.EnvironmentName, newProps.EnvironmentName];
    if (before === undefined || after === undefined || before === after) return plan;
    // Proton cannot move a component to another environment.
    return { kind: 'replacement', reasons: [...plan.kind === 'replacement' ? plan.reasons : [], 'EnvironmentName'].sort() };
  }

  protected sameIdentityReplacementMessage(name: string, reasons: readonly string[]): string {
    return `Cannot replace Proton component '${name}': ${reasons.join(', ')} changed, which Proton cannot update in place, `
      + `and the replacement would reuse the name '${name}' (CloudFormation creates the replacement before deleting the original, `
      + 'and Proton names are unique). Fix: also change componentName, or omit it so that cdk-proton generates a new name '
      + 'for every replacement; or revert the change.';
  }

  protected async onCreate(): Promise<string> {
    assertCustomerTags(this.props.Tags ?? {});
    await this.recordRequestStart(() => this.get());
    return this.props.Name;
  }

  /** The component, created by the first check of a create (`createdOnFirstCheck`). */
  private created(): Promise<Component | undefined> {
    const props = this.props;
    return this.createdOnFirstCheck(() => this.get(), async () => {
      const attachment = desiredAttachment(props);
      const serviceSpec = attachment === undefined ? undefined : await this.serviceSpec(attachment);
      return {
        kind: KIND,
        name: props.Name,
        importHint: importHint(props.Name),
        get: () => this.get(),
        create: async (ownership) => {
          const response = await this.proton.send(new CreateComponentCommand({
            name: props.Name,
            manifest: props.Manifest,
            templateFile: props.TemplateFile,
            description: props.Description,
            environmentName: props.EnvironmentName,
            serviceName: attachment?.serviceName,
            serviceInstanceName: attachment?.serviceInstanceName,
            serviceSpec,
            tags: toProtonTags({ ...props.Tags, ...ownership }),
            clientToken: clientToken(this.event, 'create'),
          }));
          return response.component!;
        },
        // A replay: the checks wait for its deployment and bring the attachment up to date.
        adopt: async (existing, tags) => syncCustomerTags(this.proton, existing.arn!, tags, props.Tags ?? {}),
      };
    });
  }

  protected async onUpdateInPlace(oldProps: ComponentProperties, name: string): Promise<void> {
    const { existing: component, tags } = await this.ownedOrFail(name);
    await syncCustomerTags(this.proton, component.arn!, tags, this.props.Tags ?? {});
    const type = deploymentTypeOf(oldProps, this.props);
    if (type === undefined) {
      // Only tags or the requested outputs changed: nothing to tell Proton.
      this.onEventData = bookkeepingData(this.clock.nowSeconds(), { kind: 'none' });
      return;
    }
    if (type === 'CURRENT_VERSION') {
      await this.assertSameEnvironment(component);
    }
    const plan = await startOrDefer(this.driver(component), component, type, false);
    this.onEventData = bookkeepingData(this.clock.nowSeconds(), plan);
  }

  protected async isCreateComplete(name: string): Promise<(ComponentData & Record<string, string>) | undefined> {
    const component = this.creating ? await this.created() : await this.get();
    if (component === undefined) {
      throw failure(`${describe(name)} no longer exists: it was deleted outside CloudFormation while it deployed.`);
    }
    // A create waits for whatever deployment the component runs, from when Proton started it.
    const { startedAt, plan } = this.creating
      ? { startedAt: attemptedAt(component), plan: { kind: 'started', baseline: '' } as DeploymentPlan }
      : readBookkeeping(this.event.Data);
    const cancellable = this.event.RequestType === 'Update' && !this.creating;
    if (!await awaitDeployment(this.driver(component), { view: component, plan, startedAt, clock: this.clock, cancellable })) return undefined;
    if (plan.kind !== 'none' && nextStep(component, desiredAttachment(this.props)) !== 'deploy') {
      // A move to another instance detached the component; attaching it is the second deployment.
      assertWithinBudget({ what: describe(name) }, { startedAt, clock: this.clock }, 'it is still not attached as requested');
      await startOrDefer(this.driver(component), component, 'CURRENT_VERSION', false);
      return undefined;
    }
    return {
      ...await this.outputs(name),
      Arn: component.arn!,
      Name: component.name!,
      EnvironmentName: component.environmentName!,
    };
  }

  /** Proton deletes only detached components: detach first, delete once that deployment succeeded. */
  protected async recordDeleteStart(): Promise<void> {
    await this.recordRequestStart(() => this.get());
  }

  protected deleteStep(name: string): Promise<boolean> {
    const what = describe(name);
    return deleteIfOwned(this.proton, this.event, {
      kind: KIND,
      name: name,
      get: () => this.get(),
      arnOf: (component) => component.arn!,
      deleting: deletingWithinBudget(what, this.clock, (component) => component.deploymentStatus, attemptedAt),
      proceed: async (component) => {
        // What failed before this request is tried again; what failed during it is final.
        const earlier = this.isFirstCheck();
        if (component.deploymentStatus === 'DELETE_FAILED' && !earlier) {
          throw failure(`Could not delete ${what}: DELETE_FAILED: ${component.deploymentStatusMessage ?? 'Proton gave no message'}`);
        }
        const phase = deploymentPhase(component.deploymentStatus, what);
        if (phase === 'in-progress') {
          assertWithinBudget({ what }, { startedAt: attemptedAt(component), clock: this.clock }, `it is still ${component.deploymentStatus}`);
          return 'waiting';
        }
        if (attachmentOf(component) === undefined) {
          await this.deleteWhenSettled(component);
          return 'waiting';
        }
        if (phase === 'failed' && !earlier) {
          throw failure(`Could not detach ${what} before deleting it: deployment ${component.deploymentStatus}: ${component.deploymentStatusMessage ?? 'Proton gave no message'}`);
        }
        await startOrDefer(this.driver(component, 'delete'), component, 'CURRENT_VERSION', false);
        return 'waiting';
      },
    });
  }

  /** Starts the delete of a detached component unless a deployment (or the delete itself) is still running. */
  private async deleteWhenSettled(component: Component): Promise<void> {
    const name = component.name!;
    if (deploymentPhase(component.deploymentStatus, describe(name)) === 'in-progress') {
      log('delete waits for the running deployment', { name, status: component.deploymentStatus });
      return;
    }
    try {
      await this.proton.send(new DeleteComponentCommand({ name }));
      log('deleting component', { name });
    } catch (error) {
      if (isProtonError(error, 'ResourceNotFoundException')) return;
      if (isProtonError(error, 'ConflictException') && await this.busyOrAttached()) {
        // Something started a deployment, or attached the component, since our read: the next poll deals with it.
        log('delete deferred: Proton reported a conflict', { name, errorName: 'ConflictException' });
        return;
      }
      throw failure(`Could not delete ${describe(name)}`, error);
    }
  }

  private async busyOrAttached(): Promise<boolean> {
    const component = await this.get();
    return component !== undefined
      && (attachmentOf(component) !== undefined || deploymentPhase(component.deploymentStatus, describe(component.name!)) === 'in-progress');
  }

  /**
   * Drives the component's deployments; `start` takes the step Proton's current state calls for:
   * towards the properties for an update, a bare detach for a delete.
   */
  private driver(component: Component, purpose: 'update' | 'delete' = 'update'): DeploymentDriver {
    const name = component.name!;
    return {
      what: describe(name),
      start: (type) => (purpose === 'delete' ? this.send(component, 'detach', DETACH) : this.update(component, type)),
      cancel: async () => {
        await this.proton.send(new CancelComponentDeploymentCommand({ componentName: name }));
      },
    };
  }

  /** UpdateComponent: NONE carries the description only; CURRENT_VERSION the next step towards the desired attachment. */
  private async update(component: Component, type: DeploymentType): Promise<void> {
    const description = this.props.Description ?? '';
    if (type === 'NONE') {
      await this.send(component, 'none', { description });
      return;
    }
    const desired = desiredAttachment(this.props);
    const step = nextStep(component, desired);
    const target = step === 'detach' ? undefined : desired;
    await this.send(component, step, {
      description,
      templateFile: this.props.TemplateFile,
      ...step === 'detach' ? DETACH : step === 'attach' ? target : {},
      serviceSpec: target === undefined ? undefined : await this.serviceSpec(target),
    });
  }

  /** One UpdateComponent; its client token names the step and the deployment it follows, so only a retry of the same call is deduplicated. */
  private async send(component: Component, step: Step | 'none', input: UpdateInput): Promise<void> {
    const name = component.name!;
    await this.proton.send(new UpdateComponentCommand({
      name,
      deploymentType: step === 'none' ? 'NONE' : 'CURRENT_VERSION',
      clientToken: clientToken(this.event, `update:${step}:${component.lastAttemptedDeploymentId ?? ''}`),
      ...input,
    }));
    log('updating component', { name, operation: `UpdateComponent ${step}` });
  }

  /** The requested outputs of the last successful deployment. */
  private async outputs(name: string): Promise<Record<string, string>> {
    const requested = this.props.Outputs ?? [];
    if (requested.length === 0) return {};
    const response = await this.proton.send(new ListComponentOutputsCommand({ componentName: name }));
    return selectOutputs(describe(name), requested, response.outputs ?? []);
  }

  /** Proton cannot move a component to another environment: refuse before any change. */
  private async assertSameEnvironment(component: Component): Promise<void> {
    const attachment = desiredAttachment(this.props);
    const desired = attachment === undefined ? this.props.EnvironmentName! : await this.instanceEnvironment(attachment);
    if (desired !== component.environmentName) {
      const where = attachment === undefined
        ? `environment '${desired}'`
        : `service instance '${attachment.serviceInstanceName}' of service '${attachment.serviceName}' in environment '${desired}'`;
      throw failure(`${describe(component.name!)} is in environment '${component.environmentName}' and cannot move to ${where}: `
        + 'Proton cannot move a component to another environment. Fix: also change componentName to create the component anew there, or revert the change.');
    }
  }

  /** The component's view of the instance it attaches to: a ServiceSpec document naming the instance, its environment and the inputs. */
  private async serviceSpec(attachment: Attachment): Promise<string> {
    const inputs = parseInputs(this.props.ServiceInstanceInputs ?? '{}', `${TYPE} property ServiceInstanceInputs`);
    return specDocument([{ Name: attachment.serviceInstanceName, Environment: await this.instanceEnvironment(attachment), inputs }], undefined);
  }

  /** The environment of the instance the properties attach the component to (read once per invocation). */
  private instanceEnvironment(attachment: Attachment): Promise<string> {
    this.instanceEnvironmentRead ??= (async () => {
      try {
        const { serviceInstance } = await this.proton.send(new GetServiceInstanceCommand({
          serviceName: attachment.serviceName, name: attachment.serviceInstanceName,
        }));
        return serviceInstance!.environmentName!;
      } catch (error) {
        throw failure(`Could not read service instance '${attachment.serviceInstanceName}' of Proton service '${attachment.serviceName}', `
          + `which ${TYPE} '${this.props.Name}' attaches to`, error);
      }
    })();
    return this.instanceEnvironmentRead;
  }

  /** The component and its tags (read once: the ownership check and the customer tag sync both need them). */
  private ownedOrFail(name: string): Promise<{ readonly existing: Component; readonly tags: Record<string, string> }> {
    return requireOwned(this.proton, this.event, {
      kind: KIND,
      name,
      importHint: importHint(name),
      goneMessage: `${describe(name)} no longer exists; it was deleted outside CloudFormation. `
        + 'Remove the resource from the stack and add it again (or change componentName) to recreate it.',
      get: () => this.get(),
    });
  }

  private get(): Promise<Component | undefined> {
    return getOrUndefined(async () => (await this.proton.send(new GetComponentCommand({ name: this.props.Name }))).component!);
  }
}

/** The deployment an in-place update needs: none (tags, outputs), NONE (description only) or CURRENT_VERSION. */
function deploymentTypeOf(oldProps: ComponentProperties, newProps: ComponentProperties): DeploymentType | undefined {
  const inputs = (props: ComponentProperties) => canonical(parseInputs(props.ServiceInstanceInputs ?? '{}', `${TYPE} property ServiceInstanceInputs`));
  const deploys = oldProps.TemplateFile !== newProps.TemplateFile
    || JSON.stringify(desiredAttachment(oldProps)) !== JSON.stringify(desiredAttachment(newProps))
    || inputs(oldProps) !== inputs(newProps);
  if (deploys) return 'CURRENT_VERSION';
  return oldProps.Description !== newProps.Description ? 'NONE' : undefined;
}

/** The step from the component's current attachment to `desired`. */
function nextStep(component: Component, desired: Attachment | undefined): Step {
  const current = attachmentOf(component);
  if (JSON.stringify(current) === JSON.stringify(desired)) return 'deploy';
  return current === undefined ? 'attach' : 'detach';
}

function desiredAttachment(props: ComponentProperties): Attachment | undefined {
  return props.ServiceName === undefined ? undefined : { serviceName: props.ServiceName, serviceInstanceName: props.ServiceInstanceName! };
}

function attachmentOf(component: Component): Attachment | undefined {
  return component.serviceName ? { serviceName: component.serviceName, serviceInstanceName: component.serviceInstanceName! } : undefined;
}

/** When Proton started the component's last deployment (its create, an update, a detach, its delete), in epoch seconds. */
function attemptedAt(component: Component): number | undefined {
  const at = component.lastDeploymentAttemptedAt ?? component.createdAt;
  return at === undefined ? undefined : Math.floor(at.getTime() / 1000);
}

function describe(name: string): string {
  return `Proton component '${name}'`;
}

function importHint(name: string): string {
  return `Component.fromComponentName(this, 'Id', '${name}')`;
}
