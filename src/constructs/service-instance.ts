import { ITaggable, Lazy, RemovalPolicy, Stack, TagManager, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { Environment, IEnvironment } from './environment';
import { IProtonDeployedResource } from './proton-resource';
import { IService, Service } from './service';
import { ServiceInstanceBase, serviceInstanceArnOf } from './service-instance-base';
import { ServiceInstanceSpec } from './spec';
import { validateResourceName } from './validation-util';
import { ProtonProvider } from '../custom-resources/proton-provider';
import { usesCloudFormationBackend, warnIgnored } from '../private/cfn-backend/backend';
import { labelKey, RenderedNestedStack } from '../private/cfn-backend/nested-stack';
import { KINDS } from '../private/kinds';
import { nameAtSynth, protonArnComponents } from '../private/proton-arns';
import { ProtonCustomResource, checkOutputKey, isMarked, markAs, protonTags } from '../private/proton-resource';
import { checkServiceInstanceRendering } from '../private/render/synth';

const KIND = KINDS.serviceInstance;

/**
 * An AWS Proton service instance: one deployment of a service's template in an environment.
 * `Service.addInstance`, `new ServiceInstance` and the `ServiceInstance.from…` importers all
 * return one.
 */
export interface IServiceInstance extends IProtonDeployedResource {
  /**
   * The instance's name (unique in its service).
   * @attribute
   */
  readonly serviceInstanceName: string;

  /**
   * The instance's ARN (`…:service/<service>/service-instance/<instance>`).
   * @attribute
   */
  readonly serviceInstanceArn: string;

  /** The service the instance belongs to. */
  readonly service: IService;

  /**
   * The environment the instance runs in.
   * @default - unknown (an instance imported without its environment)
   */
  readonly environment?: IEnvironment;

  /**
   * An output of the instance's infrastructure, as a token resolved at deploy time. Only the
   * outputs the app reads travel back through the custom resource; one the template does not
   * produce fails the deployment. Available for the instances this app declares.
   *
   * @param key the output's name, e.g. `ServiceUrl`
   */
  getOutput(key: string): string;

  /**
   * Grants reading the instance: `proton:GetServiceInstance`, `ListServiceInstanceOutputs`,
   * `ListServiceInstanceProvisionedResources` (on the instance and its service) and
   * `ListTagsForResource`.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant;

  /**
   * Grants deploying the instance: `proton:UpdateServiceInstance`,
   * `CancelServiceInstanceDeployment` and reading it (see `grantRead`).
   */
  grantDeploy(grantee: iam.IGrantable): iam.Grant;
}

/** Attributes of an existing service instance: its ARN, or its service and name. */
export interface ServiceInstanceAttributes {
  /**
   * The service the instance belongs to.
   * @default - imported from `serviceInstanceArn`
   */
  readonly service?: IService;

  /**
   * The instance's name.
   * @default - taken from `serviceInstanceArn`
   */
  readonly serviceInstanceName?: string;

  /**
   * The instance's ARN (`arn:<partition>:proton:<region>:<account>:service/<service>/service-instance/<instance>`).
   * @default - built from `service` and `serviceInstanceName`
   */
  readonly serviceInstanceArn?: string;

  /**
   * The environment the instance runs in.
   * @default - unknown
   */
  readonly environment?: IEnvironment;
}

/** Properties of a {@link ServiceInstance}. */
export interface ServiceInstanceProps {
  /**
   * The existing service to add the instance to, typically imported (`Service.fromServiceName`).
   * A service declared with the `Service` construct manages its own instances: use its
   * `addInstance` instead, or that construct removes instances it does not declare.
   */
  readonly service: IService;

  /** The instance's name, unique in the service. Changing it replaces the instance. */
  readonly serviceInstanceName: string;

  /** The environment the instance runs in. Changing it replaces the instance. */
  readonly environment: IEnvironment;

  /**
   * The instance's inputs (`service_input_type`). Changing them redeploys it (CURRENT_VERSION).
   * @default - no inputs
   */
  readonly spec?: ServiceInstanceSpec;

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
export class ServiceInstance extends ServiceInstanceBase implements ITaggable {
  /** Whether `x` is a `ServiceInstance` construct (of any copy of this library). */
  public static isServiceInstance(x: any): x is ServiceInstance {
    return isMarked(x, 'ServiceInstance');
  }

  /** References an existing instance of `service` by name. */
  public static fromServiceInstanceName(scope: Construct, id: string, service: IService, serviceInstanceName: string): IServiceInstance {
    return ServiceInstance.fromServiceInstanceAttributes(scope, id, { service, serviceInstanceName });
  }

  /** References an existing instance by ARN (in the ARN's account and region). */
  public static fromServiceInstanceArn(scope: Construct, id: string, serviceInstanceArn: string): IServiceInstance {
    return ServiceInstance.fromServiceInstanceAttributes(scope, id, { serviceInstanceArn });
  }

  /** References an existing instance by its ARN, or by its service and name. */
  public static fromServiceInstanceAttributes(scope: Construct, id: string, attrs: ServiceInstanceAttributes): IServiceInstance {
    let { service, serviceInstanceName: name, serviceInstanceArn: arn } = attrs;
    if (arn !== undefined) {
      const parsed = parseServiceInstanceArn(arn);
      service = service ?? Service.fromServiceArn(scope, `${id}Service`, parsed.serviceArn);
      name = name ?? parsed.serviceInstanceName;
    } else if (service === undefined || name === undefined) {
      throw new Error('ServiceInstance.fromServiceInstanceAttributes needs serviceInstanceArn, or service and serviceInstanceName: give one of them.');
    }
    validateResourceName('serviceInstanceName', name);
    const instanceArn = arn ?? serviceInstanceArnOf(service, name);
    const instanceName = name;
    const instanceService = service;
    class Import extends ServiceInstanceBase {
      public readonly serviceInstanceName = instanceName;
      public readonly serviceInstanceArn = instanceArn;
      public readonly service = instanceService;
      public readonly environment = attrs.environment;
      public readonly _nameAtSynth = instanceName;
      public readonly _spec = undefined;
      public getOutput(key: string): string {
        throw new Error(`getOutput('${key}'): service instance '${this.node.path}' is imported, so this app does not read its outputs. `
          + 'Read the outputs of an instance this app declares (Service.addInstance or new ServiceInstance), or pass the value in another way.');
      }
    }
    return new Import(scope, id, { environmentFromArn: instanceArn });
  }

  public readonly serviceInstanceName: string;
  public readonly serviceInstanceArn: string;
  public readonly service: IService;
  /** The environment the instance runs in. */
  public readonly environment?: IEnvironment;
  /** @internal */
  public readonly _nameAtSynth: string;
  /** @internal */
  public readonly _spec?: ServiceInstanceSpec;

  /** Tags of the instance. */
  public readonly tags: TagManager = protonTags(KIND);

  private readonly resource?: ProtonCustomResource<typeof KIND.resourceType>;
  /** The cloudformation backend's nested stack. */
  private readonly nested?: RenderedNestedStack;
  private readonly requestedOutputs = new Set<string>();

  constructor(scope: Construct, id: string, props: ServiceInstanceProps) {
    super(scope, id, { physicalName: props.serviceInstanceName });
    markAs(this, 'ServiceInstance');
    validateResourceName('serviceInstanceName', props.serviceInstanceName);
    this.service = props.service;
    this.environment = props.environment;
    this._nameAtSynth = props.serviceInstanceName;
    this._spec = props.spec;
    if (usesCloudFormationBackend(this)) {
      this.nested = this.renderedInstance(props);
      this.serviceInstanceName = props.serviceInstanceName;
      this.serviceInstanceArn = serviceInstanceArnOf(props.service, props.serviceInstanceName);
      return;
    }
    const provider = ProtonProvider.getOrCreate(this);
    const serviceArn = props.service.serviceArn;
    provider.allowHandler(this, KIND.resourceType, {
      'service': [serviceArn],
      'service-instance': [serviceInstanceArnOf(props.service, props.serviceInstanceName)],
      'service-instances': [serviceInstanceArnOf(props.service, '*')],
    }, {
      [serviceInstanceArnOf(props.service, '*')]: `A removal of instance '${props.serviceInstanceName}' is an UpdateService with the other instances of the service as deployed: `
        + 'the handler reads them (GetServiceInstance only).',
    }, ['service', 'service-instances']);

    this.resource = new ProtonCustomResource(this, {
      kind: KIND,
      properties: {
        ServiceName: props.service.serviceName,
        Name: props.serviceInstanceName,
        Environment: props.environment.environmentName,
        Inputs: Stack.of(this).toJsonString(props.spec?.inputs ?? {}),
        TemplateMajorVersion: props.templateMajorVersion,
        TemplateMinorVersion: props.templateMinorVersion,
        // Lazy: getOutput() may be called after construction.
        Outputs: Lazy.list({ produce: () => [...this.requestedOutputs].sort() }, { omitEmpty: true }),
      },
      removalPolicy: props.removalPolicy,
      tags: this.tags,
      identity: {
        name: `${nameAtSynth(props.service, props.service.serviceName)}/${props.serviceInstanceName}`,
        property: 'serviceInstanceName',
        importWith: 'ServiceInstance.fromServiceInstanceName',
      },
    });
    // Removed before the environment it runs in, and before (or with) its service.
    this.resource.resource.node.addDependency(props.environment, props.service);
    // The components attached to it are ordered after it at synth (Component, orderAfterInstance).
    checkServiceInstanceRendering(this, {
      service: props.service,
      name: props.serviceInstanceName,
      environment: props.environment,
      inputs: props.spec?.inputs ?? {},
      requestedOutputs: () => [...this.requestedOutputs],
    });
    this.serviceInstanceName = this.getResourceNameAttribute(this.resource.attr('Name'));
    this.serviceInstanceArn = this.getResourceArnAttribute(this.resource.attr('Arn'), protonArnComponents(KINDS.service.arnResourceType,
      `${nameAtSynth(props.service, props.service.serviceName)}/service-instance/${props.serviceInstanceName}`));
  }

  public getOutput(key: string): string {
    if (this.nested) {
      checkOutputKey(key, 'ServiceUrl');
      this.requestedOutputs.add(key);
      return this.nested.output(key);
    }
    return this.resource!.output(key, this.requestedOutputs, key, 'ServiceUrl');
  }

  /** The cloudformation backend: the rendered `instance_infrastructure/` of the service's template as a nested stack. */
  private renderedInstance(props: ServiceInstanceProps): RenderedNestedStack {
    const what = `ServiceInstance '${this.node.path}'`;
    if (!Service.isService(props.service) || !props.service._cfnRendering?.bundle) {
      throw new Error(`${what}: the cloudformation backend renders the instance at synth and needs its service's template bundle: `
        + 'declare the service in this app with its template version (new Service(..., { templateVersion })), or add the instance with service.addInstance().');
    }
    warnIgnored(this, 'templateMajorVersion', props.templateMajorVersion, "the instance renders its service's template version.");
    warnIgnored(this, 'templateMinorVersion', props.templateMinorVersion, "the instance renders its service's template version.");
    const render = checkServiceInstanceRendering(this, {
      service: props.service,
      name: props.serviceInstanceName,
      environment: props.environment,
      inputs: props.spec?.inputs ?? {},
      requestedOutputs: () => [...this.requestedOutputs],
    });
    const nested = new RenderedNestedStack(this, 'Stack', {
      what,
      render,
      valueOf: (label) => {
        const key = labelKey(label, 'environment.outputs.');
        return key !== undefined && Environment.isEnvironment(props.environment) ? props.environment.getOutput(key) : undefined;
      },
    });
    nested.resource.node.addDependency(props.environment);
    return nested;
  }
}

/** The service ARN and instance name of a service instance ARN known at synth. */
function parseServiceInstanceArn(arn: string): { serviceArn: string; serviceInstanceName: string } {
  const expected = 'arn:<partition>:proton:<region>:<account>:service/<service>/service-instance/<instance>';
  if (Token.isUnresolved(arn)) {
    throw new Error(`serviceInstanceArn must be known at synth time to be split into the service and the instance (expected ${expected}): `
      + 'give service and serviceInstanceName to ServiceInstance.fromServiceInstanceAttributes instead.');
  }
  const match = /^(arn:[^:]+:proton:[^:]*:[^:]*:service\/([0-9A-Za-z][0-9A-Za-z_-]*))\/service-instance\/([0-9A-Za-z][0-9A-Za-z_-]*)$/.exec(arn);
  if (!match) {
    throw new Error(`serviceInstanceArn '${arn}' is not a service instance ARN: expected ${expected}.`);
  }
  return { serviceArn: match[1], serviceInstanceName: match[3] };
}
