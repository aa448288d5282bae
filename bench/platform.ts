/**
 * The platform the synth benchmarks build: one environment template version and one service
 * template version (the examples/templates/ bundles), N environments and N services with one
 * instance each, whose `vpc_id` input is its environment's `VpcId` output (a token).
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  Environment, EnvironmentProvisioning, EnvironmentSpec, EnvironmentTemplate, Service, ServiceInstanceSpec, ServiceTemplate,
  ServiceTemplatePipelineProvisioning, TemplateBundle,
} from '../src';

const TEMPLATES_DIR = path.join(__dirname, '..', 'examples', 'templates');

export function addPlatform(app: App, count: number, stackName: string): void {
  const stack = new Stack(app, stackName);
  const network = new EnvironmentTemplate(stack, 'Network', { environmentTemplateName: 'bench-network' });
  const networkV1 = network.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(TEMPLATES_DIR, 'network-v1.0')) });
  const web = new ServiceTemplate(stack, 'Web', {
    serviceTemplateName: 'bench-web', pipelineProvisioning: ServiceTemplatePipelineProvisioning.CUSTOMER_MANAGED,
  });
  const webV1 = web.addVersion('V1', {
    bundle: TemplateBundle.fromDirectory(path.join(TEMPLATES_DIR, 'web-service')),
    compatibleEnvironmentTemplates: [{ template: network, majorVersion: networkV1.majorVersion }],
  });
  const protonServiceRole = iam.Role.fromRoleArn(stack, 'ProtonServiceRole', 'arn:aws:iam::123456789012:role/proton-service');
  for (let i = 0; i < count; i++) {
    const environment = new Environment(stack, `Env${i}`, {
      environmentName: `bench-env-${i}`,
      templateVersion: networkV1,
      spec: EnvironmentSpec.fromInputs({ vpc_cidr: `10.${i % 256}.0.0/16` }),
      provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole }),
    });
    const service = new Service(stack, `Svc${i}`, { serviceName: `bench-svc-${i}`, templateVersion: webV1 });
    service.addInstance('main', { environment, spec: ServiceInstanceSpec.fromInputs({ vpc_id: environment.getOutput('VpcId') }) });
  }
}

