/**
 * What rendering at synth costs: build + synth of a platform with N environments and N services
 * (one instance each, its `vpc_id` input wired to its environment's `VpcId` output, a token) on the
 * examples/ templates, with the constructs rendering their IaC files (src/private/render/synth.ts)
 * against the same app with rendering off (today's path before rendering: spec checks only).
 *
 *   npx ts-node --transpile-only -P test/tsconfig.json bench/render-synth.ts [--count 100] [--repetitions 5]
 *
 * Each environment has its own name and CIDR (so its own render: names and inputs are printed
 * into the template); every service instance renders once. Renders are cached per app by bundle
 * and namespace, and parsed templates per text. One discarded warm-up of each variant, then
 * alternating repetitions; medians. CloudFormation validation plugin off (CDK_VALIDATION=false).
 */
import * as path from 'path';
import { parseArgs } from 'util';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { median, positiveInteger, ratio, runMain, table } from './stats';
import { measureSynth, SynthSample } from './synth-measure';
import {
  Environment, EnvironmentProvisioning, EnvironmentSpec, EnvironmentTemplate, Service, ServiceTemplate,
  ServiceTemplatePipelineProvisioning, TemplateBundle,
} from '../src';
import { SYNTH_RENDERING } from '../src/private/render/synth';

const TEMPLATES_DIR = path.join(__dirname, '..', 'examples', 'templates');

type Variant = 'rendering' | 'no rendering';
const VARIANTS: Variant[] = ['rendering', 'no rendering'];

function addPlatform(app: App, count: number): void {
  const stack = new Stack(app, 'RenderSynthBench');
  const network = new EnvironmentTemplate(stack, 'Network', { environmentTemplateName: 'bench-network' });
  const networkV1 = network.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(TEMPLATES_DIR, 'network-v1.0')) });
  const web = new ServiceTemplate(stack, 'Web', { serviceTemplateName: 'bench-web', pipelineProvisioning: ServiceTemplatePipelineProvisioning.CUSTOMER_MANAGED });
  const webV1 = web.addVersion('V1', {
    bundle: TemplateBundle.fromDirectory(path.join(TEMPLATES_DIR, 'web-service')),
    compatibleEnvironmentTemplates: [{ template: network, majorVersion: networkV1.majorVersion }],
  });
  const protonServiceRole = iam.Role.fromRoleArn(stack, 'ProtonServiceRole', 'arn:aws:iam::123456789012:role/proton-service');
  for (let i = 0; i < count; i++) {
    const environment = new Environment(stack, `Env${i}`, {
      environmentName: `bench-env-${i}`,
      templateVersion: networkV1,
      spec: EnvironmentSpec.fromInputs({ vpc_cidr: `10.${i % 256}.0.0/16`, subnet_a_cidr: `10.${i % 256}.0.0/20`, subnet_b_cidr: `10.${i % 256}.16.0/20` }),
      provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole }),
    });
    const service = new Service(stack, `Svc${i}`, { serviceName: `bench-svc-${i}`, templateVersion: webV1 });
    service.addInstance('main', { environment, inputs: { vpc_id: environment.getOutput('VpcId'), desired_count: 2 } });
  }
}

function measure(variant: Variant, count: number): SynthSample {
  SYNTH_RENDERING.enabled = variant === 'rendering';
  try {
    return measureSynth((app) => addPlatform(app, count));
  } finally {
    SYNTH_RENDERING.enabled = true;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string' }, repetitions: { type: 'string' } } });
  const count = positiveInteger('--count', values.count ?? '100');
  const repetitions = positiveInteger('--repetitions', values.repetitions ?? '5');
  process.env.CDK_VALIDATION = 'false';
  VARIANTS.forEach((v) => measure(v, count));
  const samples = new Map<Variant, SynthSample[]>(VARIANTS.map((v) => [v, []]));
  for (let r = 0; r < repetitions; r++) {
    for (const v of r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) samples.get(v)!.push(measure(v, count));
  }
  const total = (v: Variant) => median(samples.get(v)!.map((s) => s.buildMs + s.synthMs));
  const rows = VARIANTS.map((v) => [
    v,
    median(samples.get(v)!.map((s) => s.buildMs)).toFixed(0),
    median(samples.get(v)!.map((s) => s.synthMs)).toFixed(0),
    total(v).toFixed(0),
  ]);
  process.stdout.write(`Synth of ${count} environments + ${count} service instances (median of ${repetitions}, ms)\n`);
  process.stdout.write(`${table(['variant', 'build', 'synth', 'build + synth'], rows, [0])}\n`);
  process.stdout.write(`rendering / no rendering: ${ratio(total('rendering'), total('no rendering'))} (goal <= 1.5x)\n`);
}

runMain(main);
