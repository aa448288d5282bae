/**
 * Synth cost of a platform with N environments and N services (one instance each, its input wired
 * to its environment's `VpcId` output) on one environment template version and one service
 * template version, at several N, against bare aws-cdk-lib `CustomResource`s carrying exactly the
 * properties the constructs rendered: is it linear in N, and what do the constructs add?
 *
 *   npx ts-node --transpile-only -P test/tsconfig.json bench/environment-scale.ts [--counts 100,400] [--repetitions 3]
 *
 * The bare variant's properties (and logical ids, so its references still resolve) are captured
 * from one untimed synth of the construct variant at the same N, with a plain `serviceToken`:
 * what the constructs add is the provider, the bundle assets, spec rendering and schema checks,
 * the IAM policy, dependencies, names and validations. Per N: one discarded warm-up of each
 * variant, then alternating repetitions; medians. CloudFormation validation plugin off
 * (CDK_VALIDATION=false) for both, as in synth-scale.ts.
 */
import { parseArgs } from 'util';
import { App, CfnResource, CustomResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { addPlatform } from './platform';
import { median, positiveInteger, ratio, runMain, table } from './stats';
import { measureSynth, SynthSample } from './synth-measure';
import { ProtonProvider } from '../src/custom-resources/proton-provider';

const BARE_SERVICE_TOKEN = 'arn:aws:lambda:us-east-1:123456789012:function:bare-handler';
const STACK = 'EnvironmentScaleBench';
/** CloudFormation's and IAM's limits a single stack meets (resources, template size from S3, a role's inline policies). */
const LIMITS = { resources: 500, templateBytes: 1_048_576, rolePolicyChars: 10_240 };

type Variant = 'constructs' | 'bare CustomResource';
const VARIANTS: Variant[] = ['constructs', 'bare CustomResource'];

/** A custom resource of the construct variant's template, as the bare variant re-declares it. */
interface CapturedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
}

/** The Proton custom resources of the construct variant at `count`, from one untimed synth. */
function captureResources(count: number): CapturedResource[] {
  const app = new App({ context: { 'aws:cdk:disable-creation-stack-traces': true, '@aws-cdk/core:stackResourceLimit': 0 } });
  addPlatform(app, count, STACK);
  const template = app.synth().getStackByName(STACK).template as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type.startsWith('Custom::Proton'))
    .map(([logicalId, r]) => {
      const { ServiceToken: _token, ServiceTimeout: _timeout, ...properties } = r.Properties;
      return { logicalId, type: r.Type, properties };
    });
}

function addBare(app: App, resources: CapturedResource[]): void {
  const stack = new Stack(app, STACK);
  for (const r of resources) {
    const resource = new CustomResource(stack, r.logicalId, {
      serviceToken: BARE_SERVICE_TOKEN,
      resourceType: r.type,
      properties: r.properties,
      serviceTimeout: ProtonProvider.SERVICE_TIMEOUT,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    (resource.node.defaultChild as CfnResource).overrideLogicalId(r.logicalId);
  }
}

interface Summary {
  readonly build: number;
  readonly synth: number;
  readonly total: number;
  readonly last: SynthSample;
}

function summarize(samples: SynthSample[]): Summary {
  return {
    build: median(samples.map((s) => s.buildMs)),
    synth: median(samples.map((s) => s.synthMs)),
    total: median(samples.map((s) => s.buildMs + s.synthMs)),
    last: samples[samples.length - 1],
  };
}

function measureAt(count: number, repetitions: number): Map<Variant, Summary> {
  const captured = captureResources(count);
  const measure = (variant: Variant) => measureSynth((app) => (variant === 'constructs' ? addPlatform(app, count, STACK) : addBare(app, captured)));
  const samples = new Map<Variant, SynthSample[]>(VARIANTS.map((v) => [v, []]));
  for (const variant of VARIANTS) measure(variant);
  for (let r = 0; r < repetitions; r++) {
    // Alternate which variant goes first, so neither always runs on a freshly collected heap.
    const order = r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const variant of order) samples.get(variant)!.push(measure(variant));
  }
  return new Map(VARIANTS.map((v) => [v, summarize(samples.get(v)!)]));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      counts: { type: 'string', default: '100,400' },
      repetitions: { type: 'string', default: '3' },
    },
  });
  const counts = values.counts!.split(',').map((c) => positiveInteger('counts', c.trim()));
  const repetitions = positiveInteger('repetitions', values.repetitions);
  // Read by aws-cdk-lib at each synth; the same for both variants.
  process.env.CDK_VALIDATION = 'false';

  const results = new Map<number, Map<Variant, Summary>>();
  for (const count of counts) results.set(count, measureAt(count, repetitions));

  const rows = counts.flatMap((count) => VARIANTS.map((variant) => {
    const s = results.get(count)!.get(variant)!;
    return [
      String(count), variant, s.build.toFixed(0), s.synth.toFixed(0), s.total.toFixed(0),
      (s.total / count).toFixed(2), String(s.last.templateBytes), String(s.last.resources),
      s.last.largestPolicyChars === 0 ? '-' : `${s.last.largestPolicyChars} / ${s.last.largestPolicyDeployedChars}`,
    ];
  }));
  const lines = [
    'environment-scale: N environments + N services (1 instance each) on 1 environment + 1 service template version, one stack; '
      + `${repetitions} alternating repetitions after a warm-up, medians`,
    'CloudFormation validation plugin OFF for both (CDK_VALIDATION=false); creation stack traces off; stack resource limit lifted',
    '',
    table(['N', 'variant', 'build ms', 'synth ms', 'total ms', 'ms per env+svc', 'template bytes', 'resources', 'largest IAM policy chars: template / deployed'], rows, [1]),
    '',
  ];
  for (const count of counts) {
    const at = results.get(count)!;
    lines.push(`N=${count}: constructs / bare: total ${ratio(at.get('constructs')!.total, at.get('bare CustomResource')!.total)}, `
      + `template bytes ${ratio(at.get('constructs')!.last.templateBytes, at.get('bare CustomResource')!.last.templateBytes)}`);
  }
  for (const count of counts) {
    const last = results.get(count)!.get('constructs')!.last;
    const over = [
      last.resources > LIMITS.resources ? `${last.resources} resources > ${LIMITS.resources} per stack` : undefined,
      last.templateBytes > LIMITS.templateBytes ? `${last.templateBytes} template bytes > ${LIMITS.templateBytes} (1 MiB)` : undefined,
      last.largestPolicyDeployedChars > LIMITS.rolePolicyChars
        ? `handler role policy ~${last.largestPolicyDeployedChars} chars deployed > ${LIMITS.rolePolicyChars} per role` : undefined,
    ].filter((x) => x !== undefined);
    lines.push(`N=${count}: one stack ${over.length === 0 ? 'is within CloudFormation and IAM limits' : `exceeds limits: ${over.join('; ')}`}`);
  }
  for (let i = 1; i < counts.length; i++) {
    const [from, to] = [counts[i - 1], counts[i]];
    const growth = (variant: Variant) => ratio(results.get(to)!.get(variant)!.total, results.get(from)!.get(variant)!.total);
    lines.push(`N ${from} -> ${to} (${ratio(to, from)} the resources; linear = that): constructs total ${growth('constructs')}, `
      + `bare total ${growth('bare CustomResource')}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

runMain(main);
