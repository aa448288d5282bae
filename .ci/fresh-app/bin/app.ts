import { App, CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { Environment, EnvironmentProvisioning, EnvironmentSpec, EnvironmentTemplate, TemplateBundle } from 'cdk-proton';

class PlatformStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // An environment template and its first version, packed from templates/network (relative to
    // the app's directory, where cdk runs the app) at synth.
    const network = new EnvironmentTemplate(this, 'Network', {
      environmentTemplateName: 'network',
      displayName: 'Shared network',
    });
    const v1 = network.addVersion('V1', {
      bundle: TemplateBundle.fromDirectory('templates/network'),
    });

    // The role Proton deploys the environment's CloudFormation stack with.
    const protonServiceRole = new iam.Role(this, 'ProtonServiceRole', {
      assumedBy: new iam.ServicePrincipal('proton.amazonaws.com'),
    });
    protonServiceRole.addToPolicy(new iam.PolicyStatement({
      actions: ['cloudformation:*', 'ec2:*Vpc*', 'ec2:*Subnet*', 'ec2:*Tags', 'ec2:Describe*'],
      resources: ['*'],
    }));

    // An environment: its spec is checked against the version's schema at synth.
    const staging = new Environment(this, 'Staging', {
      environmentName: 'staging',
      templateVersion: v1,
      spec: EnvironmentSpec.fromInputs({ vpc_cidr: '10.1.0.0/16' }),
      provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole }),
    });
    new CfnOutput(this, 'VpcId', { value: staging.getOutput('VpcId') });

    // Proton's EventBridge events about the environment's deployments, to a topic.
    const alerts = new sns.Topic(this, 'DeploymentAlerts');
    staging.onDeploymentStatusChange('Deployments', { target: new targets.SnsTopic(alerts) });
  }
}

const app = new App();
new PlatformStack(app, 'ProtonPlatform');
