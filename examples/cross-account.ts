/**
 * Cross-account provisioning with AWS Proton: two stacks in two accounts.
 *
 * 1. `ProtonEnvironmentAccount` (environment account 222222222222) creates the role Proton
 *    assumes there and requests a connection to the management account for the environment
 *    `prod`; its output `ConnectionId` is the connection's id.
 * 2. `ProtonManagementAccount` (management account 111111111111) accepts that connection — it
 *    is synthesized only once the id is given as the context `cross-account:connection-id` —
 *    and, when the context `cross-account:bundle-dir` names an environment template bundle,
 *    publishes a template from it and deploys the environment `prod` into the environment
 *    account through the accepted connection.
 *
 * The context `cross-account:decision=REJECT` rejects the connection instead (for good).
 *
 *   cdk deploy ProtonEnvironmentAccount                       # with environment-account credentials
 *   cdk deploy ProtonManagementAccount -c cross-account:connection-id=<ConnectionId output>
 */
import { App, CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  ConnectionDecision,
  Environment,
  EnvironmentAccountConnection,
  EnvironmentAccountConnectionAcceptance,
  EnvironmentProvisioning,
  EnvironmentSpec,
  EnvironmentTemplate,
  TemplateBundle,
} from '../src';

export const MANAGEMENT_ACCOUNT = '111111111111';
export const ENVIRONMENT_ACCOUNT = '222222222222';
export const REGION = 'us-east-1';
export const ENVIRONMENT_STACK_NAME = 'ProtonEnvironmentAccount';
export const MANAGEMENT_STACK_NAME = 'ProtonManagementAccount';
export const ENVIRONMENT_NAME = 'prod';

/** The environment account's stack: the provisioning role and the connection request. */
export class EnvironmentAccountStack extends Stack {
  public readonly connection: EnvironmentAccountConnection;

  constructor(scope: Construct, id: string, props: StackProps & { readonly environmentName: string }) {
    super(scope, id, props);
    // The role Proton assumes in this account to deploy the environment's infrastructure.
    const role = new iam.Role(this, 'ProvisioningRole', {
      assumedBy: new iam.ServicePrincipal('proton.amazonaws.com'),
      description: 'Assumed by AWS Proton of the management account to provision the environment in this account',
    });
    this.connection = new EnvironmentAccountConnection(this, 'Connection', {
      managementAccountId: MANAGEMENT_ACCOUNT,
      environmentName: props.environmentName,
      role,
    });
    new CfnOutput(this, 'ConnectionId', { value: this.connection.environmentAccountConnectionId });
  }
}

/** Properties of the {@link ManagementAccountStack}. */
export interface ManagementAccountStackProps extends StackProps {
  /** The id of the connection the environment account requested. */
  readonly connectionId: string;
  readonly decision: ConnectionDecision;
  /** The environment the connection is for, deployed when `bundleDirectory` is given. */
  readonly environmentName: string;
  /** An environment template bundle (directory) with a `bucket_prefix` input. @default - no environment */
  readonly bundleDirectory?: string;
}

/** The management account's stack: the answer to the connection request, and the environment it allows. */
export class ManagementAccountStack extends Stack {
  public readonly acceptance: EnvironmentAccountConnectionAcceptance;
  public readonly managedEnvironment?: Environment;

  constructor(scope: Construct, id: string, props: ManagementAccountStackProps) {
    super(scope, id, props);
    const connection = EnvironmentAccountConnection.fromEnvironmentAccountConnectionAttributes(this, 'Requested', {
      environmentAccountConnectionId: props.connectionId,
      environmentAccountId: ENVIRONMENT_ACCOUNT,
    });
    this.acceptance = new EnvironmentAccountConnectionAcceptance(this, 'Acceptance', { connection, decision: props.decision });
    new CfnOutput(this, 'ConnectionStatus', { value: this.acceptance.status });

    if (props.bundleDirectory !== undefined) {
      const template = new EnvironmentTemplate(this, 'Template', { displayName: 'Cross-account environments' });
      const version = template.addVersion('V1', { bundle: TemplateBundle.fromDirectory(props.bundleDirectory) });
      // Provisioned in the environment account, through the accepted connection (created after it).
      this.managedEnvironment = new Environment(this, 'Environment', {
        environmentName: props.environmentName,
        templateVersion: version,
        spec: EnvironmentSpec.fromInputs({ bucket_prefix: props.environmentName }),
        provisioning: EnvironmentProvisioning.crossAccount({ connection: this.acceptance }),
      });
    }
  }
}

/** Adds the stacks to `app`: the management stack once the context names the connection. */
export function buildCrossAccountApp(app: App): App {
  const environmentName = app.node.tryGetContext('cross-account:environment-name') ?? ENVIRONMENT_NAME;
  new EnvironmentAccountStack(app, ENVIRONMENT_STACK_NAME, { env: { account: ENVIRONMENT_ACCOUNT, region: REGION }, environmentName });
  const connectionId = app.node.tryGetContext('cross-account:connection-id');
  if (connectionId !== undefined) {
    const decision = app.node.tryGetContext('cross-account:decision') ?? ConnectionDecision.ACCEPT;
    if (!Object.values(ConnectionDecision).includes(decision)) {
      throw new Error(`Context cross-account:decision must be ${Object.values(ConnectionDecision).join(' or ')}, got '${decision}'.`);
    }
    new ManagementAccountStack(app, MANAGEMENT_STACK_NAME, {
      env: { account: MANAGEMENT_ACCOUNT, region: REGION },
      connectionId,
      decision,
      environmentName,
      bundleDirectory: app.node.tryGetContext('cross-account:bundle-dir'),
    });
  }
  return app;
}

if (require.main === module) {
  buildCrossAccountApp(new App()).synth();
}
