import * as fs from 'fs';
import * as path from 'path';
import { Aspects, ITaggable, Lazy, RemovalPolicy, Stack, Stage, TagManager, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { Environment, IEnvironment } from './environment';
import { generatePhysicalName } from './physical-name-util';
import { IProtonDeployedResource } from './proton-resource';
import { Service } from './service';
import { IServiceInstance, ServiceInstance } from './service-instance';
import { ServiceInstanceBase } from './service-instance-base';
import { ComponentSource, ServiceTemplateVersion } from './service-template-version';
import { ServiceInstanceSpec } from './spec';
import { validateLength, validateResourceName } from './validation-util';
import { ProtonProvider } from '../custom-resources/proton-provider';
import { usesCloudFormationBackend, warnIgnored } from '../private/cfn-backend/backend';
import { labelKey, registerComponentOutputs, RenderedNestedStack } from '../private/cfn-backend/nested-stack';
import { KINDS, importedIdentity } from '../private/kinds';
import { GRANTS } from '../private/permissions';
import { nameAtSynth, protonArn, protonArnComponents } from '../private/proton-arns';
import { ProtonCustomResource, ProtonDeployedResourceBase, checkOutputKey, markAs, isMarked, protonTags } from '../private/proton-resource';
import { checkComponentRendering, checkComponentTemplate } from '../private/render/synth';
import { sameService } from '../private/same-service';
import { checkSpecInputs } from '../private/spec-rendering';
import { formatSpecErrors } from '../private/spec-schema';
import { terraformOutputKeys } from '../private/template-bundle-rules';

const KIND = KINDS.component;

/** Proton's limit of a component's IaC file (`TemplateFileContents`), in characters. */
const MAX_TEMPLATE_FILE_LENGTH = 51_200;

/** The language of a directly defined component's IaC file. */
export enum ComponentTemplateLanguage {
  /** A CloudFormation template (YAML or JSON), rendered with Jinja. */
  CLOUDFORMATION = 'cloudformation',
  /** A Terraform configuration (HCL). */
  TERRAFORM = 'terraform',
}

/** How a language is written in a manifest, and where its outputs are declared. */
interface LanguageFiles {
  /** The IaC file's name in the manifest. */
  readonly file: string;
  readonly renderingEngine: string;
  /** Where the IaC file declares an output, for error messages. */
  readonly outputs: string;
}

const LANGUAGE_FILES: { readonly [language in ComponentTemplateLanguage]: LanguageFiles } = {
  [ComponentTemplateLanguage.CLOUDFORMATION]: { file: 'cloudformation.yaml', renderingEngine: 'jinja', outputs: "the template's Outputs section" },
  [ComponentTemplateLanguage.TERRAFORM]: { file: 'main.tf', renderingEngine: 'hcl', outputs: 'an output "<name>" block' },
};

const EXTENSION_LANGUAGES: { readonly [extension: string]: ComponentTemplateLanguage } = {
  '.yaml': ComponentTemplateLanguage.CLOUDFORMATION,
  '.yml': ComponentTemplateLanguage.CLOUDFORMATION,
  '.json': ComponentTemplateLanguage.CLOUDFORMATION,
  '.tf': ComponentTemplateLanguage.TERRAFORM,
};

/**
 * The infrastructure of a directly defined component: one IaC file (CloudFormation or
 * Terraform) and the manifest naming it. The file is checked when it is read: not empty, within
 * Proton's 51,200 characters, and, for CloudFormation, valid Jinja that renders (with sample
 * values for the names, inputs and outputs it reads) into a CloudFormation template
 * (Terraform is not parsed at synth: Terraform reports its syntax errors when Proton deploys it).
 *
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-components.html
 */
export abstract class ComponentInfrastructure {
  /**
   * The IaC file at `filePath`.
   *
   * @param filePath the file to read
   * @param language the file's language
   * @default - from the file's extension: `.yaml`, `.yml`, `.json` for CloudFormation, `.tf` for Terraform
   */
  public static fromFile(filePath: string, language?: ComponentTemplateLanguage): ComponentInfrastructure {
    const where = `ComponentInfrastructure.fromFile('${filePath}')`;
    const extension = path.extname(filePath).toLowerCase();
    const resolved = language ?? EXTENSION_LANGUAGES[extension];
    if (resolved === undefined) {
      throw new Error(`${where}: cannot tell the template language from the extension '${extension}' `
        + `(known: ${Object.keys(EXTENSION_LANGUAGES).join(', ')}). Pass language, e.g. ComponentTemplateLanguage.TERRAFORM.`);
    }
    let text: string;
    try {
      text = fs.readFileSync(filePath, 'utf8');
    } catch (e) {
      throw new Error(`${where}: cannot read the file: ${(e as Error).message}. Give the path of the component's IaC file.`);
    }
    return new InlineInfrastructure(where, text, resolved);
  }

  /**
   * The IaC file's content.
   *
   * @param templateFile the CloudFormation template or Terraform configuration
   * @param language its language
   */
  public static fromString(templateFile: string, language: ComponentTemplateLanguage): ComponentInfrastructure {
    return new InlineInfrastructure('ComponentInfrastructure.fromString', templateFile, language);
  }

  /** The `manifest.yaml` text naming the IaC file (Proton cannot change it: a new one replaces the component). */
  public abstract readonly manifest: string;

  /** The IaC file. */
  public abstract readonly templateFile: string;

  /** The IaC file's language. */
  public abstract readonly language: ComponentTemplateLanguage;

  /** @internal The outputs the IaC file declares; undefined when Jinja may generate them. */
  public abstract readonly _outputKeys?: readonly string[];
}

class InlineInfrastructure extends ComponentInfrastructure {
  public readonly manifest: string;
  public readonly templateFile: string;
  public readonly language: ComponentTemplateLanguage;
  public readonly _outputKeys?: readonly string[];

  constructor(where: string, templateFile: string, language: ComponentTemplateLanguage) {
    super();
    const files = LANGUAGE_FILES[language];
    if (files === undefined) {
      throw new Error(`${where}: unknown language '${language}'. Give ComponentTemplateLanguage.CLOUDFORMATION or ComponentTemplateLanguage.TERRAFORM.`);
    }
    this.manifest = 'infrastructure:\n  templates:\n'
      + `    - file: ${files.file}\n      rendering_engine: ${files.renderingEngine}\n      template_language: ${language}\n`;
    this.templateFile = templateFile;
    this.language = language;
    if (!Token.isUnresolved(templateFile)) {
      this._outputKeys = checkTemplateFile(where, templateFile, language);
    }
  }
}

/** Checks an IaC file known at synth; returns its output keys when they are known. */
function checkTemplateFile(where: string, text: string, language: ComponentTemplateLanguage): readonly string[] | undefined {
  if (text.trim().length === 0) {
    throw new Error(`${where}: the ${language} file is empty. Give the component's infrastructure (at least one resource).`);
  }
  if (text.length > MAX_TEMPLATE_FILE_LENGTH) {
    throw new Error(`${where}: the ${language} file has ${text.length} characters; Proton accepts at most ${MAX_TEMPLATE_FILE_LENGTH}. `
      + 'Shorten it, or move shared infrastructure into the environment or service templates.');
  }
  if (language === ComponentTemplateLanguage.TERRAFORM) {
    return terraformOutputKeys(text);
  }
  return checkComponentTemplate(where, text);
}

/** An AWS Proton component. */
export interface IComponent extends IProtonDeployedResource {
  /**
   * The name of the component.
   * @attribute
   */
  readonly componentName: string;

  /**
   * The ARN of the component.
   * @attribute
   */
  readonly componentArn: string;

  /**
   * Grants reading the component: `proton:GetComponent`, `ListComponentOutputs`,
   * `ListComponentProvisionedResources` and `ListTagsForResource` on its ARN.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant;

  /**
   * Grants deploying the component: `proton:UpdateComponent`, `CancelComponentDeployment` and
   * reading it (see `grantRead`).
   */
  grantDeploy(grantee: iam.IGrantable): iam.Grant;
}

/** Attributes of an existing component: give its name or its ARN. */
export interface ComponentAttributes {
  /**
   * The component's name.
   * @default - taken from `componentArn`
   */
  readonly componentName?: string;

  /**
   * The component's ARN (its account and region are the component's).
   * @default - built from `componentName` in the stack's account and region
   */
  readonly componentArn?: string;
}

/** Properties of a {@link Component}. */
export interface ComponentProps {
  /**
   * The component's name: 1 to 100 letters, digits, `_` and `-`, starting with a letter or digit.
   * Proton cannot rename a component: changing it replaces the component.
   *
   * @default - a name generated from the construct path and a hash of what forces a replacement:
   * the manifest and the environment (a standalone component's, or its instance's when known;
   * else the service and instance). Attaching and detaching within one environment update the
   * component in place.
   */
  readonly componentName?: string;

  /** The component's IaC file. A change of its content redeploys the component (CURRENT_VERSION). */
  readonly infrastructure: ComponentInfrastructure;

  /**
   * The environment of a standalone component. Give it, or `serviceInstance`. The environment
   * needs a component role (`componentRole` of `Environment`).
   *
   * @default - the environment of `serviceInstance`
   */
  readonly environment?: IEnvironment;

  /**
   * The service instance the component is attached to (an instance has at most one component):
   * from `Service.addInstance`, a `ServiceInstance`, or `ServiceInstance.fromServiceInstanceName`.
   * Its service's template version must support `ComponentSource.DIRECTLY_DEFINED`, and its
   * environment needs a component role.
   *
   * @default - a standalone component in `environment`
   */
  readonly serviceInstance?: IServiceInstance;

  /**
   * The instance's inputs as the component's IaC reads them (`service_instance.inputs.<name>`),
   * for an attached component. Values may be tokens. Changing them redeploys the component.
   *
   * @default - the instance's spec when this app declares the instance, else none
   */
  readonly serviceInstanceSpec?: ServiceInstanceSpec;

  /**
   * A description (up to 500 characters). Updated without a deployment.
   *
   * @default - no description
   */
  readonly description?: string;

  /**
   * What happens to the Proton component when it is removed from the stack.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

abstract class ComponentBase extends ProtonDeployedResourceBase implements IComponent {
  /** @internal */
  public readonly _kind = KIND;
  public abstract readonly componentName: string;
  public abstract readonly componentArn: string;
  /** @internal */
  protected get _eventResourceArn(): string {
    return this.componentArn;
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this._grant(grantee, GRANTS.component.read);
  }

  public grantDeploy(grantee: iam.IGrantable): iam.Grant {
    return this._grant(grantee, GRANTS.component.deploy);
  }
}

/**
 * A directly defined AWS Proton component: infrastructure a developer adds next to a service
 * instance (attached) or in an environment (standalone), provisioned with the environment's
 * component role, through a cdk-proton custom resource.
 *
 * Its IaC reads `service_instance.inputs.<name>`, `environment.outputs.<name>`,
 * `environment.name`, `service.name` and `component.name` (CloudFormation: Jinja
 * `'{{ environment.outputs.VpcId }}'`; Terraform: `var.environment.outputs.VpcId`).
 * A new IaC file or new inputs redeploy the component (CURRENT_VERSION), a new description does
 * not (NONE); each deployment is waited for and a failure carries Proton's message. The component
 * depends on its service (attached) or environment (standalone), and on whatever this app declares
 * its instance with — a `ServiceInstance`, or a `Service` (also when the component was given an import
 * of it, and whichever is declared first) — so CloudFormation creates it after them and deletes it first.
 *
 * @resource Custom::ProtonComponent
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-components.html
 */
export class Component extends ComponentBase implements ITaggable {
  /** Whether `x` is a `Component` construct (of any copy of this library). */
  public static isComponent(x: any): x is Component {
    return isMarked(x, 'Component');
  }

  /** References an existing component by name, in the stack's account and region. */
  public static fromComponentName(scope: Construct, id: string, componentName: string): IComponent {
    return Component.fromComponentAttributes(scope, id, { componentName });
  }

  /** References an existing component by ARN (`arn:<partition>:proton:<region>:<account>:component/<name>`). */
  public static fromComponentArn(scope: Construct, id: string, componentArn: string): IComponent {
    return Component.fromComponentAttributes(scope, id, { componentArn });
  }

  /** References an existing component by name or ARN. */
  public static fromComponentAttributes(scope: Construct, id: string, attrs: ComponentAttributes): IComponent {
    const { name, arn } = importedIdentity(scope, KIND, attrs.componentName, attrs.componentArn);
    class Import extends ComponentBase {
      public readonly componentName = name;
      public readonly componentArn = arn;
    }
    return new Import(scope, id, { environmentFromArn: arn });
  }

  public readonly componentName: string;
  public readonly componentArn: string;

  /**
   * The environment the component is deployed in (for an attached component, its instance's).
   * @attribute
   */
  public readonly componentEnvironmentName: string;

  /** Tags of the component (`Tags.of(...)` works too). Updated without a deployment. */
  public readonly tags: TagManager = protonTags(KIND);

  private readonly resource?: ProtonCustomResource<typeof KIND.resourceType>;
  /** The cloudformation backend's nested stack. */
  private readonly nested?: RenderedNestedStack;
  private readonly infrastructure: ComponentInfrastructure;
  /** Output keys read by the app: only these travel back through the custom resource. */
  private readonly requestedOutputs = new Set<string>();

  constructor(scope: Construct, id: string, props: ComponentProps) {
    super(scope, id, { physicalName: props.componentName ?? Lazy.string({ produce: () => generatedName }) });
    markAs(this, 'Component');
    const cloudFormation = usesCloudFormationBackend(this);
    validateResourceName('componentName', props.componentName);
    validateLength('description', props.description, 0, 500);
    this.checkPlacement(props);
    this.infrastructure = props.infrastructure;

    const instance = props.serviceInstance;
    const service = instance?.service;
    // Where the component lives: an instance of a service, or an environment.
    const placement = instance
      ? { ServiceName: instance.service.serviceName, ServiceInstanceName: instanceNameOf(instance) }
      : { EnvironmentName: props.environment!.environmentName };
    // Lazy: the environment of an attached component is its instance's, which may be declared later.
    const generatedName = Lazy.string({
      produce: () => generatePhysicalName(this, { Manifest: props.infrastructure.manifest, Environment: this.environmentIdentity(props) }, 100),
    });
    const name = props.componentName ?? generatedName;
    const rendering = {
      name,
      templateFile: props.infrastructure.templateFile,
      cloudFormation: props.infrastructure.language === ComponentTemplateLanguage.CLOUDFORMATION,
      environment: props.environment,
      service,
      serviceInstanceName: instance && instanceNameAtSynth(instance),
      serviceInstanceInputs: props.serviceInstanceSpec?.inputs,
      requestedOutputs: () => [...this.requestedOutputs],
    };
    this.node.addValidation({
      validate: () => (instance && Service.isService(instance.service) ? this.attachmentErrors(instance.service, instanceNameAtSynth(instance)) : []),
    });
    if (instance) {
      // At synth, not now: the app may declare the instance after the component (Service.addInstance, or a ServiceInstance).
      let linked = false;
      Aspects.of(this).add({
        visit: (node) => {
          if (node !== this || linked) return;
          linked = true;
          this.orderAfterInstance(instance);
        },
      });
    }
    if (cloudFormation) {
      this.nested = this.renderedComponent(props, checkComponentRendering(this, rendering));
      this.componentName = name;
      this.componentArn = protonArn(this, KIND.arnResourceType, name);
      this.componentEnvironmentName = Lazy.string({ produce: () => this.environmentOf(props)?.environmentName });
      return;
    }

    const provider = ProtonProvider.getOrCreate(this);
    // The instance of a Service of this stack is already the handler's (the Service's permissions).
    const instanceOfStack = Service.isService(service) && Stack.of(service) === Stack.of(this);
    provider.allowHandler(this, KIND.resourceType, {
      'component': [protonArn(this, KIND.arnResourceType, name)],
      'service-instance': instance && service && !instanceOfStack
        ? [protonArn(this, KINDS.service.arnResourceType, `${nameAtSynth(service, service.serviceName)}/service-instance/${instanceNameAtSynth(instance)}`)]
        : [],
    }, {}, ['service-instance']);

    this.resource = new ProtonCustomResource(this, {
      kind: KIND,
      properties: {
        Name: name,
        ...placement,
        Manifest: props.infrastructure.manifest,
        TemplateFile: props.infrastructure.templateFile,
        ServiceInstanceInputs: instance ? this.renderInputs(instance, props.serviceInstanceSpec) : undefined,
        Description: props.description,
        // Lazy: getOutput() may be called after construction.
        Outputs: Lazy.list({ produce: () => [...this.requestedOutputs].sort() }, { omitEmpty: true }),
      },
      removalPolicy: props.removalPolicy,
      tags: this.tags,
      identity: { name, property: 'componentName', importWith: 'Component.fromComponentName' },
    });
    // Deleted before the service (or environment) it lives in, and before its instance when a ServiceInstance of the app declares it.
    this.resource.resource.node.addDependency(service ?? props.environment!);
    checkComponentRendering(this, rendering);

    this.componentName = this.getResourceNameAttribute(this.resource.attr('Name'));
    this.componentArn = this.getResourceArnAttribute(this.resource.attr('Arn'), protonArnComponents(KIND.arnResourceType, this.physicalName));
    this.componentEnvironmentName = this.resource.attr('EnvironmentName');
  }

  /**
   * An output of the component's infrastructure (a CloudFormation `Outputs` entry or a Terraform
   * `output` block), as a token resolved at deploy time. Only the outputs the app reads travel
   * back through the custom resource.
   *
   * @param key the output's name, e.g. `QueueUrl`
   */
  public getOutput(key: string): string {
    checkOutputKey(key, 'QueueUrl', "the component's IaC file");
    const declared = this.infrastructure._outputKeys;
    if (declared !== undefined && !declared.includes(key)) {
      throw new Error(`Component '${this.node.path}': getOutput('${key}'): the component's ${this.infrastructure.language} file declares no output '${key}' `
        + `(outputs: ${declared.join(', ') || 'none'}). Read one of these, or declare it in ${LANGUAGE_FILES[this.infrastructure.language].outputs}.`);
    }
    if (this.nested) {
      this.requestedOutputs.add(key);
      return this.nested.output(key);
    }
    return this.resource!.output(key, this.requestedOutputs, key, 'QueueUrl');
  }

  /**
   * The cloudformation backend: the rendered IaC file as a nested stack, after its environment's
   * and, as in Proton, after its instance's — unless the instance's template reads the outputs of
   * its component, which then deploys first (one deployment cannot go back and forth as Proton's
   * re-deployment of the instance did).
   */
  private renderedComponent(props: ComponentProps, render: ReturnType<typeof checkComponentRendering>): RenderedNestedStack {
    const what = `Component '${this.node.path}'`;
    if (props.infrastructure.language !== ComponentTemplateLanguage.CLOUDFORMATION) {
      throw new Error(`${what}: its IaC file is Terraform (rendering_engine hcl); the cloudformation backend deploys CloudFormation only. `
        + 'Apply it with Terraform, or write the component in CloudFormation (ComponentInfrastructure.fromFile(\'cloudformation.yaml\')).');
    }
    warnIgnored(this, 'description', props.description, 'the component is a nested stack, which has no description.');
    const nested = new RenderedNestedStack(this, 'Stack', {
      what,
      render,
      valueOf: (label) => {
        const key = labelKey(label, 'environment.outputs.');
        const environment = this.environmentOf(props);
        return key !== undefined && Environment.isEnvironment(environment) ? environment.getOutput(key) : undefined;
      },
    });
    const instance = props.serviceInstance;
    if (props.environment) nested.resource.node.addDependency(props.environment);
    if (instance && Service.isService(instance.service)) {
      registerComponentOutputs(instance.service, instanceNameAtSynth(instance), (key) => this.getOutput(key));
    }
    return nested;
  }

  /** The environment the component is deployed in: its own, or its instance's (when this app declares the instance). */
  private environmentOf(props: ComponentProps): IEnvironment | undefined {
    return props.environment ?? (props.serviceInstance && declaredInstance(props.serviceInstance)?.environment);
  }

  /** Exactly one of `environment` and `serviceInstance`, each able to host the component. */
  private checkPlacement(props: ComponentProps): void {
    const what = `Component '${this.node.path}'`;
    if (props.serviceInstance !== undefined && props.environment !== undefined) {
      throw new Error(`${what}: give either environment (a standalone component) or serviceInstance (an attached component), not both: `
        + "an attached component runs in its instance's environment. Remove environment.");
    }
    if (props.serviceInstance === undefined && props.environment === undefined) {
      throw new Error(`${what}: give environment (a standalone component) or serviceInstance (a component attached to a service instance).`);
    }
    if (props.environment !== undefined && props.serviceInstanceSpec !== undefined) {
      throw new Error(`${what}: serviceInstanceSpec applies only to a component attached to a service instance (serviceInstance); `
        + 'a standalone component has none. Remove serviceInstanceSpec.');
    }
    if (Environment.isEnvironment(props.environment) && props.environment._acceptsComponents === false) {
      throw new Error(`${what}: ${noComponentRole(props.environment)}`);
    }
    const service = props.serviceInstance?.service;
    const version = Service.isService(service) ? service._templateVersion : undefined;
    if (ServiceTemplateVersion.isServiceTemplateVersion(version) && !version._supportedComponentSources.includes(ComponentSource.DIRECTLY_DEFINED)) {
      throw new Error(`${what}: service '${service!.node.path}' runs service template version '${version.node.path}', whose supportedComponentSources `
        + 'do not include DIRECTLY_DEFINED, so Proton refuses components attached to its instances. '
        + 'Add supportedComponentSources: [ComponentSource.DIRECTLY_DEFINED] to that version.');
    }
  }

  /**
   * The instance's inputs as a JSON object text: the given ones (checked against the service
   * template version's schema when known), else those of the instance when this app declares it.
   */
  private renderInputs(instance: IServiceInstance, spec: ServiceInstanceSpec | undefined): string | undefined {
    const stack = Stack.of(this);
    const service = instance.service;
    if (spec !== undefined) {
      const version = Service.isService(service) ? service._templateVersion : undefined;
      const schema = ServiceTemplateVersion.isServiceTemplateVersion(version) ? version.schema : undefined;
      const errors = schema ? checkSpecInputs(schema.yaml, 'service_input_type', spec.inputs, 'serviceInstanceSpec') : [];
      if (errors.length > 0) {
        throw new Error(`Component '${this.node.path}': serviceInstanceSpec does not match the service template version's schema: ${formatSpecErrors(errors)}. Fix these inputs.`);
      }
      return stack.toJsonString(spec.inputs);
    }
    // Lazy: with an imported instance of a Service of this app, the instance may be added with addInstance() after the component.
    return Lazy.uncachedString({
      produce: () => {
        const declared = declaredInstance(instance);
        return declared?._spec ? stack.toJsonString(declared._spec.inputs) : undefined;
      },
    });
  }

  /**
   * What identifies the component's environment in its generated name: Proton cannot move a
   * component to another environment, so only a change of environment (or of manifest) renames it.
   */
  private environmentIdentity(props: ComponentProps): unknown {
    if (props.environment) return props.environment.environmentName;
    const instance = props.serviceInstance!;
    const environment = declaredInstance(instance)?.environment ?? instance.environment;
    return environment ? environment.environmentName : { Service: instance.service.serviceName, Instance: instanceNameAtSynth(instance) };
  }

  /**
   * Orders the component after the instance it is attached to, when this app (stage) declares that
   * instance — with a `ServiceInstance`, or in a `Service` — whatever reference the component was
   * given (the construct, or an import of the same service): CloudFormation then creates the
   * component after its instance and deletes it first (Proton refuses to create a component for a
   * missing instance, and to delete an instance with an attached component). Nothing in the
   * component's properties references that construct otherwise. One mechanism for both backends:
   * on the proton backend the component depends on the `ServiceInstance` (or the `Service`); on the
   * cloudformation backend its nested stack depends on the instance's environment and, unless the
   * instance's template reads the component's outputs (then the instance comes after), on the
   * instance's nested stack.
   */
  private orderAfterInstance(instance: IServiceInstance): void {
    const declared = instanceDeclaredInApp(this, instance);
    if (declared === undefined) return;
    const nested = this.nested;
    if (nested === undefined) {
      this.node.addDependency(declaredInService(declared) ? declared.service : declared);
      return;
    }
    nested.resource.node.addDependency(declared.environment!);
    const service = declared.service;
    const instanceFile = Service.isService(service) ? service._cfnRendering?.bundle?.cloudFormationFiles.instance_infrastructure?.text ?? '' : '';
    if (!/service_instance\.components\b/.test(instanceFile)) nested.resource.node.addDependency(declared);
  }

  /** Problems of the attachment to an instance of a `Service` of this app, once every instance is declared. */
  private attachmentErrors(service: Service, instanceName: string): string[] {
    const instances = service._instances();
    const instance = instances.find((i) => instanceNameAtSynth(i) === instanceName);
    if (!instance) {
      return [`Component '${this.node.path}': service '${service.node.path}' declares no instance '${instanceName}' `
        + `(instances: ${instances.map(instanceNameAtSynth).join(', ') || 'none'}). Attach the component to one of them, `
        + `or declare the instance with addInstance('${instanceName}', { environment }).`];
    }
    const environment = instance.environment;
    if (Environment.isEnvironment(environment) && environment._acceptsComponents === false) {
      return [`Component '${this.node.path}': it is attached to instance '${instanceName}', whose ${noComponentRole(environment)}`];
    }
    return [];
  }
}

/** The instance's name as known at synth (a `ServiceInstance`'s name attribute would be a token). */
function instanceNameAtSynth(instance: IServiceInstance): string {
  return (instance as Partial<ServiceInstanceBase>)._nameAtSynth ?? instance.serviceInstanceName;
}

/** The name the component's properties use: the instance's name attribute orders the component after a `ServiceInstance` of its stack. */
function instanceNameOf(instance: IServiceInstance): string {
  return instance.serviceInstanceName;
}

/** The instance as this app declares it: itself, or the instance its `Service` of this app declares under that name. */
function declaredInstance(instance: IServiceInstance): IServiceInstance & Partial<ServiceInstanceBase> | undefined {
  if ((instance as Partial<ServiceInstanceBase>)._spec !== undefined) {
    return instance;
  }
  const service = instance.service;
  return Service.isService(service) ? service._instances().find((i) => instanceNameAtSynth(i) === instanceNameAtSynth(instance)) : undefined;
}

/**
 * The instance as this app's stage declares it, found at synth (when every construct exists): the
 * given instance when it is a declaration, else a `ServiceInstance` or an instance of a `Service`
 * of the same stage with the same name, of the same service (the same construct, or the same name
 * in the same account and region). Dependencies cannot cross stages (separate cloud assemblies).
 */
function instanceDeclaredInApp(scope: Construct, instance: IServiceInstance): IServiceInstance & Partial<ServiceInstanceBase> | undefined {
  const own = declaredInstance(instance);
  if (own !== undefined) return own;
  const name = instanceNameAtSynth(instance);
  const stage = Stage.of(scope);
  const inStage = scope.node.root.node.findAll().filter((c) => Stage.of(c) === stage);
  const declarations = [
    ...inStage.filter(ServiceInstance.isServiceInstance),
    ...inStage.filter(Service.isService).flatMap((service) => service._instances()),
  ] as Array<IServiceInstance & Partial<ServiceInstanceBase>>;
  return declarations.find((i) => instanceNameAtSynth(i) === name && sameService(i.service, instance.service));
}

/** Whether an instance is one of a `Service`'s (its resource is the service's). */
function declaredInService(instance: IServiceInstance): boolean {
  return !ServiceInstance.isServiceInstance(instance);
}

function noComponentRole(environment: Environment): string {
  return `environment '${environment.node.path}' has no component role, so Proton cannot provision directly defined components in it. `
    + 'Give that Environment a componentRole (the componentRole prop): the role Proton provisions components with.';
}
