import { ITaggable, Lazy, RemovalPolicy, TagManager, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { IEnvironmentAccountConnection } from './environment-account-connection';
import { IEnvironmentTemplate } from './environment-template';
import { EnvironmentTemplateVersion, IEnvironmentTemplateVersion } from './environment-template-version';
import { generatePhysicalName } from './physical-name-util';
import { IProtonDeployedResource } from './proton-resource';
import { IRepository } from './repository';
import { EnvironmentSpec } from './spec';
import { TemplateSchema } from './template-bundle';
import { resolveTemplateVersion } from './template-version-base';
import { validateLength, validateResourceName } from './validation-util';
import { ProtonProvider } from '../custom-resources/proton-provider';
import { codeBuildRefusal, nonCloudFormationRefusal, usesCloudFormationBackend, warnIgnored } from '../private/cfn-backend/backend';
import { RenderedNestedStack } from '../private/cfn-backend/nested-stack';
import { numberedVersion, recommendedVersion } from '../private/cfn-backend/versions';
import { KINDS, importedIdentity } from '../private/kinds';
import { GRANTS } from '../private/permissions';
import { nameAtSynth, protonArn, protonArnComponents } from '../private/proton-arns';
import { ProtonCustomResource, ProtonDeployedResourceBase, checkOutputKey, isMarked, markAs, protonTags } from '../private/proton-resource';
import { checkEnvironmentRendering, EnvironmentRendering } from '../private/render/synth';
import { checkSpecInputs, renderSpecDocument } from '../private/spec-rendering';
import { formatSpecErrors } from '../private/spec-schema';

/** Options of {@link EnvironmentProvisioning.awsManaged}. */
export interface AwsManagedProvisioningOptions {
  /**
   * The role Proton provisions the environment's infrastructure with (CloudFormation). The
   * handler is allowed to pass it to Proton (`iam:PassRole` on this role only).
   */
  readonly protonServiceRole: iam.IRole;
}

/** Options of {@link EnvironmentProvisioning.crossAccount}. */
export interface CrossAccountProvisioningOptions {
  /**
   * The CONNECTED environment account connection, made in the environment account for this
   * environment's name. Its roles decide how the environment is provisioned there.
   */
  readonly connection: IEnvironmentAccountConnection;
}

/** Options of {@link EnvironmentProvisioning.codeBuild}. */
export interface CodeBuildProvisioningOptions {
  /**
   * The role CodeBuild runs the template's provisioning commands with. The handler is allowed to
   * pass it to Proton (`iam:PassRole` on this role only).
   */
  readonly role: iam.IRole;
}

/** Options of {@link EnvironmentProvisioning.selfManaged}. */
export interface SelfManagedProvisioningOptions {
  /** The repository, linked to Proton, that Proton opens pull requests in. */
  readonly repository: IRepository;

  /** The branch Proton opens pull requests against. */
  readonly branch: string;
}

/** The provisioning members of Create/UpdateEnvironment. */
interface ProvisioningMembers {
  readonly protonServiceRoleArn?: string;
  readonly environmentAccountConnectionId?: string;
  readonly codebuildRoleArn?: string;
  readonly provisioningRepository?: { readonly provider: string; readonly name: string; readonly branch: string };
}

/**
 * How Proton provisions an environment's infrastructure: each mode takes what it needs and
 * nothing else. None creates a role: administrator-level roles are never made for you.
 *
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-works-prov-methods.html
 */
export class EnvironmentProvisioning {
  /**
   * AWS-managed: Proton deploys CloudFormation with `protonServiceRole`.
   *
   * With `Backend.CLOUDFORMATION`, the environment is a nested stack that deploys with the
   * deploying principal (or the stack's CloudFormation execution role): `protonServiceRole` is
   * not used (a synth warning says so). The other modes, except `customerManaged`, fail synth
   * in that backend.
   */
  public static awsManaged(options: AwsManagedProvisioningOptions): EnvironmentProvisioning {
    return new EnvironmentProvisioning({ protonServiceRoleArn: options.protonServiceRole.roleArn }, [options.protonServiceRole], 'awsManaged');
  }

  /** In another account, through an environment account connection. */
  public static crossAccount(options: CrossAccountProvisioningOptions): EnvironmentProvisioning {
    return new EnvironmentProvisioning({ environmentAccountConnectionId: options.connection.environmentAccountConnectionId }, [], 'crossAccount', options.connection);
  }

  /** CodeBuild: Proton runs the template's commands in CodeBuild with `role`. */
  public static codeBuild(options: CodeBuildProvisioningOptions): EnvironmentProvisioning {
    return new EnvironmentProvisioning({ codebuildRoleArn: options.role.roleArn }, [options.role], 'codeBuild');
  }

  /**
   * Self-managed: Proton renders the infrastructure (e.g. Terraform) into a pull request on
   * `branch` and waits until your pipeline reports the result.
   *
   * CloudFormation never waits for a human to merge: the deployment completes as soon as Proton
   * accepted it, so the environment's outputs are not available to the app (`getOutput` throws).
   */
  public static selfManaged(options: SelfManagedProvisioningOptions): EnvironmentProvisioning {
    validateLength('branch', options.branch, 1, 200);
    return new EnvironmentProvisioning({
      provisioningRepository: { provider: options.repository.repositoryProvider, name: options.repository.repositoryName, branch: options.branch },
    }, [], 'selfManaged');
  }

  /**
   * Customer-managed: for templates created with `EnvironmentTemplateProvisioning.CUSTOMER_MANAGED`.
   * Nothing is provisioned; the spec's inputs are the environment's outputs.
   */
  public static customerManaged(): EnvironmentProvisioning {
    return new EnvironmentProvisioning({}, [], 'customerManaged');
  }

  /** @internal The Create/UpdateEnvironment members of this mode. */
  public readonly _members: ProvisioningMembers;
  /** @internal The roles the handler passes to Proton. */
  public readonly _passedRoles: iam.IRole[];

  /** @internal The mode's factory method, e.g. `awsManaged`. */
  public readonly _mode: string;
  /** @internal The connection of a cross-account environment. */
  public readonly _connection?: IEnvironmentAccountConnection;

  private constructor(members: ProvisioningMembers, passedRoles: iam.IRole[], mode: string, connection?: IEnvironmentAccountConnection) {
    this._members = members;
    this._passedRoles = passedRoles;
    this._mode = mode;
    this._connection = connection;
  }
}

/** An AWS Proton environment. */
export interface IEnvironment extends IProtonDeployedResource {
  /**
   * The name of the environment.
   * @attribute
   */
  readonly environmentName: string;

  /**
   * The ARN of the environment.
   * @attribute
   */
  readonly environmentArn: string;

  /**
   * Grants reading the environment: `proton:GetEnvironment`, `ListEnvironmentOutputs`,
   * `ListEnvironmentProvisionedResources` and `ListTagsForResource` on its ARN.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant;

  /**
   * Grants deploying the environment: updating it (`proton:UpdateEnvironment`), cancelling its
   * deployment (`CancelEnvironmentDeployment`) and reading it (see `grantRead`). An update that
   * passes a role also needs `iam:PassRole` on that role.
   */
  grantDeploy(grantee: iam.IGrantable): iam.Grant;
}

/** Attributes of an existing environment: give its name or its ARN. */
export interface EnvironmentAttributes {
  /**
   * The environment's name.
   * @default - taken from `environmentArn`
   */
  readonly environmentName?: string;

  /**
   * The environment's ARN (its account and region are the environment's).
   * @default - built from `environmentName` in the stack's account and region
   */
  readonly environmentArn?: string;
}

/** Properties of an {@link Environment}. */
export interface EnvironmentProps {
  /**
   * The environment's name: 1 to 100 letters, digits, `_` and `-`, starting with a letter or
   * digit. Proton cannot rename an environment: changing it replaces the environment.
   *
   * @default - a name generated from the construct path and a hash of what Proton cannot update
   * (the template name and whether provisioning is self-managed), so a replacement gets a new name
   */
  readonly environmentName?: string;

  /**
   * The template version to deploy. Give it, or `template` with `templateMajorVersion`. When it
   * is an `EnvironmentTemplateVersion` of this app, the spec is checked against its schema at
   * synth, and the environment is deleted before the version.
   *
   * @default - `template`, `templateMajorVersion` and `templateMinorVersion` name the version
   */
  readonly templateVersion?: IEnvironmentTemplateVersion;

  /**
   * The environment template (when `templateVersion` is not given). Proton cannot change it:
   * changing it replaces the environment.
   *
   * @default - the template of `templateVersion`
   */
  readonly template?: IEnvironmentTemplate;

  /**
   * The template's major version, e.g. `'1'` (when `templateVersion` is not given). A higher one
   * upgrades the environment in place (deployment type MAJOR_VERSION); Proton cannot go back to a
   * lower one.
   *
   * @default - the major version of `templateVersion`
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_UpdateEnvironment.html#proton-UpdateEnvironment-request-deploymentType
   */
  readonly templateMajorVersion?: string;

  /**
   * The template's minor version, e.g. `'2'` (when `templateVersion` is not given). Changing it
   * deploys with MINOR_VERSION.
   *
   * @default - the minor version of `templateVersion`; without it, the recommended minor version
   * of the major version when the environment is created
   */
  readonly templateMinorVersion?: string;

  /**
   * The environment's inputs. Changing them redeploys the environment (CURRENT_VERSION).
   *
   * @default - no inputs (the schema's defaults apply)
   */
  readonly spec?: EnvironmentSpec;

  /** How Proton provisions the environment's infrastructure. */
  readonly provisioning: EnvironmentProvisioning;

  /**
   * The role Proton provisions directly defined components of this environment with; without it
   * the environment accepts no directly defined components. The handler may pass it to Proton.
   * Not used by `Backend.CLOUDFORMATION`, where components are nested stacks that deploy with the
   * deploying principal (a synth warning says so).
   *
   * @default - no component role
   */
  readonly componentRole?: iam.IRole;

  /**
   * A description (up to 500 characters). Updated without a deployment.
   *
   * @default - no description
   */
  readonly description?: string;

  /**
   * What happens to the Proton environment when it is removed from the stack.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

abstract class EnvironmentBase extends ProtonDeployedResourceBase implements IEnvironment {
  /** @internal */
  public readonly _kind = KINDS.environment;
  public abstract readonly environmentName: string;
  public abstract readonly environmentArn: string;
  /** @internal */
  protected get _eventResourceArn(): string {
    return this.environmentArn;
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this._grant(grantee, GRANTS.environment.read);
  }

  public grantDeploy(grantee: iam.IGrantable): iam.Grant {
    return this._grant(grantee, GRANTS.environment.deploy);
  }
}

/**
 * An AWS Proton environment, deployed from an environment template version through a cdk-proton
 * custom resource.
 *
 * Updates deploy what changed: a higher template major version (MAJOR_VERSION), another minor
 * version (MINOR_VERSION), new inputs (CURRENT_VERSION), or only metadata (NONE). Each deployment
 * is waited for; a failed one fails the stack update with Proton's message, and a deployment
 * still running after 30 minutes is cancelled. A rollback redeploys the previous inputs.
 *
 * @resource Custom::ProtonEnvironment
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-environments.html
 */
export class Environment extends EnvironmentBase implements ITaggable {
  /** Whether `x` is an `Environment` construct (of any copy of this library). */
  public static isEnvironment(x: any): x is Environment {
    return isMarked(x, 'Environment');
  }

  /** References an existing environment by name, in the stack's account and region. */
  public static fromEnvironmentName(scope: Construct, id: string, environmentName: string): IEnvironment {
    return Environment.fromEnvironmentAttributes(scope, id, { environmentName });
  }

  /** References an existing environment by ARN (in the ARN's account and region). */
  public static fromEnvironmentArn(scope: Construct, id: string, environmentArn: string): IEnvironment {
    return Environment.fromEnvironmentAttributes(scope, id, { environmentArn });
  }

  /** References an existing environment by name or ARN. */
  public static fromEnvironmentAttributes(scope: Construct, id: string, attrs: EnvironmentAttributes): IEnvironment {
    const { name, arn } = importedIdentity(scope, KINDS.environment, attrs.environmentName, attrs.environmentArn);
    class Import extends EnvironmentBase {
      public readonly environmentName = name;
      public readonly environmentArn = arn;
    }
    return new Import(scope, id, { environmentFromArn: arn });
  }

  public readonly environmentName: string;
  public readonly environmentArn: string;

  /**
   * The major version of the template version the environment runs, once deployed.
   * @attribute
   */
  public readonly environmentTemplateMajorVersion: string;

  /**
   * The minor version of the template version the environment runs, once deployed (the
   * recommended minor version when none was given).
   * @attribute
   */
  public readonly environmentTemplateMinorVersion: string;

  /** Tags of the environment (`Tags.of(...)` works too). Updated without a deployment. */
  public readonly tags: TagManager = protonTags(KINDS.environment);

  /**
   * @internal Whether Proton can provision directly defined components here: true with a
   * component role, false without; undefined for a cross-account environment, whose
   * connection's component role decides.
   */
  public readonly _acceptsComponents?: boolean;

  private readonly resource?: ProtonCustomResource<typeof KINDS.environment.resourceType>;
  /** The cloudformation backend's nested stack (absent for a customer-managed environment). */
  private readonly nested?: RenderedNestedStack;
  /** The spec's inputs, in the cloudformation backend (a customer-managed environment's outputs). */
  private readonly cfnInputs?: { readonly [name: string]: unknown };
  private readonly selfManaged: boolean;
  /** Output keys read by the app: only these travel back through the custom resource. */
  private readonly requestedOutputs = new Set<string>();

  constructor(scope: Construct, id: string, props: EnvironmentProps) {
    super(scope, id, {
      physicalName: props.environmentName ?? Lazy.string({ produce: () => generatedName }),
    });
    markAs(this, 'Environment');
    const cloudFormation = usesCloudFormationBackend(this);
    validateResourceName('environmentName', props.environmentName);
    validateLength('description', props.description, 0, 500);
    const schemaOf = (v: unknown) => (EnvironmentTemplateVersion.isEnvironmentTemplateVersion(v) ? v.schema : undefined);
    const resolved = resolveTemplateVersion('An environment', props, schemaOf);
    // The cloudformation backend: template with templateMajorVersion may name a version declared in the app.
    const version = cloudFormation && !resolved.schema
      ? { ...resolved, schema: schemaOf(numberedVersion(resolved.template, resolved.majorVersion, resolved.minorVersion)) }
      : resolved;
    const inputs = props.spec?.inputs ?? {};
    if (version.schema) {
      this.checkSpec(version.schema, inputs);
    }
    const members = props.provisioning._members;
    this.selfManaged = members.provisioningRepository !== undefined;
    this._acceptsComponents = props.componentRole !== undefined || (members.environmentAccountConnectionId === undefined ? false : undefined);
    const templateName = version.template.environmentTemplateName;
    const generatedName = generatePhysicalName(this, { templateName, selfManaged: this.selfManaged }, 100);
    const name = props.environmentName ?? generatedName;
    const rendering = checkEnvironmentRendering(this, { schema: version.schema, name, inputs, requestedOutputs: () => [...this.requestedOutputs] });
    if (cloudFormation) {
      const cfn = this.renderedEnvironment(props, version, rendering);
      this.nested = cfn.nested;
      this.cfnInputs = inputs;
      this.environmentName = name;
      this.environmentArn = protonArn(this, KINDS.environment.arnResourceType, name);
      this.environmentTemplateMajorVersion = version.majorVersion;
      this.environmentTemplateMinorVersion = cfn.minorVersion;
      return;
    }

    const provider = ProtonProvider.getOrCreate(this);
    const passed = [...props.provisioning._passedRoles, ...(props.componentRole ? [props.componentRole] : [])];
    provider.allowHandler(this, KINDS.environment.resourceType, {
      environment: [protonArn(this, KINDS.environment.arnResourceType, name)],
      role: passed.map((role) => role.roleArn),
    });

    const repository = members.provisioningRepository;
    this.resource = new ProtonCustomResource(this, {
      kind: KINDS.environment,
      properties: {
        Name: name,
        TemplateName: templateName,
        TemplateMajorVersion: version.majorVersion,
        TemplateMinorVersion: version.minorVersion,
        Spec: renderSpecDocument(this, { proton: 'EnvironmentSpec', spec: inputs }),
        Description: props.description,
        ProtonServiceRoleArn: members.protonServiceRoleArn,
        EnvironmentAccountConnectionId: members.environmentAccountConnectionId,
        CodebuildRoleArn: members.codebuildRoleArn,
        ComponentRoleArn: props.componentRole?.roleArn,
        ProvisioningRepository: repository && { Provider: repository.provider, Name: repository.name, Branch: repository.branch },
        // Lazy: getOutput() may be called after construction.
        Outputs: Lazy.list({ produce: () => [...this.requestedOutputs].sort() }, { omitEmpty: true }),
      },
      removalPolicy: props.removalPolicy,
      tags: this.tags,
      identity: { name, property: 'environmentName', importWith: 'Environment.fromEnvironmentName' },
    });
    // Deleted before the version (or template) it runs on.
    this.resource.resource.node.addDependency(props.templateVersion ?? version.template);

    this.environmentName = this.getResourceNameAttribute(this.resource.attr('Name'));
    this.environmentArn = this.getResourceArnAttribute(this.resource.attr('Arn'),
      protonArnComponents(KINDS.environment.arnResourceType, this.physicalName));
    this.environmentTemplateMajorVersion = this.resource.attr('TemplateMajorVersion');
    this.environmentTemplateMinorVersion = this.resource.attr('TemplateMinorVersion');
  }

  /**
   * An output of the environment's infrastructure (a CloudFormation `Outputs` entry of the
   * template), as a token resolved at deploy time. Only the outputs the app reads travel back
   * through the custom resource; an output the template does not produce fails the deployment.
   * With `Backend.CLOUDFORMATION` it is the environment's nested stack output (for a
   * customer-managed environment, the spec's input of that name).
   *
   * @param key the output's name, e.g. `VpcId`
   */
  public getOutput(key: string): string {
    if (this.selfManaged) {
      throw new Error(`Environment '${this.node.path}' is self-managed (EnvironmentProvisioning.selfManaged): CloudFormation does not wait `
        + `for the pull request Proton opens, so output '${key}' is never available to the app. Read it from your provisioning pipeline instead.`);
    }
    if (this.cfnInputs !== undefined) {
      checkOutputKey(key, 'VpcId');
      const output = this.nested ? this.nested.output(key) : this.customerManagedOutput(key);
      this.requestedOutputs.add(key);
      return output;
    }
    return this.resource!.output(key, this.requestedOutputs, key, 'VpcId');
  }

  /** As {@link getOutput}, for an output holding a number. */
  public getOutputAsNumber(key: string): number {
    return Token.asNumber(this.getOutput(key));
  }

  /**
   * The cloudformation backend: the rendered `infrastructure/` as a nested stack (none for a
   * customer-managed environment); provisioning modes it cannot express fail.
   */
  private renderedEnvironment(
    props: EnvironmentProps, version: { template: IEnvironmentTemplate; majorVersion: string; minorVersion?: string },
    rendering: EnvironmentRendering,
  ): { nested?: RenderedNestedStack; minorVersion: string } {
    const what = `Environment '${this.node.path}'`;
    const templateName = nameAtSynth(version.template, version.template.environmentTemplateName);
    const provisioning = props.provisioning;
    if (provisioning._mode === 'crossAccount') {
      const arn = provisioning._connection!.environmentAccountConnectionArn;
      // The account of the connection's ARN (`arn:<partition>:proton:<region>:<account>:...`; the partition may be a token).
      const account = /^arn:[^:]+:proton:[^:]*:(\d{12}):/.exec(arn)?.[1];
      throw new Error(`${what}: cross-account provisioning (EnvironmentProvisioning.crossAccount) cannot be expressed by the cloudformation backend: `
        + "a nested stack deploys in its parent stack's account. Declare the environment in a stack of "
        + (account ? `account ${account} (new Stack(app, 'Prod', { env: { account: '${account}' } }))` : "the environment account (new Stack(app, 'Prod', { env: { account } }))")
        + ' with EnvironmentProvisioning.awsManaged, and remove the connection.');
    }
    if (provisioning._mode === 'selfManaged') {
      throw new Error(`${what}: self-managed provisioning (EnvironmentProvisioning.selfManaged) has Proton open pull requests; the cloudformation backend `
        + 'deploys the rendered template itself. Use EnvironmentProvisioning.awsManaged, or render the template (npx cdk-proton render) into your own pipeline.');
    }
    if (provisioning._mode === 'codeBuild') {
      throw new Error(codeBuildRefusal(what));
    }
    const bundle = rendering.bundle;
    if (bundle === undefined) {
      throw new Error(`${what}: the cloudformation backend renders the template at synth and needs its bundle: declare version ${version.majorVersion} `
        + `of template '${templateName}' in this app (template.addVersion(..., { bundle: TemplateBundle.fromDirectory(dir) })).`);
    }
    const recommended = recommendedVersion(version.template, version.majorVersion);
    const minorVersion = version.minorVersion ?? recommended?.minor;
    if (minorVersion === undefined) {
      throw new Error(`${what}: major version ${version.majorVersion} of template '${templateName}' has no published version in this app, `
        + 'so the environment has no recommended minor version to run: publish one, or give templateMinorVersion.');
    }
    warnIgnored(this, 'protonServiceRole', provisioning._members.protonServiceRoleArn,
      "the nested stack deploys with the deploying principal (or the stack's CloudFormation execution role).");
    warnIgnored(this, 'componentRole', props.componentRole,
      "components are nested stacks that deploy with the deploying principal (or the stack's CloudFormation execution role).");
    warnIgnored(this, 'description', props.description, 'the environment is a nested stack, which has no description.');
    if (bundle.customerManaged) return { minorVersion };
    if (!bundle.cloudFormationFiles.infrastructure) {
      throw new Error(nonCloudFormationRefusal(what, `'${templateName}' ${version.majorVersion}.${minorVersion}`, 'infrastructure', bundle.engines.infrastructure));
    }
    const nested = new RenderedNestedStack(this, 'Stack', { what, render: rendering.render, valueOf: () => undefined });
    return { nested, minorVersion };
  }

  /** A customer-managed environment's output: its spec's input of that name (Proton's rule). */
  private customerManagedOutput(key: string): string {
    const value = this.cfnInputs![key];
    if (value === undefined) {
      throw new Error(`Environment '${this.node.path}': getOutput('${key}'): a customer-managed environment's outputs are its spec's inputs, `
        + `and the spec has no input '${key}' (inputs: ${Object.keys(this.cfnInputs!).join(', ') || 'none'}). Read one of these, or add it to the spec.`);
    }
    return typeof value === 'string' ? value : Token.asString(value);
  }

  private checkSpec(schema: TemplateSchema, inputs: { [name: string]: unknown }): void {
    const errors = checkSpecInputs(schema.yaml, 'environment_input_type', inputs, 'spec');
    if (errors.length > 0) {
      throw new Error(`Environment '${this.node.path}': the spec does not match the template version's schema `
        + `(${schema.environmentInputType?.name ?? 'no environment_input_type'}): ${formatSpecErrors(errors)}. Fix these inputs.`);
    }
  }
}
