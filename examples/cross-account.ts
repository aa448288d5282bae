/**
 * Cross-account provisioning with AWS Proton: one app, two stacks in two accounts.
 *
 * 1. `ProtonEnvironmentAccount` (environment account 222222222222) creates the role Proton
 *    assumes there and requests a connection to the management account for the environment `prod`.
 * 2. `ProtonManagementAccount` (management account 111111111111), which depends on the first,
 *    accepts that connection by its request (the environment account and the environment name:
 *    no connection id has to travel between the accounts), publishes an environment template from
 *    `templates/network-v1.0` and deploys the environment `prod` into the environment account
 *    through the accepted connection.
 *
 * The context `cross-account:decision=REJECT` rejects the request instead (for good: a rejected
 * connection can never be accepted), and then deploys no template or environment.
 *
 * On AWS, deploy each stack with its own account's credentials, the environment account first,
 * and destroy in the reverse order (Proton deletes the environment before the environment account
 * may delete its connection):
 *
 *   cdk deploy ProtonEnvironmentAccount --app "npx ts-node --prefer-ts-exts examples/cross-account.ts"               # environment account
 *   cdk deploy ProtonManagementAccount --exclusively --app "npx ts-node --prefer-ts-exts examples/cross-account.ts"  # management account
 *   cdk destroy ProtonManagementAccount --exclusively ...   # management account, then
 *   cdk destroy ProtonEnvironmentAccount ...                # environment account
 *
 * Locally, one runner command deploys both stacks, the emulator acting for both accounts (each
 * stack's handler calls it with its own account's credentials):
 *
 *   npm run local -- deploy --app "npx ts-node --prefer-ts-exts examples/cross-account.ts"
 *
 * runs against an emulator embedded in that command. To tear down afterwards, use a long-lived
 * emulator (its virtual clock advanced by the runner):
 *
 *   npm run emulator -- --clock manual &     # prints <endpoint>
 *   npm run local -- deploy  --app "npx ts-node --prefer-ts-exts examples/cross-account.ts" --endpoint <endpoint> --virtual-time
 *   npm run local -- destroy --app "npx ts-node --prefer-ts-exts examples/cross-account.ts" --endpoint <endpoint> --virtual-time
 */
import * as path from 'path';
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
export const TEMPLATE_NAME = 'cross-account-network';

/** The environment template bundle: a VPC with two subnets (inputs `vpc_cidr`, `subnet_a_cidr`, `subnet_b_cidr`). */
const BUNDLE_DIRECTORY = path.join(__dirname, 'templates', 'network-v1.0');

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
  /** The account that requests the connection. */
  readonly environmentAccountId: string;
  /** The environment the connection is requested for, deployed when the decision is ACCEPT. */
  readonly environmentName: string;
  readonly decision: ConnectionDecision;
}

/** The management account's stack: the answer to the connection request, and the environment it allows. */
export class ManagementAccountStack extends Stack {
  public readonly acceptance: EnvironmentAccountConnectionAcceptance;
  public readonly managedEnvironment?: Environment;

  constructor(scope: Construct, id: string, props: ManagementAccountStackProps) {
    super(scope, id, props);
    this.acceptance = new EnvironmentAccountConnectionAcceptance(this, 'Acceptance', {
      environmentAccountId: props.environmentAccountId,
      environmentName: props.environmentName,
      decision: props.decision,
    });
    new CfnOutput(this, 'ConnectionStatus', { value: this.acceptance.environmentAccountConnectionStatus });
    if (props.decision === ConnectionDecision.REJECT) return;

    const template = new EnvironmentTemplate(this, 'Template', { environmentTemplateName: TEMPLATE_NAME, displayName: 'Cross-account network' });
    const version = template.addVersion('V1', { bundle: TemplateBundle.fromDirectory(BUNDLE_DIRECTORY) });
    // Provisioned in the environment account, through the accepted connection (created after it).
    this.managedEnvironment = new Environment(this, 'Environment', {
      environmentName: props.environmentName,
      templateVersion: version,
      spec: EnvironmentSpec.fromInputs({ vpc_cidr: '10.3.0.0/16', subnet_a_cidr: '10.3.0.0/20', subnet_b_cidr: '10.3.16.0/20' }),
      provisioning: EnvironmentProvisioning.crossAccount({ connection: this.acceptance }),
    });
    new CfnOutput(this, 'EnvironmentArn', { value: this.managedEnvironment.environmentArn });
  }
}

/**
 * Adds both stacks to `app`, the management account's after the environment account's. Context:
 * `cross-account:decision` (ACCEPT or REJECT, default ACCEPT), `cross-account:environment-name`.
 */
export function buildCrossAccountApp(app: App): App {
  const environmentName = app.node.tryGetContext('cross-account:environment-name') ?? ENVIRONMENT_NAME;
  const decision = app.node.tryGetContext('cross-account:decision') ?? ConnectionDecision.ACCEPT;
  if (!Object.values(ConnectionDecision).includes(decision)) {
    throw new Error(`Context cross-account:decision must be ${Object.values(ConnectionDecision).join(' or ')}, got '${decision}'.`);
  }
  const environmentAccount = new EnvironmentAccountStack(app, ENVIRONMENT_STACK_NAME, {
    env: { account: ENVIRONMENT_ACCOUNT, region: REGION },
    environmentName,
  });
  const management = new ManagementAccountStack(app, MANAGEMENT_STACK_NAME, {
    env: { account: MANAGEMENT_ACCOUNT, region: REGION },
    environmentAccountId: ENVIRONMENT_ACCOUNT,
    environmentName,
    decision,
  });
  // The connection must be requested before it is accepted (and deleted only after the environment).
  management.addStackDependency(environmentAccount);
  return app;
}

if (require.main === module) {
  buildCrossAccountApp(new App()).synth();
}
