/**
 * The wire contract between the constructs (synth time) and the custom-resource handler
 * (deploy time): resource-type names, the `ResourceProperties` each construct writes and the
 * `Data` each handler returns.
 *
 * Both sides import these types, so a property renamed on one side fails to compile on the other.
 * This module must stay free of aws-cdk-lib imports: it is bundled into the handler.
 *
 * CloudFormation delivers every scalar property as a string (booleans and numbers included);
 * the handler parses them back with one shared parser (`lambda/engine/properties.ts`).
 */

/**
 * How the handler reads one `ResourceProperties` key: a kind declared by a schema (an object of
 * these, one per key) gets its properties' type from it ({@link PropertiesOf}) and its parsing
 * from the one parser (`lambda/engine/properties.ts`, `readSchema`), so the two cannot drift.
 */
export interface PropertyRule<T, Optional extends boolean> {
  /** The reader: a string, one of `allowed`, or a map of strings. */
  readonly read: 'string' | 'oneOf' | 'stringMap';
  readonly optional: Optional;
  /** For `oneOf`: the values Proton's model allows. */
  readonly allowed?: readonly string[];
  /** Carries the value type (never set). */
  readonly valueType?: T;
}

/** The rules of a schema. */
export const property = {
  string: { read: 'string', optional: false } as PropertyRule<string, false>,
  optionalString: { read: 'string', optional: true } as PropertyRule<string, true>,
  oneOf: <T extends string>(allowed: readonly T[]) => ({ read: 'oneOf', optional: false, allowed }) as PropertyRule<T, false>,
  /** A map of strings (customer tags): optional. */
  tags: { read: 'stringMap', optional: true } as PropertyRule<Record<string, string>, true>,
};

/** A kind's properties as a schema: key → rule. */
export type PropertySchema = Record<string, PropertyRule<unknown, boolean>>;

type ValueOf<R> = R extends PropertyRule<infer T, boolean> ? T : never;

/** The properties a schema describes: required keys for required rules, optional keys for optional ones. */
export type PropertiesOf<S extends PropertySchema> =
  { readonly [K in keyof S as S[K] extends PropertyRule<unknown, false> ? K : never]: ValueOf<S[K]> }
  & { readonly [K in keyof S as S[K] extends PropertyRule<unknown, false> ? never : K]?: ValueOf<S[K]> };

/** CloudFormation resource types of the custom resources, one per Proton resource. */
export const ProtonResourceType = {
  ENVIRONMENT_TEMPLATE: 'Custom::ProtonEnvironmentTemplate',
  ENVIRONMENT: 'Custom::ProtonEnvironment',
  SERVICE: 'Custom::ProtonService',
  SERVICE_INSTANCE: 'Custom::ProtonServiceInstance',
  ENVIRONMENT_TEMPLATE_VERSION: 'Custom::ProtonEnvironmentTemplateVersion',
  SERVICE_TEMPLATE: 'Custom::ProtonServiceTemplate',
  SERVICE_TEMPLATE_VERSION: 'Custom::ProtonServiceTemplateVersion',
  REPOSITORY: 'Custom::ProtonRepository',
  ENVIRONMENT_ACCOUNT_CONNECTION: 'Custom::ProtonEnvironmentAccountConnection',
  ENVIRONMENT_ACCOUNT_CONNECTION_ACCEPTANCE: 'Custom::ProtonEnvironmentAccountConnectionAcceptance',
  ACCOUNT_SETTINGS: 'Custom::ProtonAccountSettings',
  TEMPLATE_SYNC_CONFIG: 'Custom::ProtonTemplateSyncConfig',
  SERVICE_SYNC_CONFIG: 'Custom::ProtonServiceSyncConfig',
  COMPONENT: 'Custom::ProtonComponent',
} as const;

/** Any of the resource types the handler dispatches on. */
export type ProtonResourceTypeName = typeof ProtonResourceType[keyof typeof ProtonResourceType];

/**
 * Tags the handler writes on every Proton resource it creates. A resource carrying this stack's
 * values is recognised (adopted) when a create is replayed; any other resource with the same name
 * is foreign and never adopted, updated or deleted.
 */
export const OwnershipTag = {
  STACK_ID: 'cdk-proton:stack-id',
  LOGICAL_ID: 'cdk-proton:logical-id',
  /**
   * On a template version whose delete Proton refused only because of its delete order (the
   * recommended version goes last) while the versions it waits for belong to this stack: the
   * version is deleted as soon as they are gone.
   */
  PENDING_DELETION: 'cdk-proton:pending-deletion',
  /**
   * On a template version: the bundle it was registered from (`<bucket>/<key>`, the key names the
   * content's hash). A create finds by it a version it made earlier that CloudFormation does not
   * track (a crash before the physical id was returned, or a rolled-back delete) and takes it back
   * instead of registering a duplicate.
   */
  SOURCE: 'cdk-proton:source',
} as const;

/** `provisioning` of a template whose infrastructure is provisioned outside Proton. */
export const CUSTOMER_MANAGED_PROVISIONING = 'CUSTOMER_MANAGED';

/** The `ResourceProperties` both template kinds share (besides `ServiceToken`). */
export const TEMPLATE_SCHEMA = {
  /** Template name (immutable; the physical id). */
  Name: property.string,
  /** Display name (mutable). */
  DisplayName: property.optionalString,
  /** Description (mutable; never logged nor returned). */
  Description: property.optionalString,
  /** Customer managed KMS key ARN (immutable). */
  EncryptionKey: property.optionalString,
  /** Customer tags (mutable: applied with TagResource / UntagResource). */
  Tags: property.tags,
};

/** `ResourceProperties` of `Custom::ProtonEnvironmentTemplate`. */
export const ENVIRONMENT_TEMPLATE_SCHEMA = {
  ...TEMPLATE_SCHEMA,
  /** `CUSTOMER_MANAGED`, or absent for a standard template (immutable; checked by the handler). */
  Provisioning: property.optionalString,
};
export type EnvironmentTemplateProperties = PropertiesOf<typeof ENVIRONMENT_TEMPLATE_SCHEMA>;

/** `Data` of `Custom::ProtonEnvironmentTemplate`: every key is always present. */
export interface EnvironmentTemplateData {
  readonly Arn: string;
  readonly Name: string;
}

/** `ResourceProperties` of `Custom::ProtonServiceTemplate`. */
export const SERVICE_TEMPLATE_SCHEMA = {
  ...TEMPLATE_SCHEMA,
  /** `CUSTOMER_MANAGED` for a template without a Proton service pipeline, or absent (immutable; checked by the handler). */
  PipelineProvisioning: property.optionalString,
};
export type ServiceTemplateProperties = PropertiesOf<typeof SERVICE_TEMPLATE_SCHEMA>;

/** `Data` of `Custom::ProtonServiceTemplate`: every key is always present. */
export interface ServiceTemplateData {
  readonly Arn: string;
  readonly Name: string;
}

/** `ResourceProperties` of `Custom::ProtonEnvironmentTemplateVersion` (besides `ServiceToken`). */
export interface TemplateVersionProperties {
  /** The template's name (immutable). */
  readonly TemplateName: string;
  /**
   * The existing major version the version is a new minor of (immutable); absent: the first
   * create makes a new major version, and a replacement a new minor of that major.
   */
  readonly MajorVersion?: string;
  /** Bucket of the template bundle (immutable). */
  readonly SourceBucket: string;
  /** Object key of the template bundle; it changes with the bundle's content (immutable). */
  readonly SourceKey: string;
  /** Description (mutable; never logged nor returned). */
  readonly Description?: string;
  /** Whether to publish the version once registered (false → true publishes in place; true → false replaces). */
  readonly Publish?: boolean;
}

/** One `compatibleEnvironmentTemplates` entry of a service template version. */
export interface CompatibleEnvironmentTemplateProperty {
  readonly TemplateName: string;
  readonly MajorVersion: string;
}

/** `ResourceProperties` of `Custom::ProtonServiceTemplateVersion` (besides `ServiceToken`). */
export interface ServiceTemplateVersionProperties extends TemplateVersionProperties {
  /** Environment template major versions the service can run on (1..10; mutable). */
  readonly CompatibleEnvironmentTemplates: CompatibleEnvironmentTemplateProperty[];
  /** Component sources (`DIRECTLY_DEFINED`) the version supports (mutable; absent = none). */
  readonly SupportedComponentSources?: string[];
}

/** `Data` of a template version: every key is always present. */
export interface TemplateVersionData {
  readonly Arn: string;
  readonly TemplateName: string;
  readonly MajorVersion: string;
  readonly MinorVersion: string;
  /**
   * The template's recommended version (`M.m`) when this version finished its create or update
   * (empty while no version of the template is published).
   */
  readonly TemplateRecommendedVersion: string;
}

/** Proton's repository providers (`RepositoryProvider`). */
export const REPOSITORY_PROVIDERS = ['GITHUB', 'GITHUB_ENTERPRISE', 'BITBUCKET'] as const;

/** `ResourceProperties` of `Custom::ProtonRepository`. Proton has no update: all but tags are immutable. */
export const REPOSITORY_SCHEMA = {
  /** `GITHUB` | `GITHUB_ENTERPRISE` | `BITBUCKET`. */
  Provider: property.oneOf(REPOSITORY_PROVIDERS),
  /** `owner/name`. */
  Name: property.string,
  /** ARN of the CodeStar connection to the provider. */
  ConnectionArn: property.string,
  /** Customer managed KMS key ARN. */
  EncryptionKey: property.optionalString,
  /** Customer tags (mutable). */
  Tags: property.tags,
};
export type RepositoryProperties = PropertiesOf<typeof REPOSITORY_SCHEMA>;

/** `Data` of `Custom::ProtonRepository`. */
export interface RepositoryData {
  readonly Arn: string;
  readonly Name: string;
  readonly Provider: string;
}

/** `ResourceProperties` of `Custom::ProtonEnvironmentAccountConnection` (environment account side). */
export interface EnvironmentAccountConnectionProperties {
  /** The management account that will own the environment (immutable). */
  readonly ManagementAccountId: string;
  /** The environment's name in the management account (immutable). */
  readonly EnvironmentName: string;
  /** Role Proton assumes to provision the environment (mutable). */
  readonly RoleArn?: string;
  /** Role for directly defined components (mutable). */
  readonly ComponentRoleArn?: string;
  /** Role for CodeBuild provisioning (mutable). */
  readonly CodebuildRoleArn?: string;
  /** Customer tags (mutable). */
  readonly Tags?: Record<string, string>;
}

/** `Data` of `Custom::ProtonEnvironmentAccountConnection`. */
export interface EnvironmentAccountConnectionData {
  readonly Id: string;
  readonly Arn: string;
  readonly Status: string;
}

/** What the management account decides about a connection. */
export const CONNECTION_DECISIONS = ['ACCEPT', 'REJECT'] as const;

/** `ResourceProperties` of `Custom::ProtonEnvironmentAccountConnectionAcceptance` (management account side). */
export interface EnvironmentAccountConnectionAcceptanceProperties {
  /**
   * The connection's id, when the connection is named by id; otherwise `EnvironmentAccountId` and
   * `EnvironmentName` designate it: the one PENDING or CONNECTED connection that account requested
   * for that environment. Exactly one of the two ways; a change of any of the three replaces the
   * acceptance.
   */
  readonly ConnectionId?: string;
  /** The account that requested the connection (with `EnvironmentName`). */
  readonly EnvironmentAccountId?: string;
  /** The environment (of the management account) the connection was requested for (with `EnvironmentAccountId`). */
  readonly EnvironmentName?: string;
  /** `ACCEPT` or `REJECT` (rejecting is final). */
  readonly Decision: string;
}

/** `Data` of `Custom::ProtonEnvironmentAccountConnectionAcceptance`. */
export interface EnvironmentAccountConnectionAcceptanceData {
  readonly Id: string;
  readonly Arn: string;
  readonly Status: string;
  readonly EnvironmentAccountId: string;
  readonly EnvironmentName: string;
}

/** A branch of a linked repository, as written in properties. */
export interface RepositoryBranchProperties {
  readonly Provider: string;
  readonly Name: string;
  readonly Branch: string;
}

/** `ResourceProperties` of `Custom::ProtonAccountSettings`: only the settings the stack manages are present. */
export interface AccountSettingsProperties {
  readonly PipelineServiceRoleArn?: string;
  readonly PipelineCodebuildRoleArn?: string;
  readonly PipelineProvisioningRepository?: RepositoryBranchProperties;
}

/** `Data` of `Custom::ProtonAccountSettings`: the account's values after the change (`""` when unset). */
export interface AccountSettingsData {
  readonly PipelineServiceRoleArn: string;
  readonly PipelineCodebuildRoleArn: string;
  readonly PipelineProvisioningRepositoryArn: string;
}

/** Proton's template types (`TemplateType`). */
export const TEMPLATE_TYPES = ['ENVIRONMENT', 'SERVICE'] as const;

/** `ResourceProperties` of `Custom::ProtonTemplateSyncConfig`. */
export const TEMPLATE_SYNC_CONFIG_SCHEMA = {
  /** `ENVIRONMENT` | `SERVICE` (immutable). */
  TemplateType: property.oneOf(TEMPLATE_TYPES),
  /** Template name (immutable). */
  TemplateName: property.string,
  RepositoryProvider: property.oneOf(REPOSITORY_PROVIDERS),
  RepositoryName: property.string,
  Branch: property.string,
  Subdirectory: property.optionalString,
};
export type TemplateSyncConfigProperties = PropertiesOf<typeof TEMPLATE_SYNC_CONFIG_SCHEMA>;

/** `Data` of `Custom::ProtonTemplateSyncConfig`. */
export interface TemplateSyncConfigData {
  readonly TemplateType: string;
  readonly TemplateName: string;
}

/** `ResourceProperties` of `Custom::ProtonServiceSyncConfig`: at most one per service. */
export const SERVICE_SYNC_CONFIG_SCHEMA = {
  /** The synced service (immutable; the identity). */
  ServiceName: property.string,
  RepositoryProvider: property.oneOf(REPOSITORY_PROVIDERS),
  RepositoryName: property.string,
  Branch: property.string,
  /** Path of the `proton-ops` file in the repository. */
  FilePath: property.string,
};
export type ServiceSyncConfigProperties = PropertiesOf<typeof SERVICE_SYNC_CONFIG_SCHEMA>;

/** `Data` of `Custom::ProtonServiceSyncConfig`. */
export interface ServiceSyncConfigData {
  readonly ServiceName: string;
}

/**
 * Deployment budget of one CloudFormation request, in seconds, measured on Proton's clock from the
 * request's first Proton response. A deployment still running past it is cancelled (updates) and
 * the request fails, so the failure is reported before the Provider's total timeout (35 min)
 * ends the request with a bare "Operation timed out".
 */
export const DEPLOYMENT_BUDGET_SECONDS = 30 * 60;

/** Prefix of the `Data` keys (and so of the `Fn::GetAtt` attributes) that carry requested outputs. */
export const OUTPUT_ATTRIBUTE_PREFIX = 'Output.';

/**
 * Keys of the bookkeeping `onEvent` hands to `isComplete` through `Data` (the Provider framework
 * passes `onEvent`'s response into every `isComplete` event, and merges it into the final `Data`).
 */
export const DeploymentBookkeeping = {
  /** When the request started, in epoch seconds on Proton's clock (its `Date` response header). */
  STARTED_AT: 'Deployment.StartedAt',
  /**
   * The resource's last attempted deployment id before this request deployed (empty when none):
   * a later id is this request's deployment.
   */
  BASELINE: 'Deployment.Baseline',
  /** The deployment type this request still has to start (`NONE` when it started it, or none is needed). */
  PENDING: 'Deployment.Pending',
} as const;

/** `ResourceProperties` of `Custom::ProtonEnvironment` (besides `ServiceToken`). */
export interface EnvironmentProperties {
  /** Environment name (immutable; the physical id). */
  readonly Name: string;
  /** Environment template name (immutable). */
  readonly TemplateName: string;
  /** Template major version (a higher one deploys with MAJOR_VERSION). */
  readonly TemplateMajorVersion: string;
  /** Template minor version; absent = the recommended minor of the major (MINOR_VERSION when changed). */
  readonly TemplateMinorVersion?: string;
  /** The `proton: EnvironmentSpec` document (CURRENT_VERSION when changed; never logged nor returned). */
  readonly Spec: string;
  /** Description (NONE deployment when changed; never logged nor returned). */
  readonly Description?: string;
  /** AWS-managed provisioning: the Proton service role. */
  readonly ProtonServiceRoleArn?: string;
  /** AWS-managed or CodeBuild provisioning in another account. */
  readonly EnvironmentAccountConnectionId?: string;
  /** CodeBuild provisioning: the role CodeBuild runs with. */
  readonly CodebuildRoleArn?: string;
  /** Role for directly defined components. */
  readonly ComponentRoleArn?: string;
  /** Self-managed provisioning: `{ Provider, Name, Branch }` of the linked repository (immutable kind). */
  readonly ProvisioningRepository?: { readonly Provider: string; readonly Name: string; readonly Branch: string };
  /** Customer tags (mutable). */
  readonly Tags?: Record<string, string>;
  /** Output keys the app reads (`Output.<key>` in `Data`); each must be produced by the template. */
  readonly Outputs?: string[];
}

/**
 * `Data` of `Custom::ProtonEnvironment`: every key is always present, plus one
 * `Output.<key>` per requested output.
 */
export interface EnvironmentData {
  readonly Arn: string;
  readonly Name: string;
  readonly TemplateMajorVersion: string;
  readonly TemplateMinorVersion: string;
}

/** One service instance in `ServiceProperties.Instances`. */
export interface ServiceInstanceEntry {
  /** Instance name (unique in the service). */
  readonly Name: string;
  /** The environment it runs in (Proton cannot move an instance). */
  readonly Environment: string;
  /** Its inputs as a JSON object text (tokens resolved by CloudFormation; never logged). */
  readonly Inputs: string;
}

/** `ResourceProperties` of `Custom::ProtonService` (besides `ServiceToken`). */
export interface ServiceProperties {
  /** Service name (immutable; the physical id). */
  readonly Name: string;
  /** Service template name (immutable). */
  readonly TemplateName: string;
  /** Template major version of the instances and the pipeline (a higher one: MAJOR_VERSION). */
  readonly TemplateMajorVersion: string;
  /** Template minor version; absent = the recommended minor of the major. */
  readonly TemplateMinorVersion?: string;
  /** Description (never logged nor returned). */
  readonly Description?: string;
  /** The instances: added/removed with UpdateService, changed with UpdateServiceInstance. */
  readonly Instances: ServiceInstanceEntry[];
  /** The pipeline's inputs as a JSON object text, for templates with a pipeline (UpdateServicePipeline). */
  readonly PipelineInputs?: string;
  /** Pipeline repository connection ARN (immutable). */
  readonly RepositoryConnectionArn?: string;
  /** Pipeline repository id (immutable). */
  readonly RepositoryId?: string;
  /** Pipeline branch (immutable). */
  readonly BranchName?: string;
  /** Customer tags (mutable). */
  readonly Tags?: Record<string, string>;
  /** Instance outputs the app reads, as `<instance>.<key>` (`Output.<instance>.<key>` in `Data`). */
  readonly InstanceOutputs?: string[];
  /** Pipeline outputs the app reads (`PipelineOutput.<key>` in `Data`). */
  readonly PipelineOutputs?: string[];
}

/** Prefix of the `Data` keys carrying requested pipeline outputs. */
export const PIPELINE_OUTPUT_ATTRIBUTE_PREFIX = 'PipelineOutput.';

/** `Data` of `Custom::ProtonService`: every key is always present, plus the requested outputs. */
export interface ServiceData {
  readonly Arn: string;
  readonly Name: string;
}

/** `ResourceProperties` of `Custom::ProtonServiceInstance`: one instance added to an existing service. */
export interface ServiceInstanceProperties {
  /** The existing service (immutable). */
  readonly ServiceName: string;
  /** Instance name (immutable; the physical id is `<service>/<instance>`). */
  readonly Name: string;
  /** The environment it runs in (immutable). */
  readonly Environment: string;
  /** Its inputs as a JSON object text (CURRENT_VERSION when changed; never logged). */
  readonly Inputs: string;
  /** Template major version; absent = the service's. */
  readonly TemplateMajorVersion?: string;
  /** Template minor version; absent = the recommended minor. */
  readonly TemplateMinorVersion?: string;
  /** Customer tags (mutable). */
  readonly Tags?: Record<string, string>;
  /** Output keys the app reads (`Output.<key>` in `Data`). */
  readonly Outputs?: string[];
}

/** `Data` of `Custom::ProtonServiceInstance`: every key is always present, plus the requested outputs. */
export interface ServiceInstanceData {
  readonly Arn: string;
  readonly Name: string;
  readonly ServiceName: string;
}

/**
 * `ResourceProperties` of `Custom::ProtonComponent`: a directly defined component, attached to a
 * service instance (`ServiceName` + `ServiceInstanceName`) or standalone in `EnvironmentName`.
 */
export interface ComponentProperties {
  /** Component name (immutable; the physical id). */
  readonly Name: string;
  /** The environment of a standalone component (absent when attached: the instance's environment). */
  readonly EnvironmentName?: string;
  /** The service of the instance the component is attached to (with `ServiceInstanceName`). */
  readonly ServiceName?: string;
  /** The instance the component is attached to (with `ServiceName`). */
  readonly ServiceInstanceName?: string;
  /** The `manifest.yaml` text naming the one IaC file (immutable: UpdateComponent cannot change it; never logged). */
  readonly Manifest: string;
  /** The IaC file (CURRENT_VERSION when changed; never logged nor returned). */
  readonly TemplateFile: string;
  /**
   * An attached component's view of its instance's inputs, as a JSON object text: the handler
   * renders it into the component's `serviceSpec` (a `proton: ServiceSpec` document naming the
   * instance and its environment). CURRENT_VERSION when changed; never logged nor returned.
   */
  readonly ServiceInstanceInputs?: string;
  /** Description (NONE deployment when only it changed; never logged nor returned). */
  readonly Description?: string;
  /** Customer tags (mutable). */
  readonly Tags?: Record<string, string>;
  /** Output keys the app reads (`Output.<key>` in `Data`); each must be produced by the IaC file. */
  readonly Outputs?: string[];
}

/** `Data` of `Custom::ProtonComponent`: every key is always present, plus the requested outputs. */
export interface ComponentData {
  readonly Arn: string;
  readonly Name: string;
  readonly EnvironmentName: string;
}

/**
 * Each resource type's `ResourceProperties` and `Data`: the constructs create their custom
 * resources and read their attributes through it, so a property or attribute renamed here fails
 * to compile in the construct that uses it.
 */
export interface ProtonContract {
  'Custom::ProtonEnvironmentTemplate': { properties: EnvironmentTemplateProperties; data: EnvironmentTemplateData };
  'Custom::ProtonServiceTemplate': { properties: ServiceTemplateProperties; data: ServiceTemplateData };
  'Custom::ProtonEnvironmentTemplateVersion': { properties: TemplateVersionProperties; data: TemplateVersionData };
  'Custom::ProtonServiceTemplateVersion': { properties: ServiceTemplateVersionProperties; data: TemplateVersionData };
  'Custom::ProtonRepository': { properties: RepositoryProperties; data: RepositoryData };
  'Custom::ProtonEnvironmentAccountConnection': { properties: EnvironmentAccountConnectionProperties; data: EnvironmentAccountConnectionData };
  'Custom::ProtonEnvironmentAccountConnectionAcceptance': {
    properties: EnvironmentAccountConnectionAcceptanceProperties; data: EnvironmentAccountConnectionAcceptanceData;
  };
  'Custom::ProtonAccountSettings': { properties: AccountSettingsProperties; data: AccountSettingsData };
  'Custom::ProtonTemplateSyncConfig': { properties: TemplateSyncConfigProperties; data: TemplateSyncConfigData };
  'Custom::ProtonServiceSyncConfig': { properties: ServiceSyncConfigProperties; data: ServiceSyncConfigData };
  'Custom::ProtonEnvironment': { properties: EnvironmentProperties; data: EnvironmentData };
  'Custom::ProtonService': { properties: ServiceProperties; data: ServiceData };
  'Custom::ProtonServiceInstance': { properties: ServiceInstanceProperties; data: ServiceInstanceData };
  'Custom::ProtonComponent': { properties: ComponentProperties; data: ComponentData };
}
