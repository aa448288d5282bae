import {
  CustomResource,
  IResource,
  ITaggable,
  Lazy,
  RemovalPolicy,
  Resource,
  Stack,
  TagManager,
  TagType,
  Token,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { IEnvironment } from './environment';
import { generatePhysicalName } from './physical-name-util';
import { IServiceTemplate } from './service-template';
import { IServiceTemplateVersion, ServiceTemplateVersion } from './service-template-version';
import { TemplateSchema } from './template-bundle';
import { validateLength, validateResourceName } from './validation-util';
import {
  OUTPUT_ATTRIBUTE_PREFIX, PIPELINE_OUTPUT_ATTRIBUTE_PREFIX, ProtonResourceType, ServiceInstanceEntry, ServiceProperties,
} from '../custom-resources/contract';
import { ProtonProvider } from '../custom-resources/proton-provider';
import { GRANTS, grantProton, serviceInstanceTargets } from '../private/permissions';
import { SERVICE_ARN_RESOURCE_TYPE, protonArn, protonArnComponents, protonArnName } from '../private/proton-arns';
import { checkServiceRendering } from '../private/render/synth';
import { checkSpecInputs } from '../private/spec-rendering';
import { formatSpecErrors } from '../private/spec-schema';


/** Proton's quota of instances per service. */
const MAX_INSTANCES = 20;
const OUTPUT_KEY = /^[A-Za-z0-9_.-]{1,1024}$/;

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
  readonly inputs?: { [name: string]: any };
}

/** A service instance declared in {@link ServiceProps.instances}. */
export interface ServiceInstanceDefinition extends ServiceInstanceOptions {
  /** The instance's name, unique in the service. */
  readonly name: string;
}

/** An AWS Proton service. */
export interface IService extends IResource {
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
   * redeploys the pipeline (UpdateServicePipeline).
   *
   * @default - no pipeline inputs (templates without a pipeline)
   */
  readonly pipelineInputs?: { [name: string]: any };

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

/** A service instance of a {@link Service}: read its outputs. Get it from `addInstance` or `instance(name)`. */
export class ServiceInstanceReference {
  /** The instance's name. */
  public readonly instanceName: string;
  private readonly service: Service;

  constructor(service: Service, instanceName: string) {
    this.service = service;
    this.instanceName = instanceName;
  }

  /**
   * An output of the instance's infrastructure, as a token resolved at deploy time. Only the
   * outputs the app reads travel back; an output the template does not produce fails the deployment.
   */
  public getOutput(key: string): string {
    return this.service._instanceOutput(this.instanceName, key);
  }

  /**
   * Grants reading the instance: `proton:GetServiceInstance`, `ListServiceInstanceOutputs`,
   * `ListServiceInstanceProvisionedResources` (on the instance and its service) and
   * `ListTagsForResource`.
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return grantProton(grantee, GRANTS.serviceInstance.read, serviceInstanceTargets(this.service.serviceArn, this.instanceName));
  }

  /**
   * Grants deploying the instance: `proton:UpdateServiceInstance`,
   * `CancelServiceInstanceDeployment` and reading it (see `grantRead`).
   */
  public grantDeploy(grantee: iam.IGrantable): iam.Grant {
    return grantProton(grantee, GRANTS.serviceInstance.deploy, serviceInstanceTargets(this.service.serviceArn, this.instanceName));
  }
}

abstract class ServiceBase extends Resource implements IService {
  public abstract readonly serviceName: string;
  public abstract readonly serviceArn: string;

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return grantProton(grantee, GRANTS.service.read, { service: [this.serviceArn] });
  }

  public grantDeploy(grantee: iam.IGrantable): iam.Grant {
    return grantProton(grantee, GRANTS.service.deploy, { service: [this.serviceArn] });
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
  /** References an existing service by name. */
  public static fromServiceName(scope: Construct, id: string, serviceName: string): IService {
    validateResourceName('serviceName', serviceName);
    const arn = protonArn(scope, SERVICE_ARN_RESOURCE_TYPE, serviceName);
    class Import extends ServiceBase {
      public readonly serviceName = serviceName;
      public readonly serviceArn = arn;
    }
    return new Import(scope, id, { environmentFromArn: arn });
  }

  /** References an existing service by ARN. */
  public static fromServiceArn(scope: Construct, id: string, serviceArn: string): IService {
    return Service.fromServiceName(scope, id, protonArnName(serviceArn, { resourceType: SERVICE_ARN_RESOURCE_TYPE, property: 'serviceArn', kind: 'service' }));
  }

  public readonly serviceName: string;
  public readonly serviceArn: string;

  /** Tags of the service. Updated without a deployment. */
  public readonly tags: TagManager = new TagManager(TagType.MAP, ProtonResourceType.SERVICE);

  /** @internal The service's name as known at synth, for IAM policies (see `nameAtSynth`). */
  public readonly _nameAtSynth: string;
  /** @internal The template version given in props, when given. */
  public readonly _templateVersion?: IServiceTemplateVersion;

  private readonly resource: CustomResource;
  private readonly schema?: TemplateSchema;
  private readonly instances: Array<{ readonly name: string; readonly environment: IEnvironment; readonly inputs: { [name: string]: any } }> = [];
  private readonly instanceOutputs = new Set<string>();
  private readonly pipelineOutputs = new Set<string>();

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id, { physicalName: props.serviceName ?? Lazy.string({ produce: () => generatedName }) });
    validateResourceName('serviceName', props.serviceName);
    validateLength('description', props.description, 0, 500);
    const repository = [props.repositoryConnectionArn, props.repositoryId, props.branchName];
    if (repository.some((v) => v !== undefined) && repository.some((v) => v === undefined)) {
      throw new Error('Give repositoryConnectionArn, repositoryId and branchName together (the pipeline\'s source repository), or none of them.');
    }
    const version = resolveTemplateVersion(props);
    this.schema = version.schema;
    if (props.pipelineInputs !== undefined && this.schema) {
      this.check(this.schema, 'pipeline_input_type', props.pipelineInputs, 'pipeline');
    }
    const templateName = version.template.serviceTemplateName;
    const generatedName = generatePhysicalName(this, { templateName, repository }, 100);
    const name = props.serviceName ?? generatedName;
    this._nameAtSynth = name;
    checkServiceRendering(this, {
      schema: this.schema,
      name,
      instances: () => this.instances,
      pipelineInputs: props.pipelineInputs,
      branchName: props.branchName,
      repositoryId: props.repositoryId,
      repositoryConnectionArn: props.repositoryConnectionArn,
      requestedInstanceOutputs: () => [...this.instanceOutputs],
      requestedPipelineOutputs: () => [...this.pipelineOutputs],
    });
    this._templateVersion = props.templateVersion;

    const provider = ProtonProvider.getOrCreate(this);
    const arn = protonArn(this, SERVICE_ARN_RESOURCE_TYPE, name);
    // Its instances carry the service's ownership tags (Proton propagates a service's tags to its new
    // instances): the statement on the resources the stack created covers them.
    provider.allowHandler(this, ProtonResourceType.SERVICE, {
      service: [arn],
      connection: props.repositoryConnectionArn === undefined ? [] : [props.repositoryConnectionArn],
    });

    const stack = Stack.of(this);
    const properties: ServiceProperties = {
      Name: name,
      TemplateName: templateName,
      TemplateMajorVersion: version.majorVersion,
      TemplateMinorVersion: version.minorVersion,
      Description: props.description,
      // Lazy: addInstance() may be called after construction.
      Instances: Lazy.any({
        produce: () => this.instances.map((i): ServiceInstanceEntry => ({
          Name: i.name, Environment: i.environment.environmentName, Inputs: stack.toJsonString(i.inputs),
        })),
      }) as unknown as ServiceInstanceEntry[],
      PipelineInputs: props.pipelineInputs === undefined ? undefined : stack.toJsonString(props.pipelineInputs),
      RepositoryConnectionArn: props.repositoryConnectionArn,
      RepositoryId: props.repositoryId,
      BranchName: props.branchName,
      Tags: this.tags.renderedTags as unknown as Record<string, string>,
      InstanceOutputs: Lazy.list({ produce: () => [...this.instanceOutputs].sort() }, { omitEmpty: true }),
      PipelineOutputs: Lazy.list({ produce: () => [...this.pipelineOutputs].sort() }, { omitEmpty: true }),
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: ProtonResourceType.SERVICE,
      properties: { ...properties },
      serviceTimeout: ProtonProvider.SERVICE_TIMEOUT,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.resource.node.addDependency(props.templateVersion ?? version.template);

    this.serviceName = this.getResourceNameAttribute(this.resource.getAttString('Name'));
    this.serviceArn = this.getResourceArnAttribute(this.resource.getAttString('Arn'), protonArnComponents(SERVICE_ARN_RESOURCE_TYPE, this.physicalName));

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
  public addInstance(name: string, options: ServiceInstanceOptions): ServiceInstanceReference {
    validateResourceName('instance name', name);
    if (this.instances.some((i) => i.name === name)) {
      throw new Error(`Service '${this.node.path}' already has an instance named '${name}': instance names are unique in a service. Choose another name.`);
    }
    if (this.instances.length >= MAX_INSTANCES) {
      throw new Error(`Service '${this.node.path}' cannot have more than ${MAX_INSTANCES} instances (Proton's quota); '${name}' would be instance ${MAX_INSTANCES + 1}.`);
    }
    const inputs = options.inputs ?? {};
    if (this.schema) {
      this.check(this.schema, 'service_input_type', inputs, `instances[${this.instances.length}].spec`, name);
    }
    this.instances.push({ name, environment: options.environment, inputs });
    this.resource.node.addDependency(options.environment);
    return new ServiceInstanceReference(this, name);
  }

  /** The instance `name` (declared in props or with `addInstance`). */
  public instance(name: string): ServiceInstanceReference {
    if (!this.instances.some((i) => i.name === name)) {
      throw new Error(`Service '${this.node.path}' has no instance '${name}' (instances: ${this.instances.map((i) => i.name).join(', ') || 'none'}).`);
    }
    return new ServiceInstanceReference(this, name);
  }

  /** An output of the pipeline's infrastructure, as a token resolved at deploy time. */
  public getPipelineOutput(key: string): string {
    checkOutputKey(key);
    this.pipelineOutputs.add(key);
    return this.resource.getAttString(`${PIPELINE_OUTPUT_ATTRIBUTE_PREFIX}${key}`);
  }

  /** @internal The instances declared so far (props and `addInstance`). */
  public _instances(): readonly ServiceInstanceDefinition[] {
    return this.instances;
  }

  /** @internal */
  public _instanceOutput(instance: string, key: string): string {
    checkOutputKey(key);
    this.instanceOutputs.add(`${instance}.${key}`);
    return this.resource.getAttString(`${OUTPUT_ATTRIBUTE_PREFIX}${instance}.${key}`);
  }

  private check(schema: TemplateSchema, key: 'service_input_type' | 'pipeline_input_type', inputs: { [name: string]: unknown }, path: string, instance?: string): void {
    const errors = checkSpecInputs(schema.yaml, key, inputs, path);
    if (errors.length > 0) {
      const what = instance ? `instance '${instance}'` : 'the pipeline';
      throw new Error(`Service '${this.node.path}': the inputs of ${what} do not match the template version's schema: ${formatSpecErrors(errors)}. Fix these inputs.`);
    }
  }
}

function checkOutputKey(key: string): void {
  if (Token.isUnresolved(key) || !OUTPUT_KEY.test(key)) {
    throw new Error(`getOutput: '${key}' is not an output name: give the literal name of an output of the template (letters, digits, '_', '.', '-'), e.g. 'ServiceUrl'.`);
  }
}

function resolveTemplateVersion(props: ServiceProps) {
  if (props.templateVersion) {
    const given = (['template', 'templateMajorVersion', 'templateMinorVersion'] as const).filter((key) => props[key] !== undefined);
    if (given.length > 0) {
      throw new Error(`Give either templateVersion or template with templateMajorVersion, not both: remove ${given.join(', ')}.`);
    }
    const version = props.templateVersion;
    return {
      template: version.template,
      majorVersion: version.majorVersion,
      minorVersion: version.minorVersion as string | undefined,
      schema: version instanceof ServiceTemplateVersion ? version.schema : undefined,
    };
  }
  if (!props.template || props.templateMajorVersion === undefined) {
    throw new Error('A service needs the template version it runs: give templateVersion (e.g. template.addVersion(...)), '
      + 'or template with templateMajorVersion (and optionally templateMinorVersion).');
  }
  return { template: props.template, majorVersion: props.templateMajorVersion, minorVersion: props.templateMinorVersion, schema: undefined };
}
