import * as fs from 'fs';
import * as path from 'path';
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
import { Environment, IEnvironment } from './environment';
import { generatePhysicalName } from './physical-name-util';
import { reservedTagErrors } from './reserved-tags';
import { IService, Service } from './service';
import { ComponentSource, ServiceTemplateVersion } from './service-template-version';
import { validateLength, validateResourceName } from './validation-util';
import { ComponentProperties, OUTPUT_ATTRIBUTE_PREFIX, ProtonResourceType } from '../custom-resources/contract';
import { ProtonProvider } from '../custom-resources/proton-provider';
import { registerComponentAttachment } from '../private/instance-attachments';
import { GRANTS, grantProton } from '../private/permissions';
import {
  COMPONENT_ARN_RESOURCE_TYPE, SERVICE_ARN_RESOURCE_TYPE, nameAtSynth, protonArn, protonArnComponents, protonArnName,
} from '../private/proton-arns';
import { checkComponentRendering, checkComponentTemplate } from '../private/render/synth';
import { checkSpecInputs } from '../private/spec-rendering';
import { formatSpecErrors } from '../private/spec-schema';
import { terraformOutputKeys } from '../private/template-bundle-rules';


/** Proton's limit of a component's IaC file (`TemplateFileContents`), in characters. */
const MAX_TEMPLATE_FILE_LENGTH = 51_200;
const OUTPUT_KEY = /^[A-Za-z0-9_.-]{1,1024}$/;

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
export interface IComponent extends IResource {
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

/** Properties of a {@link Component}. */
export interface ComponentProps {
  /**
   * The component's name: 1 to 100 letters, digits, `_` and `-`, starting with a letter or digit.
   * Proton cannot rename a component: changing it replaces the component.
   *
   * @default - a name generated from the construct path and a hash of what forces a replacement:
   * the manifest and the environment (a standalone component's, or its instance's when `service`
   * is a `Service` of this app; else the service and instance). Attaching and detaching within
   * one environment update the component in place.
   */
  readonly componentName?: string;

  /** The component's IaC file. A change of its content redeploys the component (CURRENT_VERSION). */
  readonly infrastructure: ComponentInfrastructure;

  /**
   * The environment of a standalone component. Give it, or `service` with `serviceInstanceName`.
   * The environment needs a component role (`componentRole` of `Environment`).
   *
   * @default - the environment of the service instance the component is attached to
   */
  readonly environment?: IEnvironment;

  /**
   * The service whose instance `serviceInstanceName` the component is attached to. Its template
   * version must support `ComponentSource.DIRECTLY_DEFINED`, and the instance's environment needs
   * a component role.
   *
   * @default - a standalone component in `environment`
   */
  readonly service?: IService;

  /**
   * The service instance the component is attached to (with `service`). An instance has at most
   * one component.
   *
   * @default - a standalone component in `environment`
   */
  readonly serviceInstanceName?: string;

  /**
   * The instance's inputs as the component's IaC reads them (`service_instance.inputs.<name>`),
   * for an attached component. Values may be tokens. Changing them redeploys the component.
   *
   * @default - the instance's inputs when `service` is a `Service` of this app that declares the
   * instance, else none
   */
  readonly serviceInstanceInputs?: { [name: string]: any };

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

abstract class ComponentBase extends Resource implements IComponent {
  public abstract readonly componentName: string;
  public abstract readonly componentArn: string;

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return grantProton(grantee, GRANTS.component.read, { component: [this.componentArn] });
  }

  public grantDeploy(grantee: iam.IGrantable): iam.Grant {
    return grantProton(grantee, GRANTS.component.deploy, { component: [this.componentArn] });
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
 * depends on its service (attached) or environment (standalone), and on the `ServiceInstance` of
 * this app declaring its instance, if any, so CloudFormation creates it after them and deletes it first.
 *
 * @resource Custom::ProtonComponent
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-components.html
 */
export class Component extends ComponentBase implements ITaggable {
  /** References an existing component by name, in the stack's account and region. */
  public static fromComponentName(scope: Construct, id: string, componentName: string): IComponent {
    validateResourceName('componentName', componentName);
    return Component.imported(scope, id, componentName, protonArn(scope, COMPONENT_ARN_RESOURCE_TYPE, componentName));
  }

  /** References an existing component by ARN (`arn:<partition>:proton:<region>:<account>:component/<name>`). */
  public static fromComponentArn(scope: Construct, id: string, componentArn: string): IComponent {
    const name = protonArnName(componentArn, { resourceType: COMPONENT_ARN_RESOURCE_TYPE, property: 'componentArn', kind: 'component' });
    validateResourceName('componentArn name', name);
    return Component.imported(scope, id, name, componentArn);
  }

  private static imported(scope: Construct, id: string, name: string, arn: string): IComponent {
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
  public readonly tags: TagManager = new TagManager(TagType.MAP, ProtonResourceType.COMPONENT);

  private readonly resource: CustomResource;
  private readonly infrastructure: ComponentInfrastructure;
  /** Output keys read by the app: only these travel back through the custom resource. */
  private readonly requestedOutputs = new Set<string>();

  constructor(scope: Construct, id: string, props: ComponentProps) {
    super(scope, id, { physicalName: props.componentName ?? Lazy.string({ produce: () => generatedName }) });
    validateResourceName('componentName', props.componentName);
    validateResourceName('serviceInstanceName', props.serviceInstanceName);
    validateLength('description', props.description, 0, 500);
    this.checkPlacement(props);
    this.infrastructure = props.infrastructure;

    const service = props.service;
    const instanceName = props.serviceInstanceName;
    // Where the component lives: an instance of a service, or an environment.
    const placement = service
      ? { ServiceName: service.serviceName, ServiceInstanceName: instanceName }
      : { EnvironmentName: props.environment!.environmentName };
    // Lazy: the environment of an attached component is its instance's, which may be declared later.
    const generatedName = Lazy.string({
      produce: () => generatePhysicalName(this, { Manifest: props.infrastructure.manifest, Environment: this.environmentIdentity(props) }, 100),
    });
    const name = props.componentName ?? generatedName;

    const provider = ProtonProvider.getOrCreate(this);
    // The instance of a Service of this stack is already the handler's (the Service's permissions).
    const instanceOfStack = service instanceof Service && Stack.of(service) === Stack.of(this);
    provider.allowHandler(this, ProtonResourceType.COMPONENT, {
      'component': [protonArn(this, COMPONENT_ARN_RESOURCE_TYPE, name)],
      'service-instance': service && !instanceOfStack
        ? [protonArn(this, SERVICE_ARN_RESOURCE_TYPE, `${nameAtSynth(service, service.serviceName)}/service-instance/${instanceName}`)]
        : [],
    }, {}, ['service-instance']);

    const properties: ComponentProperties = {
      Name: name,
      ...placement,
      Manifest: props.infrastructure.manifest,
      TemplateFile: props.infrastructure.templateFile,
      ServiceInstanceInputs: service ? this.renderInputs(service, instanceName!, props.serviceInstanceInputs) : undefined,
      Description: props.description,
      // Rendered at synth from the TagManager (a token here); the contract type is what it resolves to.
      Tags: this.tags.renderedTags as unknown as Record<string, string>,
      // Lazy: getOutput() may be called after construction.
      Outputs: Lazy.list({ produce: () => [...this.requestedOutputs].sort() }, { omitEmpty: true }),
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: ProtonResourceType.COMPONENT,
      properties: { ...properties },
      serviceTimeout: ProtonProvider.SERVICE_TIMEOUT,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    // Deleted before the service (or environment) it lives in, and before its instance when a ServiceInstance of the app declares it.
    this.resource.node.addDependency(service ?? props.environment!);
    if (service) {
      registerComponentAttachment(this, service, instanceName!);
    }
    checkComponentRendering(this, {
      name,
      templateFile: props.infrastructure.templateFile,
      cloudFormation: props.infrastructure.language === ComponentTemplateLanguage.CLOUDFORMATION,
      environment: props.environment,
      service,
      serviceInstanceName: instanceName,
      serviceInstanceInputs: props.serviceInstanceInputs,
      requestedOutputs: () => [...this.requestedOutputs],
    });

    this.componentName = this.getResourceNameAttribute(this.resource.getAttString('Name'));
    this.componentArn = this.getResourceArnAttribute(this.resource.getAttString('Arn'), protonArnComponents(COMPONENT_ARN_RESOURCE_TYPE, this.physicalName));
    this.componentEnvironmentName = this.resource.getAttString('EnvironmentName');
    this.node.addValidation({
      validate: () => [
        ...(service instanceof Service ? this.attachmentErrors(service, instanceName!) : []),
        ...reservedTagErrors(this.tags, `component '${this.node.path}'`),
      ],
    });
  }

  /**
   * An output of the component's infrastructure (a CloudFormation `Outputs` entry or a Terraform
   * `output` block), as a token resolved at deploy time. Only the outputs the app reads travel
   * back through the custom resource.
   *
   * @param key the output's name, e.g. `QueueUrl`
   */
  public getOutput(key: string): string {
    if (Token.isUnresolved(key) || !OUTPUT_KEY.test(key)) {
      throw new Error(`getOutput: '${key}' is not an output name: give the literal name of an output of the component's IaC file (letters, digits, '_', '.', '-'), e.g. 'QueueUrl'.`);
    }
    const declared = this.infrastructure._outputKeys;
    if (declared !== undefined && !declared.includes(key)) {
      throw new Error(`Component '${this.node.path}': getOutput('${key}'): the component's ${this.infrastructure.language} file declares no output '${key}' `
        + `(outputs: ${declared.join(', ') || 'none'}). Read one of these, or declare it in ${LANGUAGE_FILES[this.infrastructure.language].outputs}.`);
    }
    this.requestedOutputs.add(key);
    return this.resource.getAttString(`${OUTPUT_ATTRIBUTE_PREFIX}${key}`);
  }

  /** Exactly one of `environment` and `service` + `serviceInstanceName`, each able to host the component. */
  private checkPlacement(props: ComponentProps): void {
    const what = `Component '${this.node.path}'`;
    if (props.serviceInstanceName !== undefined && props.service === undefined) {
      throw new Error(`${what}: serviceInstanceName '${props.serviceInstanceName}' needs service, the service the instance belongs to. Give service, or remove serviceInstanceName.`);
    }
    if (props.service !== undefined && props.serviceInstanceName === undefined) {
      throw new Error(`${what}: service needs serviceInstanceName, the instance of the service to attach the component to. Give serviceInstanceName.`);
    }
    if (props.service !== undefined && props.environment !== undefined) {
      throw new Error(`${what}: give either environment (a standalone component) or service with serviceInstanceName (an attached component), not both: `
        + "an attached component runs in its instance's environment. Remove environment.");
    }
    if (props.service === undefined && props.environment === undefined) {
      throw new Error(`${what}: give environment (a standalone component) or service with serviceInstanceName (a component attached to a service instance).`);
    }
    if (props.environment !== undefined && props.serviceInstanceInputs !== undefined) {
      throw new Error(`${what}: serviceInstanceInputs apply only to a component attached to a service instance (service and serviceInstanceName); `
        + 'a standalone component has none. Remove serviceInstanceInputs.');
    }
    if (props.environment instanceof Environment && props.environment._acceptsComponents === false) {
      throw new Error(`${what}: ${noComponentRole(props.environment)}`);
    }
    const version = props.service instanceof Service ? props.service._templateVersion : undefined;
    if (version instanceof ServiceTemplateVersion && !version._supportedComponentSources.includes(ComponentSource.DIRECTLY_DEFINED)) {
      throw new Error(`${what}: service '${props.service!.node.path}' runs service template version '${version.node.path}', whose supportedComponentSources `
        + 'do not include DIRECTLY_DEFINED, so Proton refuses components attached to its instances. '
        + 'Add supportedComponentSources: [ComponentSource.DIRECTLY_DEFINED] to that version.');
    }
  }

  /**
   * The instance's inputs as a JSON object text: the given ones (checked against the service
   * template version's schema when known), else those of the instance declared by a `Service` of this app.
   */
  private renderInputs(service: IService, instanceName: string, inputs: { [name: string]: any } | undefined): string | undefined {
    const stack = Stack.of(this);
    if (inputs !== undefined) {
      const version = service instanceof Service ? service._templateVersion : undefined;
      const schema = version instanceof ServiceTemplateVersion ? version.schema : undefined;
      const errors = schema ? checkSpecInputs(schema.yaml, 'service_input_type', inputs, 'serviceInstanceInputs') : [];
      if (errors.length > 0) {
        throw new Error(`Component '${this.node.path}': serviceInstanceInputs do not match the service template version's schema: ${formatSpecErrors(errors)}. Fix these inputs.`);
      }
      return stack.toJsonString(inputs);
    }
    if (!(service instanceof Service)) {
      return undefined;
    }
    // Lazy: the instance may be added with addInstance() after the component.
    return Lazy.uncachedString({
      produce: () => {
        const declared = service._instances().find((i) => i.name === instanceName);
        return declared ? stack.toJsonString(declared.inputs ?? {}) : undefined;
      },
    });
  }

  /**
   * What identifies the component's environment in its generated name: Proton cannot move a
   * component to another environment, so only a change of environment (or of manifest) renames it.
   */
  private environmentIdentity(props: ComponentProps): unknown {
    if (props.environment) return props.environment.environmentName;
    const service = props.service!;
    const instance = service instanceof Service ? service._instances().find((i) => i.name === props.serviceInstanceName) : undefined;
    return instance ? instance.environment.environmentName : { Service: service.serviceName, Instance: props.serviceInstanceName };
  }

  /** Problems of the attachment to an instance of a `Service` of this app, once every instance is declared. */
  private attachmentErrors(service: Service, instanceName: string): string[] {
    const instances = service._instances();
    const instance = instances.find((i) => i.name === instanceName);
    if (!instance) {
      return [`Component '${this.node.path}': service '${service.node.path}' declares no instance '${instanceName}' `
        + `(instances: ${instances.map((i) => i.name).join(', ') || 'none'}). Give serviceInstanceName one of them, `
        + `or declare the instance with addInstance('${instanceName}', { environment }).`];
    }
    const environment = instance.environment;
    if (environment instanceof Environment && environment._acceptsComponents === false) {
      return [`Component '${this.node.path}': it is attached to instance '${instanceName}', whose ${noComponentRole(environment)}`];
    }
    return [];
  }
}

function noComponentRole(environment: Environment): string {
  return `environment '${environment.node.path}' has no component role, so Proton cannot provision directly defined components in it. `
    + 'Give that Environment a componentRole (the componentRole prop): the role Proton provisions components with.';
}
