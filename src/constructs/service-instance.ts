import { CustomResource, ITaggable, Lazy, RemovalPolicy, Resource, Stack, TagManager, TagType, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { IEnvironment } from './environment';
import { IService } from './service';
import { validateResourceName } from './validation-util';
import { OUTPUT_ATTRIBUTE_PREFIX, ProtonResourceType, ServiceInstanceProperties } from '../custom-resources/contract';
import { ProtonProvider } from '../custom-resources/proton-provider';
import { registerServiceInstance } from '../private/instance-attachments';
import { GRANTS, grantProton, serviceInstanceTargets } from '../private/permissions';
import { checkServiceInstanceRendering } from '../private/render/synth';


/** Properties of a {@link ServiceInstance}. */
export interface ServiceInstanceProps {
  /**
   * The existing service to add the instance to, typically imported (`Service.fromServiceName`).
   * A service declared with the `Service` construct manages its own instances: use its
   * `addInstance` instead, or that construct removes instances it does not declare.
   */
  readonly service: IService;

  /** The instance's name, unique in the service. Changing it replaces the instance. */
  readonly instanceName: string;

  /** The environment the instance runs in. Changing it replaces the instance. */
  readonly environment: IEnvironment;

  /**
   * The instance's inputs (`service_input_type`). Changing them redeploys it (CURRENT_VERSION).
   * @default - no inputs
   */
  readonly inputs?: { [name: string]: any };

  /**
   * The template major version. A higher one upgrades the instance (MAJOR_VERSION).
   * @default - the service's major version
   */
  readonly templateMajorVersion?: string;

  /**
   * The template minor version. Changing it upgrades the instance (MINOR_VERSION).
   * @default - the recommended minor version
   */
  readonly templateMinorVersion?: string;

  /**
   * What happens to the Proton instance when it is removed from the stack. Removing uses
   * UpdateService (Proton has no DeleteServiceInstance) and fails for a service's last instance.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An instance added to an existing AWS Proton service (CreateServiceInstance with a client token
 * derived from the CloudFormation request, so a retried request never adds it twice).
 *
 * @resource Custom::ProtonServiceInstance
 * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateServiceInstance.html
 */
export class ServiceInstance extends Resource implements ITaggable {
  /** The instance's name. */
  public readonly serviceInstanceName: string;

  /**
   * The instance's ARN.
   * @attribute
   */
  public readonly serviceInstanceArn: string;

  /**
   * The service the instance belongs to, for synth-time checks of other constructs.
   * @internal
   */
  public readonly _service: IService;

  /** Tags of the instance. */
  public readonly tags: TagManager = new TagManager(TagType.MAP, ProtonResourceType.SERVICE_INSTANCE);

  private readonly resource: CustomResource;
  private readonly requestedOutputs = new Set<string>();

  constructor(scope: Construct, id: string, props: ServiceInstanceProps) {
    super(scope, id, { physicalName: props.instanceName });
    validateResourceName('instanceName', props.instanceName);
    this._service = props.service;
    const provider = ProtonProvider.getOrCreate(this);
    const serviceArn = props.service.serviceArn;
    provider.allowHandler(this, ProtonResourceType.SERVICE_INSTANCE, {
      'service': [serviceArn],
      'service-instance': [`${serviceArn}/service-instance/${props.instanceName}`],
      'service-instances': [`${serviceArn}/service-instance/*`],
    }, {
      [`${serviceArn}/service-instance/*`]: `A removal of instance '${props.instanceName}' is an UpdateService with the other instances of the service as deployed: the handler reads them (GetServiceInstance only).`,
    }, ['service', 'service-instances']);

    const properties: ServiceInstanceProperties = {
      ServiceName: props.service.serviceName,
      Name: props.instanceName,
      Environment: props.environment.environmentName,
      Inputs: Stack.of(this).toJsonString(props.inputs ?? {}),
      TemplateMajorVersion: props.templateMajorVersion,
      TemplateMinorVersion: props.templateMinorVersion,
      Tags: this.tags.renderedTags as unknown as Record<string, string>,
      // Lazy: getOutput() may be called after construction.
      Outputs: Lazy.list({ produce: () => [...this.requestedOutputs].sort() }, { omitEmpty: true }),
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: ProtonResourceType.SERVICE_INSTANCE,
      properties: { ...properties },
      serviceTimeout: ProtonProvider.SERVICE_TIMEOUT,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    // Removed before the environment it runs in, and before (or with) its service.
    this.resource.node.addDependency(props.environment, props.service);
    // Created before, and removed after, the components attached to it.
    registerServiceInstance(this, props.service, props.instanceName);
    checkServiceInstanceRendering(this, {
      service: props.service,
      name: props.instanceName,
      environment: props.environment,
      inputs: props.inputs ?? {},
      requestedOutputs: () => [...this.requestedOutputs],
    });
    this.serviceInstanceName = this.resource.getAttString('Name');
    this.serviceInstanceArn = this.resource.getAttString('Arn');
  }

  /**
   * Grants reading the instance: `proton:GetServiceInstance`, `ListServiceInstanceOutputs`,
   * `ListServiceInstanceProvisionedResources` (on the instance and its service) and
   * `ListTagsForResource`.
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return grantProton(grantee, GRANTS.serviceInstance.read, serviceInstanceTargets(this._service.serviceArn, this.physicalName));
  }

  /**
   * Grants deploying the instance: `proton:UpdateServiceInstance`,
   * `CancelServiceInstanceDeployment` and reading it (see `grantRead`).
   */
  public grantDeploy(grantee: iam.IGrantable): iam.Grant {
    return grantProton(grantee, GRANTS.serviceInstance.deploy, serviceInstanceTargets(this._service.serviceArn, this.physicalName));
  }

  /**
   * An output of the instance's infrastructure, as a token resolved at deploy time. Only the
   * outputs the app reads travel back; one the template does not produce fails the deployment.
   */
  public getOutput(key: string): string {
    if (Token.isUnresolved(key) || !/^[A-Za-z0-9_.-]{1,1024}$/.test(key)) {
      throw new Error(`getOutput: '${key}' is not an output name: give the literal name of an output of the template (letters, digits, '_', '.', '-'), e.g. 'ServiceUrl'.`);
    }
    this.requestedOutputs.add(key);
    return this.resource.getAttString(`${OUTPUT_ATTRIBUTE_PREFIX}${key}`);
  }
}
