import { ITaggable, Lazy, RemovalPolicy, Stack, TagManager } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { Environment, IEnvironment } from './environment';
import { generatePhysicalName } from './physical-name-util';
import { IProtonDeployedResource } from './proton-resource';
import type { IServiceInstance } from './service-instance';
import { ServiceInstanceBase, serviceInstanceArnOf } from './service-instance-base';
import { IServiceTemplate } from './service-template';
import { IServiceTemplateVersion, ServiceTemplateVersion } from './service-template-version';
import { ServiceInstanceSpec, ServicePipelineSpec } from './spec';
import { TemplateSchema } from './template-bundle';
import { resolveTemplateVersion } from './template-version-base';
import { validateConnectionArn, validateLength, validateResourceName } from './validation-util';
import { PIPELINE_OUTPUT_ATTRIBUTE_PREFIX, ServiceInstanceEntry } from '../custom-resources/contract';
import { ProtonProvider } from '../custom-resources/proton-provider';
import { nonCloudFormationRefusal, usesCloudFormationBackend, warnIgnored } from '../private/cfn-backend/backend';
import { componentOutput, labelKey, RenderedNestedStack } from '../private/cfn-backend/nested-stack';
import { KINDS, importedIdentity } from '../private/kinds';
import { GRANTS, PermissionTargets } from '../private/permissions';
import { nameAtSynth, protonArn, protonArnComponents } from '../private/proton-arns';
import {
  ProtonCustomResource, ProtonDeployedResourceBase, checkOutputKey, isMarked, markAs, protonTags, registerIdentity,
} from '../private/proton-resource';
import { checkServiceRendering, ServiceRendering } from '../private/render/synth';
import { checkSpecInputs } from '../private/spec-rendering';
import { formatSpecErrors } from '../private/spec-schema';

const KIND = KINDS.service;

/** Proton's quota of instances per service. */
const MAX_INSTANCES = 20;

/** Options of {@link Service.addInstance}. */
export interface ServiceInstanceOptions {
  /** The environment the instance runs in. Proton cannot move an instance to another one. */
  readonly environment: IEnvironment;

  /**
   * The instance's inputs (`service_input_type` of the template). Changing them redeploys the
   * instance (CURRENT_VERSION). Values may be tokens.
   *
   * @default - no inputs (the schema's defaults apply)
   */
  readonly spec?: ServiceInstanceSpec;
}

/** A service instance declared in {@link ServiceProps.instances}. */
export interface ServiceInstanceDefinition extends ServiceInstanceOptions {
  /** The instance's name, unique in the service. */
  readonly name: string;
}

/** An AWS Proton service. */
export interface IService extends IProtonDeployedResource {
  /**
   * The name of the service.
   * @attribute
   */
  readonly serviceName: string;

  /**
   * The ARN of the service.
   * @attribute
   */
  readonly serviceArn: string;

  /**
   * The service's pipeline (for a template with a pipeline): its events, its grants and, for a
   * `Service` of this app, its outputs.
   */
  readonly pipeline: IServicePipeline;

  /**
   * Grants reading the service and its pipeline: `proton:GetService`, `ListServicePipelineOutputs`,
   * `ListServicePipelineProvisionedResources` and `ListTagsForResource` on its ARN.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant;

  /**
   * Grants deploying the service: updating it and its pipeline (`proton:UpdateService`,
   * `UpdateServicePipeline`), cancelling the pipeline's deployment
   * (`CancelServicePipelineDeployment`) and reading it (see `grantRead`). Its instances have
   * grants of their own.
   */
  grantDeploy(grantee: iam.IGrantable): iam.Grant;
}

/** The pipeline of an AWS Proton service (templates with a pipeline). */
export interface IServicePipeline extends IProtonDeployedResource {
  /** The service the pipeline belongs to. */
  readonly service: IService;

  /**
   * The pipeline's ARN, `<service ARN>/pipeline` (inferred: Proton's API reference types it as a
   * generic ARN; the IAM resource of its actions is the service).
   * @attribute
   */
  readonly servicePipelineArn: string;

  /**
   * An output of the pipeline's infrastructure, as a token resolved at deploy time (a `Service`
   * of this app only).
   *
   * @param key the output's name
   */
  getOutput(key: string): string;

  /**
   * Grants reading the pipeline: `proton:GetService` (which returns the pipeline),
   * `ListServicePipelineOutputs` and `ListServicePipelineProvisionedResources`. IAM has no
   * pipeline resource type: these actions are authorized on the service's ARN.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant;

  /**
   * Grants deploying the pipeline, and nothing else of the service: `proton:UpdateServicePipeline`,
   * `CancelServicePipelineDeployment` and reading it (see `grantRead`), on the service's ARN.
   */
  grantDeploy(grantee: iam.IGrantable): iam.Grant;
}

/** Attributes of an existing service: give its name or its ARN. */
export interface ServiceAttributes {
  /**
   * The service's name.
   * @default - taken from `serviceArn`
   */
  readonly serviceName?: string;

  /**
   * The service's ARN (its account and region are the service's).
   * @default - built from `serviceName` in the stack's account and region
   */
  readonly serviceArn?: string;
}

/** Properties of a {@link Service}. */
export interface ServiceProps {
  /**
   * The service's name. Proton cannot rename a service: changing it replaces the service.
   *
   * @default - a name generated from the construct path and a hash of what Proton cannot update
   */
  readonly serviceName?: string;

  /**
   * The service template version its instances and pipeline run. Give it, or `template` with
   * `templateMajorVersion`. A `ServiceTemplateVersion` of this app lets the instance and pipeline
   * inputs be checked at synth.
   *
   * @default - `template`, `templateMajorVersion` and `templateMinorVersion` name the version
   */
  readonly templateVersion?: IServiceTemplateVersion;

  /**
   * The service template (when `templateVersion` is not given). Changing it replaces the service.
   * @default - the template of `templateVersion`
   */
  readonly template?: IServiceTemplate;

  /**
   * The template's major version (when `templateVersion` is not given). A higher one upgrades
   * every instance and the pipeline (MAJOR_VERSION).
   * @default - the major version of `templateVersion`
   */
  readonly templateMajorVersion?: string;

  /**
   * The template's minor version (when `templateVersion` is not given). Changing it upgrades
   * every instance and the pipeline (MINOR_VERSION).
   * @default - the minor version of `templateVersion`, else the recommended minor version
   */
  readonly templateMinorVersion?: string;

  /**
   * Instances, besides those added with `addInstance`. A service needs at least one; Proton
   * allows 20.
   *
   * @default - none
   */
  readonly instances?: ServiceInstanceDefinition[];

  /**
   * The pipeline's inputs (`pipeline_input_type`), for a template with a pipeline. Changing them
   * redeploys the pipeline (UpdateServicePipeline). Read its outputs with `pipeline.getOutput`.
   *
   * @default - no pipeline inputs (templates without a pipeline)
   */
  readonly pipelineSpec?: ServicePipelineSpec;

  /**
   * The CodeStar connection of the pipeline's source repository. Give it with `repositoryId` and
   * `branchName`, for templates with a pipeline. Changing it replaces the service.
   *
   * @default - no source repository
   */
  readonly repositoryConnectionArn?: string;

  /**
   * The pipeline's source repository, `owner/name`.
   * @default - no source repository
   */
  readonly repositoryId?: string;

  /**
   * The branch of the pipeline's source repository.
   * @default - no source repository
   */
  readonly branchName?: string;

  /**
   * A description (up to 500 characters). Updated without a deployment.
   * @default - no description
   */
  readonly description?: string;

  /**
   * What happens to the Proton service (and its instances and pipeline) when it is removed.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

abstract class ServiceBase extends ProtonDeployedResourceBase implements IService {
  /** @internal */
  public readonly _kind = KIND;
  public abstract readonly serviceName: string;
  public abstract readonly serviceArn: string;

  public get pipeline(): IServicePipeline {
    return (this.node.tryFindChild('Pipeline') as IServicePipeline | undefined) ?? new ServicePipeline(this);
  }

  /** @internal */
  protected get _eventResourceArn(): string {
    return this.serviceArn;
  }

  /** @internal An output of the pipeline, for a `Service` of this app. */
  public _pipelineOutput(key: string): string {
    throw new Error(`getOutput('${key}'): service '${this.node.path}' is imported, so this app does not read its pipeline's outputs. `
      + 'Read the outputs of the pipeline of a Service this app declares.');
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this._grant(grantee, GRANTS.service.read);
  }

  public grantDeploy(grantee: iam.IGrantable): iam.Grant {
    return this._grant(grantee, GRANTS.service.deploy);
  }
}

/** The pipeline of a service, a child construct of it (it holds the pipeline's event rules). */
class ServicePipeline extends ProtonDeployedResourceBase implements IServicePipeline {
  /** @internal */
  public readonly _kind = KINDS.servicePipeline;
  public readonly servicePipelineArn: string;

  constructor(public readonly service: ServiceBase) {
    super(service, 'Pipeline');
    this.servicePipelineArn = `${service.serviceArn}/pipeline`;
  }

  public getOutput(key: string): string {
    return this.service._pipelineOutput(key);
  }

  /** @internal */
  protected get _eventResourceArn(): string {
    return this.servicePipelineArn;
  }

  /** @internal IAM authorizes a pipeline's actions on its service. */
  protected get _grantTargets(): PermissionTargets {
    return { service: [this.service.serviceArn] };
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this._grant(grantee, GRANTS.servicePipeline.read);
  }

  public grantDeploy(grantee: iam.IGrantable): iam.Grant {
    return this._grant(grantee, GRANTS.servicePipeline.deploy);
  }
}

/** An instance declared by a {@link Service} (a child construct of it, holding its event rules). */
class DeclaredServiceInstance extends ServiceInstanceBase {
  public readonly serviceInstanceArn: string;
  public readonly _spec: ServiceInstanceSpec;

  constructor(
    public readonly service: Service,
    public readonly serviceInstanceName: string,
    public readonly environment: IEnvironment,
    spec?: ServiceInstanceSpec,
  ) {
    super(service, `Instance.${serviceInstanceName}`);
    this.serviceInstanceArn = serviceInstanceArnOf(service, serviceInstanceName);
    this._spec = spec ?? ServiceInstanceSpec.fromInputs({});
  }

  public get _nameAtSynth(): string {
    return this.serviceInstanceName;
  }

  public getOutput(key: string): string {
    return this.service._instanceOutput(this.serviceInstanceName, key);
  }
}

/**
 * An AWS Proton service with its instances (and pipeline), through a cdk-proton custom resource.
 *
 * Instances added or removed are applied with UpdateService; changed instance inputs or template
 * version with UpdateServiceInstance; changed pipeline inputs with UpdateServicePipeline. Each
 * step is waited for, failures carry Proton's message, and a deployment still running after
 * 30 minutes is cancelled. The service depends on its instances' environments, so CloudFormation
 * deletes it first.
 *
 * @resource Custom::ProtonService
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-services.html
 */
export class Service extends ServiceBase implements ITaggable {
  /** Whether `x` is a `Service` construct (of any copy of this library). */
  public static isService(x: any): x is Service {
    return isMarked(x, 'Service');
  }

  /** References an existing service by name, in the stack's account and region. */
  public static fromServiceName(scope: Construct, id: string, serviceName: string): IService {
    return Service.fromServiceAttributes(scope, id, { serviceName });
  }

  /** References an existing service by ARN (in the ARN's account and region). */
  public static fromServiceArn(scope: Construct, id: string, serviceArn: string): IService {
    return Service.fromServiceAttributes(scope, id, { serviceArn });
  }

  /** References an existing service by name or ARN. */
  public static fromServiceAttributes(scope: Construct, id: string, attrs: ServiceAttributes): IService {
    const { name, arn } = importedIdentity(scope, KIND, attrs.serviceName, attrs.serviceArn);
    class Import extends ServiceBase {
      public readonly serviceName = name;
      public readonly serviceArn = arn;
    }
    return new Import(scope, id, { environmentFromArn: arn });
  }

  public readonly serviceName: string;
  public readonly serviceArn: string;

  /** Tags of the service. Updated without a deployment. */
  public readonly tags: TagManager = protonTags(KIND);

  /** @internal The service's name as known at synth, for IAM policies (see `nameAtSynth`). */
  public readonly _nameAtSynth: string;
  /** @internal The template version given in props, when given. */
  public readonly _templateVersion?: IServiceTemplateVersion;

  /** @internal What the service renders, in the cloudformation backend. */
  public readonly _cfnRendering?: ServiceRendering;

  private readonly resource?: ProtonCustomResource<typeof KIND.resourceType>;
  /** The cloudformation backend's nested stacks: of each instance, and of the pipeline (when the template has one). */
  private readonly instanceStacks = new Map<string, RenderedNestedStack>();
  private readonly pipelineStack?: RenderedNestedStack;
  private readonly schema?: TemplateSchema;
  private readonly instances: DeclaredServiceInstance[] = [];
  private readonly instanceOutputs = new Set<string>();
  private readonly pipelineOutputs = new Set<string>();

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id, { physicalName: props.serviceName ?? Lazy.string({ produce: () => generatedName }) });
    markAs(this, 'Service');
    const cloudFormation = usesCloudFormationBackend(this);
    validateResourceName('serviceName', props.serviceName);
    validateLength('description', props.description, 0, 500);
    const repository = [props.repositoryConnectionArn, props.repositoryId, props.branchName];
    if (repository.some((v) => v !== undefined) && repository.some((v) => v === undefined)) {
      throw new Error('Give repositoryConnectionArn, repositoryId and branchName together (the pipeline\'s source repository), or none of them.');
    }
    validateConnectionArn('repositoryConnectionArn', props.repositoryConnectionArn);
    const version = resolveTemplateVersion('A service', props,
      (v) => (ServiceTemplateVersion.isServiceTemplateVersion(v) ? v.schema : undefined));
    this.schema = version.schema;
    if (props.pipelineSpec !== undefined && this.schema) {
      this.check(this.schema, 'pipeline_input_type', props.pipelineSpec.inputs, 'pipeline');
    }
    const templateName = version.template.serviceTemplateName;
    const generatedName = generatePhysicalName(this, { templateName, repository }, 100);
    const name = props.serviceName ?? generatedName;
    this._nameAtSynth = name;
    const rendering = checkServiceRendering(this, {
      schema: this.schema,
      name,
      instances: () => this.instances.map((i) => ({ name: i.serviceInstanceName, environment: i.environment, inputs: i._spec.inputs })),
      pipelineInputs: props.pipelineSpec?.inputs,
      branchName: props.branchName,
      repositoryId: props.repositoryId,
      repositoryConnectionArn: props.repositoryConnectionArn,
      requestedInstanceOutputs: () => [...this.instanceOutputs],
      requestedPipelineOutputs: () => [...this.pipelineOutputs],
    });
    this._templateVersion = props.templateVersion;
    if (cloudFormation) {
      this._cfnRendering = rendering;
      this.pipelineStack = this.renderedPipeline(props, version, rendering);
      this.serviceName = name;
      this.serviceArn = protonArn(this, KIND.arnResourceType, name);
      this.addInstances(props);
      return;
    }

    const provider = ProtonProvider.getOrCreate(this);
    const arn = protonArn(this, KIND.arnResourceType, name);
    // Its instances carry the service's ownership tags (Proton propagates a service's tags to its new
    // instances): the statement on the resources the stack created covers them.
    provider.allowHandler(this, KIND.resourceType, {
      service: [arn],
      connection: props.repositoryConnectionArn === undefined ? [] : [props.repositoryConnectionArn],
    });

    const stack = Stack.of(this);
    this.resource = new ProtonCustomResource(this, {
      kind: KIND,
      properties: {
        Name: name,
        TemplateName: templateName,
        TemplateMajorVersion: version.majorVersion,
        TemplateMinorVersion: version.minorVersion,
        Description: props.description,
        // Lazy: addInstance() may be called after construction.
        Instances: Lazy.any({
          produce: () => this.instances.map((i): ServiceInstanceEntry => ({
            Name: i.serviceInstanceName, Environment: i.environment.environmentName, Inputs: stack.toJsonString(i._spec.inputs),
          })),
        }) as unknown as ServiceInstanceEntry[],
        PipelineInputs: props.pipelineSpec === undefined ? undefined : stack.toJsonString(props.pipelineSpec.inputs),
        RepositoryConnectionArn: props.repositoryConnectionArn,
        RepositoryId: props.repositoryId,
        BranchName: props.branchName,
        InstanceOutputs: Lazy.list({ produce: () => [...this.instanceOutputs].sort() }, { omitEmpty: true }),
        PipelineOutputs: Lazy.list({ produce: () => [...this.pipelineOutputs].sort() }, { omitEmpty: true }),
      },
      removalPolicy: props.removalPolicy,
      tags: this.tags,
      identity: { name, property: 'serviceName', importWith: 'Service.fromServiceName' },
    });
    this.resource.resource.node.addDependency(props.templateVersion ?? version.template);

    this.serviceName = this.getResourceNameAttribute(this.resource.attr('Name'));
    this.serviceArn = this.getResourceArnAttribute(this.resource.attr('Arn'), protonArnComponents(KIND.arnResourceType, this.physicalName));

    this.addInstances(props);
  }

  private addInstances(props: ServiceProps): void {
    for (const instance of props.instances ?? []) {
      this.addInstance(instance.name, instance);
    }
    this.node.addValidation({
      validate: () => (this.instances.length === 0
        ? [`Service '${this.node.path}' has no instances: Proton needs at least one. Add one with addInstance(name, { environment }) or the instances property.`]
        : []),
    });
  }

  /**
   * Adds an instance running in `options.environment`. The service depends on that environment,
   * so CloudFormation deletes the service before it.
   */
  public addInstance(name: string, options: ServiceInstanceOptions): IServiceInstance {
    validateResourceName('instance name', name);
    if (this.instances.some((i) => i.serviceInstanceName === name)) {
      throw new Error(`Service '${this.node.path}' already has an instance named '${name}': instance names are unique in a service. Choose another name.`);
    }
    if (this.instances.length >= MAX_INSTANCES) {
      throw new Error(`Service '${this.node.path}' cannot have more than ${MAX_INSTANCES} instances (Proton's quota); '${name}' would be instance ${MAX_INSTANCES + 1}.`);
    }
    if (this.schema) {
      this.check(this.schema, 'service_input_type', options.spec?.inputs ?? {}, `instances[${this.instances.length}].spec`, name);
    }
    const instance = new DeclaredServiceInstance(this, name, options.environment, options.spec);
    registerIdentity(instance, KINDS.serviceInstance,
      { name: `${this._nameAtSynth}/${name}`, property: 'instance name', importWith: 'ServiceInstance.fromServiceInstanceName' });
    this.instances.push(instance);
    if (this._cfnRendering) {
      this.addInstanceStack(instance);
    } else {
      this.resource!.resource.node.addDependency(options.environment);
    }
    return instance;
  }

  /** The instance `name` (declared in props or with `addInstance`). */
  public instance(name: string): IServiceInstance {
    const instance = this.instances.find((i) => i.serviceInstanceName === name);
    if (!instance) {
      throw new Error(`Service '${this.node.path}' has no instance '${name}' (instances: ${this.instances.map((i) => i.serviceInstanceName).join(', ') || 'none'}).`);
    }
    return instance;
  }

  /** @internal The instances declared so far (props and `addInstance`). */
  public _instances(): readonly IServiceInstance[] {
    return this.instances;
  }

  /** @internal */
  public _instanceOutput(instance: string, key: string): string {
    const nested = this.instanceStacks.get(instance);
    if (nested) {
      checkOutputKey(key, 'ServiceUrl');
      this.instanceOutputs.add(`${instance}.${key}`);
      return nested.output(key);
    }
    return this.resource!.output(key, this.instanceOutputs, `${instance}.${key}`, 'ServiceUrl');
  }

  /** @internal */
  public _pipelineOutput(key: string): string {
    checkOutputKey(key, 'PipelineUrl');
    this.pipelineOutputs.add(key);
    if (this._cfnRendering) {
      if (!this.pipelineStack) {
        throw new Error(`Service '${this.node.path}': getOutput('${key}') of the pipeline: the service's template has no pipeline in this app `
          + '(pipeline_infrastructure/), so there is no output to read.');
      }
      return this.pipelineStack.output(key);
    }
    return this.resource!.rawAttr(`${PIPELINE_OUTPUT_ATTRIBUTE_PREFIX}${key}`);
  }

  /**
   * The cloudformation backend: the pipeline's rendered `pipeline_infrastructure/` as a nested
   * stack, when the template has one; what it cannot deploy fails.
   */
  private renderedPipeline(props: ServiceProps, version: { template: IServiceTemplate; majorVersion: string; minorVersion?: string },
    rendering: ServiceRendering): RenderedNestedStack | undefined {
    const what = `Service '${this.node.path}'`;
    const bundle = rendering.bundle;
    const templateName = nameAtSynth(version.template, version.template.serviceTemplateName);
    if (bundle === undefined) {
      throw new Error(`${what}: the cloudformation backend renders the template at synth and needs its bundle: declare version ${version.majorVersion} `
        + `of template '${templateName}' in this app (template.addVersion(..., { bundle: TemplateBundle.fromDirectory(dir) })).`);
    }
    const other = ['instance_infrastructure', 'pipeline_infrastructure'].find((dir) => bundle.outputKeys[dir] !== undefined && !bundle.cloudFormationFiles[dir]);
    if (other) {
      const minor = this._templateVersion?.minorVersion ?? version.minorVersion;
      throw new Error(nonCloudFormationRefusal(what, `'${templateName}' ${version.majorVersion}${minor === undefined ? '' : `.${minor}`}`, other, bundle.engines[other]));
    }
    warnIgnored(this, 'description', props.description, 'the service is not a resource of its own (its instances and pipeline are nested stacks).');
    if (!bundle.cloudFormationFiles.pipeline_infrastructure) return undefined;
    return new RenderedNestedStack(this, 'PipelineStack', {
      what: `${what}, pipeline`,
      render: rendering.renderPipeline,
      valueOf: (label) => {
        const match = /^service_instances\[(\d+)\]\.(environment\.)?outputs\.(.+)$/.exec(label);
        const instance = match ? this.instances[Number(match[1])] : undefined;
        if (!match || !instance) return undefined;
        return match[2] ? environmentOutput(instance.environment, match[3]) : instance.getOutput(match[3]);
      },
    });
  }

  /** The cloudformation backend: an instance's rendered `instance_infrastructure/` as a nested stack, after its environment's. */
  private addInstanceStack(instance: DeclaredServiceInstance): void {
    const name = instance.serviceInstanceName;
    const nested = new RenderedNestedStack(instance, 'Stack', {
      what: `Service '${this.node.path}', instance '${name}'`,
      render: () => this._cfnRendering!.renderInstance(name),
      valueOf: (label) => {
        const environmentOutputKey = labelKey(label, 'environment.outputs.');
        if (environmentOutputKey !== undefined) return environmentOutput(instance.environment, environmentOutputKey);
        const component = labelKey(label, 'service_instance.components.default.outputs.');
        return component === undefined ? undefined : componentOutput(this, name, component);
      },
    });
    nested.resource.node.addDependency(instance.environment);
    this.instanceStacks.set(name, nested);
    // The pipeline deploys after the instances (its render reads their outputs).
    this.pipelineStack?.resource.node.addDependency(nested.resource);
  }

  private check(schema: TemplateSchema, key: 'service_input_type' | 'pipeline_input_type', inputs: { [name: string]: unknown }, path: string, instance?: string): void {
    const errors = checkSpecInputs(schema.yaml, key, inputs, path);
    if (errors.length > 0) {
      const what = instance ? `instance '${instance}'` : 'the pipeline';
      throw new Error(`Service '${this.node.path}': the inputs of ${what} do not match the template version's schema: ${formatSpecErrors(errors)}. Fix these inputs.`);
    }
  }
}

/** An output of an environment of this app (the cloudformation backend's nested stack output); undefined for an imported one. */
function environmentOutput(environment: IEnvironment, key: string): string | undefined {
  return Environment.isEnvironment(environment) ? environment.getOutput(key) : undefined;
}
