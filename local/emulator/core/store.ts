/**
 * The emulator's state: one `AccountState` per account and region, holding a record per Proton
 * resource. Records keep what the API returns (timestamps as epoch **seconds**, the wire format)
 * plus the bookkeeping the emulator needs (create inputs for name-keyed idempotency, parsed
 * bundles, outputs). Each resource module in `../resources/` owns the records of its kind;
 * other modules only read them (for dependency rules) through these types.
 */

export type TemplateKind = 'ENVIRONMENT' | 'SERVICE';
export type TemplateVersionStatus = 'REGISTRATION_IN_PROGRESS' | 'REGISTRATION_FAILED' | 'DRAFT' | 'PUBLISHED';
export type DeploymentStatus =
  | 'IN_PROGRESS' | 'FAILED' | 'SUCCEEDED'
  | 'DELETE_IN_PROGRESS' | 'DELETE_FAILED' | 'DELETE_COMPLETE'
  | 'CANCELLING' | 'CANCELLED';
export type ServiceStatus =
  | 'CREATE_IN_PROGRESS' | 'CREATE_FAILED_CLEANUP_IN_PROGRESS' | 'CREATE_FAILED_CLEANUP_COMPLETE'
  | 'CREATE_FAILED_CLEANUP_FAILED' | 'CREATE_FAILED' | 'ACTIVE' | 'DELETE_IN_PROGRESS' | 'DELETE_FAILED'
  | 'UPDATE_IN_PROGRESS' | 'UPDATE_FAILED_CLEANUP_IN_PROGRESS' | 'UPDATE_FAILED_CLEANUP_COMPLETE'
  | 'UPDATE_FAILED_CLEANUP_FAILED' | 'UPDATE_FAILED' | 'UPDATE_COMPLETE_CLEANUP_FAILED';
export type RepositoryProvider = 'GITHUB' | 'GITHUB_ENTERPRISE' | 'BITBUCKET';
export type DeploymentTargetResourceType = 'ENVIRONMENT' | 'SERVICE_PIPELINE' | 'SERVICE_INSTANCE' | 'COMPONENT';

export interface Tag { key: string; value: string }
export interface Output { key: string; valueString: string }
export interface ProvisionedResource { identifier?: string; name?: string; provisioningEngine?: 'CLOUDFORMATION' | 'TERRAFORM' }
export interface RepositoryBranch { provider: RepositoryProvider; name: string; branch: string }

/** What a template bundle unpacked to (see `src/private/` bundle rules). */
export interface ParsedBundle {
  /** schema/schema.yaml text (stored on the version as `schema`). */
  readonly schema: string;
  /**
   * Output keys of each IaC directory's Terraform files (`output` blocks); CloudFormation
   * directories' outputs come from rendering their file at each deployment.
   */
  readonly outputKeys: { readonly [iacDir: string]: string[] };
  /** Provisioning engine per IaC directory. */
  readonly engines: { readonly [iacDir: string]: 'CLOUDFORMATION' | 'TERRAFORM' };
  /** The CloudFormation (Jinja) file of each CloudFormation IaC directory, rendered by each deployment. */
  readonly cloudFormationFiles: { readonly [iacDir: string]: { readonly path: string; readonly text: string } };
  /** Whether the bundle has a pipeline (service templates). */
  readonly hasPipeline: boolean;
}

/** Name-keyed create bookkeeping (CreateEnvironmentTemplate/ServiceTemplate/Environment/Service). */
export interface NameKeyed {
  /** Canonical JSON of the create input (sans idempotency-irrelevant members). */
  createInput: string;
  /** Set by any later successful update/deployment: a retried create then gets ConflictException. */
  modifiedSinceCreate: boolean;
}

export interface TemplateRecord extends NameKeyed {
  kind: TemplateKind;
  name: string;
  arn: string;
  description?: string;
  displayName?: string;
  encryptionKey?: string;
  /** EnvironmentTemplate.provisioning / ServiceTemplate.pipelineProvisioning. */
  provisioning?: 'CUSTOMER_MANAGED';
  createdAt: number;
  lastModifiedAt: number;
}

export interface TemplateVersionRecord {
  kind: TemplateKind;
  templateName: string;
  majorVersion: string;
  minorVersion: string;
  arn: string;
  status: TemplateVersionStatus;
  statusMessage?: string;
  description?: string;
  schema?: string;
  source: { bucket: string; key: string };
  compatibleEnvironmentTemplates?: { templateName: string; majorVersion: string }[];
  supportedComponentSources?: string[];
  bundle?: ParsedBundle;
  createdAt: number;
  lastModifiedAt: number;
}

/** Common to everything that deploys (environment, service instance, pipeline, component). */
export interface Deployable {
  arn: string;
  deploymentStatus: DeploymentStatus;
  deploymentStatusMessage?: string;
  lastAttemptedDeploymentId?: string;
  lastSucceededDeploymentId?: string;
  lastDeploymentAttemptedAt?: number;
  lastDeploymentSucceededAt?: number;
  spec?: string;
  /** Outputs of the last successful deployment. */
  outputs: Output[];
  provisionedResources: ProvisionedResource[];
  createdAt: number;
}

export interface EnvironmentRecord extends Deployable, NameKeyed {
  name: string;
  description?: string;
  templateName: string;
  templateMajorVersion: string;
  templateMinorVersion: string;
  protonServiceRoleArn?: string;
  environmentAccountConnectionId?: string;
  environmentAccountId?: string;
  codebuildRoleArn?: string;
  componentRoleArn?: string;
  provisioning?: 'CUSTOMER_MANAGED';
  provisioningRepository?: RepositoryBranch & { arn: string };
}

export interface ServiceInstanceRecord extends Deployable {
  name: string;
  serviceName: string;
  environmentName: string;
  templateName: string;
  templateMajorVersion: string;
  templateMinorVersion: string;
  lastClientRequestToken?: string;
}

export interface ServicePipelineRecord extends Deployable {
  templateName: string;
  templateMajorVersion: string;
  templateMinorVersion: string;
}

export interface ServiceRecord extends NameKeyed {
  name: string;
  arn: string;
  description?: string;
  templateName: string;
  /** The version the service was created with (instances/pipeline carry their own). */
  templateMajorVersion: string;
  templateMinorVersion: string;
  spec: string;
  status: ServiceStatus;
  statusMessage?: string;
  branchName?: string;
  repositoryConnectionArn?: string;
  repositoryId?: string;
  pipeline?: ServicePipelineRecord;
  /** Instance name -> record. */
  instances: Map<string, ServiceInstanceRecord>;
  createdAt: number;
  lastModifiedAt: number;
}

export interface ComponentRecord extends Deployable {
  name: string;
  description?: string;
  environmentName: string;
  serviceName?: string;
  serviceInstanceName?: string;
  serviceSpec?: string;
  manifest: string;
  templateFile: string;
  lastClientRequestToken?: string;
  lastModifiedAt: number;
}

export interface EnvironmentAccountConnectionRecord {
  id: string;
  arn: string;
  environmentAccountId: string;
  managementAccountId: string;
  environmentName: string;
  roleArn?: string;
  codebuildRoleArn?: string;
  componentRoleArn?: string;
  status: 'PENDING' | 'CONNECTED' | 'REJECTED';
  requestedAt: number;
  lastModifiedAt: number;
}

export interface RepositoryRecord {
  provider: RepositoryProvider;
  name: string;
  arn: string;
  connectionArn: string;
  encryptionKey?: string;
}

export interface TemplateSyncConfigRecord {
  templateName: string;
  templateType: TemplateKind;
  repositoryProvider: RepositoryProvider;
  repositoryName: string;
  branch: string;
  subdirectory?: string;
}

export interface ServiceSyncConfigRecord {
  serviceName: string;
  repositoryProvider: RepositoryProvider;
  repositoryName: string;
  branch: string;
  filePath: string;
}

export interface SyncBlockerRecord {
  id: string;
  serviceName: string;
  serviceInstanceName?: string;
  type: 'AUTOMATED';
  status: 'ACTIVE' | 'RESOLVED';
  createdReason: string;
  createdAt: number;
  contexts: { key: string; value: string }[];
  resolvedReason?: string;
  resolvedAt?: number;
}

export interface AccountSettingsRecord {
  pipelineServiceRoleArn?: string;
  pipelineCodebuildRoleArn?: string;
  pipelineProvisioningRepository?: RepositoryBranch & { arn: string };
}

export type DeploymentState =
  | { environment: { spec?: string; templateName: string; templateMajorVersion: string; templateMinorVersion: string } }
  | {
    serviceInstance: {
      spec: string;
      templateName: string;
      templateMajorVersion: string;
      templateMinorVersion: string;
      lastSuccessfulEnvironmentDeploymentId?: string;
      lastSuccessfulServicePipelineDeploymentId?: string;
      lastSuccessfulComponentDeploymentIds?: string[];
    };
  }
  | { servicePipeline: { spec?: string; templateName: string; templateMajorVersion: string; templateMinorVersion: string } }
  | { component: { serviceName?: string; serviceInstanceName?: string; serviceSpec?: string; templateFile?: string } };

export interface DeploymentRecord {
  id: string;
  arn: string;
  targetArn: string;
  targetResourceType: DeploymentTargetResourceType;
  targetResourceCreatedAt: number;
  environmentName: string;
  serviceName?: string;
  serviceInstanceName?: string;
  componentName?: string;
  deploymentStatus: DeploymentStatus;
  deploymentStatusMessage?: string;
  initialState?: DeploymentState;
  targetState?: DeploymentState;
  lastAttemptedDeploymentId?: string;
  lastSucceededDeploymentId?: string;
  /** Outputs this deployment produced (ListXOutputs with deploymentId). */
  outputs: Output[];
  createdAt: number;
  lastModifiedAt: number;
  completedAt?: number;
}

/** Client-token idempotency (proton-api.md §6.1). */
export interface ClientTokenEntry {
  operation: string;
  /** Canonical JSON of the request parameters other than the token. */
  params: string;
  /** Epoch ms (virtual clock) after which the token is forgotten (8 h). */
  expiresAtMs: number;
  /** Identifies the resource the original request created/updated, to re-read and return it. */
  resourceKey: string;
}

export interface AccountState {
  readonly accountId: string;
  readonly region: string;
  /** `${kind}:${name}` -> template. */
  readonly templates: Map<string, TemplateRecord>;
  /** `${kind}:${templateName}:${major}.${minor}` -> version. */
  readonly templateVersions: Map<string, TemplateVersionRecord>;
  readonly environments: Map<string, EnvironmentRecord>;
  readonly services: Map<string, ServiceRecord>;
  readonly components: Map<string, ComponentRecord>;
  /** `${provider}:${name}` -> repository. */
  readonly repositories: Map<string, RepositoryRecord>;
  /** `${templateType}:${templateName}` -> config. */
  readonly templateSyncConfigs: Map<string, TemplateSyncConfigRecord>;
  readonly serviceSyncConfigs: Map<string, ServiceSyncConfigRecord>;
  readonly syncBlockers: Map<string, SyncBlockerRecord>;
  accountSettings?: AccountSettingsRecord;
  readonly deployments: Map<string, DeploymentRecord>;
  /** ARN -> customer tags (and the aws:proton:* managed tags Proton adds). */
  readonly tags: Map<string, Tag[]>;
  /** `${operation}:${clientToken}` -> entry. */
  readonly clientTokens: Map<string, ClientTokenEntry>;
}

export function newAccountState(accountId: string, region: string): AccountState {
  return {
    accountId,
    region,
    templates: new Map(),
    templateVersions: new Map(),
    environments: new Map(),
    services: new Map(),
    components: new Map(),
    repositories: new Map(),
    templateSyncConfigs: new Map(),
    serviceSyncConfigs: new Map(),
    syncBlockers: new Map(),
    deployments: new Map(),
    tags: new Map(),
    clientTokens: new Map(),
  };
}

/**
 * Environment account connections span two accounts (requested in the environment account,
 * accepted in the management account), so they live outside any one AccountState, keyed by id.
 */
export interface GlobalState {
  /** `${accountId}:${region}` -> account state. */
  readonly accounts: Map<string, AccountState>;
  readonly environmentAccountConnections: Map<string, EnvironmentAccountConnectionRecord>;
}

export function arn(ctx: { accountId: string; region: string }, resource: string): string {
  return `arn:aws:proton:${ctx.region}:${ctx.accountId}:${resource}`;
}
