import {
  CancelEnvironmentDeploymentCommand,
  CreateEnvironmentCommand,
  DeleteEnvironmentCommand,
  Environment,
  GetEnvironmentCommand,
  ListEnvironmentOutputsCommand,
  UpdateEnvironmentCommand,
} from '@aws-sdk/client-proton';
import {
  DeployedVersion, DeploymentDriver, DeploymentPlan, DeploymentType, assertWithinBudget, deletingWithinBudget,
  awaitDeployment, bookkeepingData, deploymentPhase, deploymentTypeFor, readBookkeeping, selectOutputs, startOrDefer,
} from './engine/deployment';
import { failure, isProtonError } from './engine/errors';
import { log } from './engine/log';
import { getOrUndefined, requireOwned } from './engine/name-keyed-create';
import { deleteIfOwned } from './engine/owned-delete';
import { PropertyReader } from './engine/properties';
import { ResourceHandler, UpdatePlan, planUpdate } from './engine/resource-handler';
import { assertCustomerTags, syncCustomerTags, toProtonTags } from './engine/tags';
import { EnvironmentData, EnvironmentProperties } from '../src/custom-resources/contract';

const KIND = 'environment';

/** Properties Proton cannot update: changing one replaces the environment. */
const IMMUTABLE: ReadonlyArray<keyof EnvironmentProperties> = ['Name', 'TemplateName'];

/** The provisioning members of Create/UpdateEnvironment. */
type ProvisioningKey = 'ProtonServiceRoleArn' | 'EnvironmentAccountConnectionId' | 'CodebuildRoleArn';
const PROVISIONING_KEYS: readonly ProvisioningKey[] = ['ProtonServiceRoleArn', 'EnvironmentAccountConnectionId', 'CodebuildRoleArn'];

/**
 * `Custom::ProtonEnvironment`: a name-keyed create (made by the first isComplete, once
 * CloudFormation knows the name), updates whose deployment type follows what changed,
 * deployments waited for on Proton's clock within the request budget (cancelled past it), a
 * rollback that cancels the failed update still in flight, and asynchronous deletes.
 *
 * Self-managed environments (a provisioning repository) complete as soon as Proton accepted the
 * deployment: Proton then waits for a human to merge a pull request, which CloudFormation must not
 * wait for. Their outputs are therefore never read.
 */
export class EnvironmentHandler extends ResourceHandler<EnvironmentProperties, EnvironmentData & Record<string, string>> {


  protected parseProperties(reader: PropertyReader): EnvironmentProperties {
    const repository = reader.optionalStringMap('ProvisioningRepository');
    const outputs = reader.optionalStringList('Outputs') ?? [];
    const props: EnvironmentProperties = {
      Name: reader.requiredString('Name'),
      TemplateName: reader.requiredString('TemplateName'),
      TemplateMajorVersion: reader.requiredString('TemplateMajorVersion'),
      TemplateMinorVersion: reader.optionalString('TemplateMinorVersion'),
      Spec: reader.requiredString('Spec'),
      Description: reader.optionalString('Description'),
      ProtonServiceRoleArn: reader.optionalString('ProtonServiceRoleArn'),
      EnvironmentAccountConnectionId: reader.optionalString('EnvironmentAccountConnectionId'),
      CodebuildRoleArn: reader.optionalString('CodebuildRoleArn'),
      ComponentRoleArn: reader.optionalString('ComponentRoleArn'),
      ProvisioningRepository: repository && {
        Provider: requiredIn(repository, 'Provider'),
        Name: requiredIn(repository, 'Name'),
        Branch: requiredIn(repository, 'Branch'),
      },
      Tags: reader.optionalStringMap('Tags'),
      Outputs: outputs,
    };
    if (props.ProvisioningRepository && outputs.length > 0) {
      throw failure(`Environment '${props.Name}' is self-managed (ProvisioningRepository): cdk-proton does not wait for the pull request Proton opens, `
        + `so its outputs are never available; remove the requested outputs ${outputs.join(', ')}.`);
    }
    return props;
  }

  protected identity(props: EnvironmentProperties): string {
    return props.Name;
  }

  protected analyzeUpdate(oldProps: EnvironmentProperties, newProps: EnvironmentProperties): UpdatePlan {
    const plan = planUpdate(oldProps, newProps, IMMUTABLE);
    if ((oldProps.ProvisioningRepository === undefined) !== (newProps.ProvisioningRepository === undefined)) {
      // Proton cannot turn a self-managed environment into a managed one, or back.
      const reasons = plan.kind === 'replacement' ? plan.reasons : [];
      return { kind: 'replacement', reasons: [...reasons, 'ProvisioningRepository'] };
    }
    return plan;
  }

  protected sameIdentityReplacementMessage(name: string, reasons: readonly string[]): string {
    return `Cannot replace Proton environment '${name}': ${reasons.join(', ')} changed, which Proton cannot update in place, `
      + `and the replacement would reuse the name '${name}' (CloudFormation creates the replacement before deleting the original, `
      + 'and Proton names are unique). Fix: also change environmentName, or omit it so that cdk-proton generates a new name '
      + 'for every replacement; or revert the change.';
  }

  protected async onCreate(): Promise<string> {
    assertCustomerTags(this.props.Tags ?? {});
    await this.recordRequestStart(() => this.get(this.props.Name));
    return this.props.Name;
  }

  /** The environment, created by the first check of a create (`createdOnFirstCheck`). */
  private created(name: string): Promise<Environment | undefined> {
    const props = this.props;
    return this.createdOnFirstCheck(() => this.get(name), async () => ({
      kind: KIND,
      name: props.Name,
      importHint: `Environment.fromEnvironmentName(scope, id, '${props.Name}')`,
      get: () => this.get(props.Name),
      create: async (ownership) => {
        const response = await this.proton.send(new CreateEnvironmentCommand({
          name: props.Name,
          templateName: props.TemplateName,
          templateMajorVersion: props.TemplateMajorVersion,
          templateMinorVersion: props.TemplateMinorVersion,
          spec: props.Spec,
          description: props.Description,
          protonServiceRoleArn: props.ProtonServiceRoleArn,
          environmentAccountConnectionId: props.EnvironmentAccountConnectionId,
          codebuildRoleArn: props.CodebuildRoleArn,
          componentRoleArn: props.ComponentRoleArn,
          provisioningRepository: repositoryInput(props),
          tags: toProtonTags({ ...props.Tags, ...ownership }),
        }));
        return response.environment!;
      },
      adopt: async (existing, tags) => {
        this.assertSameTemplate(existing);
        await syncCustomerTags(this.proton, existing.arn!, tags, this.props.Tags ?? {});
      },
    }));
  }

  protected async onUpdateInPlace(oldProps: EnvironmentProperties, name: string): Promise<void> {
    const { existing, tags } = await this.ownedOrFail(name);
    const type = deploymentTypeFor(deployedVersion(oldProps), deployedVersion(this.props), describeEnvironment(name));
    const metadata: ReadonlyArray<keyof EnvironmentProperties> = ['Description', 'ComponentRoleArn', 'ProvisioningRepository', ...PROVISIONING_KEYS];
    const metadataChanged = metadata.some((key) => JSON.stringify(oldProps[key]) !== JSON.stringify(this.props[key]));
    await syncCustomerTags(this.proton, existing.arn!, tags, this.props.Tags ?? {});
    if (type === 'NONE' && !metadataChanged) {
      // Only tags or the requested outputs changed: nothing to tell Proton.
      this.onEventData = bookkeepingData(this.clock.nowSeconds(), { kind: 'none' });
      return;
    }
    // A deployment in flight of what CloudFormation moves away from (the failed update a rollback
    // undoes) is stale; one of what it asks now is this very update, sent again: its own, waited for.
    const stale = runs(existing, oldProps) && !runs(existing, this.props);
    const resent = !stale && runs(existing, this.props) && !runs(existing, oldProps)
      && deploymentPhase(existing.deploymentStatus, describeEnvironment(name)) === 'in-progress';
    if (resent) log('the deployment in flight is this update\'s, sent again: waiting for it', { name, status: existing.deploymentStatus });
    const plan = resent ? { kind: 'started' as const, baseline: '' } : await startOrDefer(this.driver(name, oldProps), existing, type, stale);
    this.onEventData = bookkeepingData(this.clock.nowSeconds(), plan);
  }

  protected async recordDeleteStart(): Promise<void> {
    await this.recordRequestStart(() => this.get(this.props.Name));
  }

  protected deleteStep(name: string): Promise<boolean> {
    return deleteIfOwned(this.proton, this.event, {
      kind: KIND,
      name: name,
      get: () => this.get(name),
      arnOf: (env) => env.arn!,
      deleting: deletingWithinBudget(describeEnvironment(name), this.clock, (env) => env.deploymentStatus, attemptedAt),
      proceed: async (env) => {
        // A delete that failed before this request is tried again; one that failed during it is final.
        if (env.deploymentStatus === 'DELETE_FAILED' && !this.isFirstCheck()) {
          throw failure(`Could not delete Proton environment '${name}': DELETE_FAILED: ${env.deploymentStatusMessage ?? 'Proton gave no message'}`);
        }
        if (deploymentPhase(env.deploymentStatus, describeEnvironment(name)) === 'in-progress') {
          assertWithinBudget({ what: describeEnvironment(name) }, { startedAt: attemptedAt(env), clock: this.clock }, `it is still ${env.deploymentStatus}`);
        }
        await this.deleteWhenSettled(env);
        return 'waiting';
      },
    });
  }

  protected async isCreateComplete(name: string): Promise<(EnvironmentData & Record<string, string>) | undefined> {
    const env = this.creating ? await this.created(name) : await this.get(name);
    if (env === undefined) {
      throw failure(`Proton environment '${name}' no longer exists: it was deleted outside CloudFormation while it deployed.`);
    }
    // A create waits for whatever deployment the environment runs, from when Proton started it; an
    // adopted environment is first brought to the properties.
    const { startedAt, plan } = this.creating
      ? { startedAt: attemptedAt(env), plan: this.adoptionPlan(env) }
      : readBookkeeping(this.event.Data);
    const done = await awaitDeployment(this.driver(name, this.oldProps), {
      view: env,
      plan,
      startedAt,
      clock: this.clock,
      completeWhenAccepted: env.provisioningRepository !== undefined,
      cancellable: this.event.RequestType === 'Update' && !this.creating,
    });
    if (!done) return undefined;
    return {
      ...await this.outputs(name),
      Arn: env.arn!,
      Name: env.name!,
      TemplateMajorVersion: env.templateMajorVersion!,
      TemplateMinorVersion: env.templateMinorVersion!,
    };
  }

  /** Starts the delete unless a deployment (or the delete itself) is still running. */
  private async deleteWhenSettled(env: Environment): Promise<void> {
    if (deploymentPhase(env.deploymentStatus, describeEnvironment(env.name!)) === 'in-progress') {
      log('delete waits for the running deployment', { name: env.name, status: env.deploymentStatus });
      return;
    }
    try {
      await this.proton.send(new DeleteEnvironmentCommand({ name: env.name! }));
      log('deleting environment', { name: env.name });
    } catch (error) {
      if (isProtonError(error, 'ResourceNotFoundException')) return;
      if (isProtonError(error, 'ConflictException') && deploymentPhase((await this.get(env.name!))?.deploymentStatus ?? 'SUCCEEDED', describeEnvironment(env.name!)) === 'in-progress') {
        return;
      }
      throw failure(`Could not delete Proton environment '${env.name}' (services with instances in it and components must be deleted first)`, error);
    }
  }

  /** A replayed create found an environment this resource created earlier, from another template: Proton cannot change that. */
  private assertSameTemplate(existing: Environment): void {
    if (existing.templateName !== this.props.TemplateName) {
      throw failure(`Proton environment '${existing.name}' was created by an earlier failed deployment of this resource from template '${existing.templateName}', `
        + 'which Proton cannot change. Delete it (aws proton delete-environment) or change environmentName, then deploy again.');
    }
  }

  /**
   * What a create waits for: the environment's own deployment, once it runs what the properties
   * ask. An environment adopted from an earlier attempt may run something else: the deployment
   * that brings it to the properties is started (by awaitDeployment) as soon as it is not busy; a
   * fresh environment already matches.
   */
  private adoptionPlan(existing: Environment): DeploymentPlan {
    const current: DeployedVersion = {
      spec: existing.spec ?? '',
      majorVersion: existing.templateMajorVersion!,
      minorVersion: this.props.TemplateMinorVersion === undefined ? undefined : existing.templateMinorVersion,
    };
    const type = deploymentTypeFor(current, deployedVersion(this.props), describeEnvironment(existing.name!));
    if (type === 'NONE') return { kind: 'started', baseline: '' };
    return { kind: 'deferred', type, baseline: existing.lastAttemptedDeploymentId ?? '' };
  }

  /** The requested outputs of the last successful deployment. */
  private async outputs(name: string): Promise<Record<string, string>> {
    const requested = this.props.Outputs ?? [];
    if (requested.length === 0) return {};
    const response = await this.proton.send(new ListEnvironmentOutputsCommand({ environmentName: name }));
    return selectOutputs(describeEnvironment(name), requested, response.outputs ?? []);
  }

  private driver(name: string, oldProps: EnvironmentProperties | undefined): DeploymentDriver {
    return {
      what: describeEnvironment(name),
      start: (type) => this.update(name, type, oldProps),
      cancel: async () => {
        await this.proton.send(new CancelEnvironmentDeploymentCommand({ environmentName: name }));
      },
    };
  }

  /** UpdateEnvironment with `type`, passing only what this type may carry and what changed. */
  private async update(name: string, type: DeploymentType, oldProps: EnvironmentProperties | undefined): Promise<void> {
    const props = this.props;
    const changed = (key: ProvisioningKey) => props[key] !== undefined && props[key] !== oldProps?.[key];
    const provisioning = Object.fromEntries(PROVISIONING_KEYS.filter(changed).map((key) => [lowerFirst(key), props[key]]));
    const repositoryChanged = props.ProvisioningRepository !== undefined
      && JSON.stringify(props.ProvisioningRepository) !== JSON.stringify(oldProps?.ProvisioningRepository);
    await this.proton.send(new UpdateEnvironmentCommand({
      name,
      deploymentType: type,
      description: props.Description ?? '',
      spec: type === 'NONE' ? undefined : props.Spec,
      templateMajorVersion: type === 'MAJOR_VERSION' ? props.TemplateMajorVersion : undefined,
      templateMinorVersion: type === 'MAJOR_VERSION' || type === 'MINOR_VERSION' ? props.TemplateMinorVersion : undefined,
      componentRoleArn: props.ComponentRoleArn !== oldProps?.ComponentRoleArn ? props.ComponentRoleArn : undefined,
      provisioningRepository: repositoryChanged ? repositoryInput(props) : undefined,
      ...provisioning,
    }));
    log('updating environment', { name, operation: `UpdateEnvironment ${type}` });
  }

  /** The environment and its tags (read once: the ownership check and the customer tag sync both need them). */
  private ownedOrFail(name: string): Promise<{ readonly existing: Environment; readonly tags: Record<string, string> }> {
    return requireOwned(this.proton, this.event, {
      kind: KIND,
      name,
      importHint: `Environment.fromEnvironmentName(scope, id, '${name}')`,
      goneMessage: `Proton environment '${name}' no longer exists; it was deleted outside CloudFormation. `
        + 'Remove the resource from the stack and add it again (or change environmentName) to recreate it.',
      get: () => this.get(name),
    });
  }

  private get(name: string): Promise<Environment | undefined> {
    return getOrUndefined(async () => (await this.proton.send(new GetEnvironmentCommand({ name }))).environment!);
  }
}

/**
 * Whether the environment runs (or deploys: Proton shows a deployment's target while it runs)
 * what `props` ask: spec, major version and — when they name one — minor version.
 */
function runs(env: Environment, props: EnvironmentProperties): boolean {
  return env.spec === props.Spec && env.templateMajorVersion === props.TemplateMajorVersion
    && (props.TemplateMinorVersion === undefined || env.templateMinorVersion === props.TemplateMinorVersion);
}

/** When Proton started the environment's last deployment (its create, an update, its delete), in epoch seconds. */
function attemptedAt(env: Environment): number | undefined {
  const at = env.lastDeploymentAttemptedAt ?? env.createdAt;
  return at === undefined ? undefined : Math.floor(at.getTime() / 1000);
}

function describeEnvironment(name: string): string {
  return `Proton environment '${name}'`;
}

function deployedVersion(props: EnvironmentProperties): DeployedVersion {
  return { spec: props.Spec, majorVersion: props.TemplateMajorVersion, minorVersion: props.TemplateMinorVersion };
}

function repositoryInput(props: EnvironmentProperties) {
  const repository = props.ProvisioningRepository;
  return repository && {
    provider: repository.Provider as 'GITHUB' | 'GITHUB_ENTERPRISE' | 'BITBUCKET',
    name: repository.Name,
    branch: repository.Branch,
  };
}

function requiredIn(map: Record<string, string>, key: string): string {
  const value = map[key];
  if (!value) {
    throw failure(`Custom::ProtonEnvironment property ProvisioningRepository.${key} is required.`);
  }
  return value;
}

function lowerFirst(key: string): string {
  return key.charAt(0).toLowerCase() + key.slice(1);
}
