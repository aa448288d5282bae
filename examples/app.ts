/**
 * A realistic AWS Proton platform declared with cdk-proton: an environment template with a
 * version, two environments on it, a service template whose version runs in those environments,
 * and a service with instances across the two environments. Each instance receives its
 * environment's `VpcId` output as an input, wired at deploy time. The developers of the staging
 * instance add their own job queue to it as a directly defined component.
 *
 * The `demo:stage` context selects the revision of the platform:
 * - `initial`: everything above, the environments on network template version 1.0, the service
 *   with two instances (`staging`, `production-1`);
 * - `upgraded`: the network template gets minor version 1.1 (backward compatible: one new input
 *   with a default), both environments move onto it and the service scales out to a third
 *   instance, `production-2`;
 * - `instance-removed`: as `upgraded`, with the instance `production-2` removed and the job queue
 *   detached from the staging instance (it stays in the staging environment, standalone);
 * - `component-removed`: as `instance-removed`, without the job queue (CloudFormation deletes it
 *   in its cleanup phase).
 *
 *   CDK_OUTDIR=cdk.out npx ts-node -P test/tsconfig.json examples/app.ts
 *   npm run local -- deploy --app "npx ts-node -P test/tsconfig.json examples/app.ts" --context demo:stage=upgraded
 */
import * as path from 'path';
import { App, CfnOutput, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  Component, ComponentInfrastructure, ComponentSource, Environment, EnvironmentProvisioning, EnvironmentSpec,
  EnvironmentTemplate, Service, ServiceInstanceSpec, ServiceTemplate, ServiceTemplatePipelineProvisioning, TemplateBundle,
} from '../src';

export const DEMO_STACK_NAME = 'ProtonPlatformDemo';
export const DEMO_NETWORK_TEMPLATE = 'demo-network';
export const DEMO_SERVICE_TEMPLATE = 'demo-web-service';
export const DEMO_SERVICE = 'demo-api';
export const DEMO_COMPONENT = 'demo-api-staging-jobs';

/** The revisions of the platform, in the order the demo deploys them. */
export const DEMO_STAGES = ['initial', 'upgraded', 'instance-removed', 'component-removed'] as const;
export type DemoStage = typeof DEMO_STAGES[number];

const TEMPLATES_DIR = path.join(__dirname, 'templates');

/** The environments: name and network layout. */
const ENVIRONMENTS = [
  { id: 'Staging', name: 'demo-staging', vpcCidr: '10.1.0.0/16', subnets: ['10.1.0.0/20', '10.1.16.0/20'] },
  { id: 'Production', name: 'demo-production', vpcCidr: '10.2.0.0/16', subnets: ['10.2.0.0/20', '10.2.16.0/20'] },
] as const;

export class PlatformStack extends Stack {
  constructor(scope: Construct, id: string, stage: DemoStage, props: StackProps = {}) {
    super(scope, id, props);
    const upgraded = stage !== 'initial';

    // The environment template, its version 1.0 and, once upgraded, the minor version 1.1.
    const network = new EnvironmentTemplate(this, 'NetworkTemplate', {
      environmentTemplateName: DEMO_NETWORK_TEMPLATE,
      displayName: 'Shared network',
      description: 'A VPC with a subnet in each of two availability zones.',
    });
    const v1 = network.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(TEMPLATES_DIR, 'network-v1.0')) });
    const current = upgraded
      ? network.addVersion('V1_1', { bundle: TemplateBundle.fromDirectory(path.join(TEMPLATES_DIR, 'network-v1.1')), majorVersion: v1.majorVersion })
      : v1;

    // The role Proton deploys the environments' CloudFormation stacks with: only what the network needs.
    const protonServiceRole = new iam.Role(this, 'ProtonServiceRole', {
      assumedBy: new iam.ServicePrincipal('proton.amazonaws.com'),
      description: 'Provisions the demo environments',
    });
    protonServiceRole.addToPolicy(new iam.PolicyStatement({
      actions: ['cloudformation:*', 'ec2:*Vpc*', 'ec2:*Subnet*', 'ec2:*SecurityGroup*', 'ec2:*Tags', 'ec2:Describe*', 'ssm:*Parameter*'],
      resources: ['*'],
    }));

    // The role Proton deploys directly defined components with: developers' queues, nothing else.
    const componentRole = new iam.Role(this, 'ComponentRole', {
      assumedBy: new iam.ServicePrincipal('proton.amazonaws.com'),
      description: 'Provisions the directly defined components of the demo environments',
    });
    componentRole.addToPolicy(new iam.PolicyStatement({
      actions: ['cloudformation:*', 'sqs:CreateQueue', 'sqs:DeleteQueue', 'sqs:GetQueueAttributes', 'sqs:SetQueueAttributes', 'sqs:TagQueue'],
      resources: ['*'],
    }));

    const environments = ENVIRONMENTS.map((env) => new Environment(this, env.id, {
      environmentName: env.name,
      templateVersion: current,
      spec: EnvironmentSpec.fromInputs({ vpc_cidr: env.vpcCidr, subnet_a_cidr: env.subnets[0], subnet_b_cidr: env.subnets[1] }),
      provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole }),
      componentRole,
    }));
    const [staging, production] = environments;

    // The service template (no Proton pipeline) and its version, compatible with the network's major version.
    const webService = new ServiceTemplate(this, 'WebServiceTemplate', {
      serviceTemplateName: DEMO_SERVICE_TEMPLATE,
      displayName: 'Web service',
      pipelineProvisioning: ServiceTemplatePipelineProvisioning.CUSTOMER_MANAGED,
    });
    const webServiceV1 = webService.addVersion('V1', {
      bundle: TemplateBundle.fromDirectory(path.join(TEMPLATES_DIR, 'web-service')),
      compatibleEnvironmentTemplates: [{ template: network, majorVersion: v1.majorVersion }],
      supportedComponentSources: [ComponentSource.DIRECTLY_DEFINED],
    });

    // The service: each instance gets its environment's VpcId output (a token resolved at deploy time).
    const api = new Service(this, 'Api', { serviceName: DEMO_SERVICE, templateVersion: webServiceV1 });
    const stagingInstance = api.addInstance('staging', { environment: staging, spec: ServiceInstanceSpec.fromInputs({ vpc_id: staging.getOutput('VpcId') }) });
    api.addInstance('production-1', { environment: production, spec: ServiceInstanceSpec.fromInputs({ vpc_id: production.getOutput('VpcId'), desired_count: 3 }) });
    if (stage === 'upgraded') {
      api.addInstance('production-2', { environment: production, spec: ServiceInstanceSpec.fromInputs({ vpc_id: production.getOutput('VpcId'), desired_count: 3 }) });
    }

    // A component the staging instance's developers own: attached to their instance, then
    // detached — it stays in the staging environment as a standalone component — and removed.
    if (stage !== 'component-removed') {
      const detached = stage === 'instance-removed';
      const jobs = new Component(this, 'StagingJobs', {
        componentName: DEMO_COMPONENT,
        infrastructure: ComponentInfrastructure.fromFile(path.join(TEMPLATES_DIR, 'components', 'jobs-queue.yaml')),
        ...detached ? { environment: staging } : { serviceInstance: stagingInstance },
      });
      new CfnOutput(this, 'StagingJobsQueueUrl', { value: jobs.getOutput('QueueUrl') });
    }

    Tags.of(this).add('team', 'platform');
    new CfnOutput(this, 'NetworkTemplateRecommendedVersion', { value: network.recommendedVersion });
  }
}

/** Adds the demo stack to `app`; the stage comes from the `demo:stage` context (default `initial`). */
export function buildDemoApp(app: App): App {
  const stage = app.node.tryGetContext('demo:stage') ?? 'initial';
  if (!(DEMO_STAGES as readonly string[]).includes(stage)) {
    throw new Error(`Context demo:stage must be one of ${DEMO_STAGES.map((s) => `'${s}'`).join(', ')}, got '${stage}'.`);
  }
  new PlatformStack(app, DEMO_STACK_NAME, stage);
  return app;
}

if (require.main === module) {
  buildDemoApp(new App()).synth();
}
