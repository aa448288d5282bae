/**
 * Synth cost of N `EnvironmentTemplate`s against N bare aws-cdk-lib `CustomResource`s carrying the
 * same properties (plain `serviceToken`, same resource type, ServiceTimeout and removal policy):
 * what the construct adds on top of the custom resource it wraps (its provider, the handler asset,
 * the lazily rendered IAM policy, names, tags and validations).
 *
 *   npx ts-node --transpile-only -P test/tsconfig.json bench/synth-scale.ts [--count 500] [--stacks 1] [--repetitions 5] [--validation]
 *
 * Both apps are built and synthesized in this process, alternately, after one discarded warm-up
 * of each; the table shows the median of the repetitions. Both use the same App settings: no
 * creation stack traces, the 500-resources-per-stack check lifted (N=500 templates plus the
 * provider exceed it in one stack; --stacks spreads them), and aws-cdk-lib's CloudFormation
 * validation plugin off (CDK_VALIDATION=false) unless --validation is given.
 */
import { parseArgs } from 'util';
import { CustomResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { kib, median, positiveInteger, ratio, runMain, table } from './stats';
import { measureSynth, SynthSample } from './synth-measure';
import { EnvironmentTemplate } from '../src';
import { ProtonResourceType } from '../src/custom-resources/contract';
import { ProtonProvider } from '../src/custom-resources/proton-provider';

/** A Lambda ARN that exists only as a string: the bare resources need no provider. */
const BARE_SERVICE_TOKEN = 'arn:aws:lambda:us-east-1:123456789012:function:bare-handler';

type Variant = 'EnvironmentTemplate' | 'bare CustomResource';
const VARIANTS: Variant[] = ['EnvironmentTemplate', 'bare CustomResource'];

/** The properties both variants give resource `i` (the construct renders the same ones). */
function propsOf(i: number) {
  return { name: `bench-template-${i}`, displayName: `Bench template ${i}`, description: `Benchmark template number ${i}` };
}

function addTemplate(stack: Stack, i: number): void {
  const { name, displayName, description } = propsOf(i);
  const template = new EnvironmentTemplate(stack, `Template${i}`, { environmentTemplateName: name, displayName, description });
  template.tags.setTag('team', 'bench');
}

/** Same construct path depth as the template's `Template<i>/Resource`. */
function addBare(stack: Stack, i: number): void {
  const { name, displayName, description } = propsOf(i);
  new CustomResource(new Construct(stack, `Template${i}`), 'Resource', {
    serviceToken: BARE_SERVICE_TOKEN,
    resourceType: ProtonResourceType.ENVIRONMENT_TEMPLATE,
    properties: { Name: name, DisplayName: displayName, Description: description, Tags: { team: 'bench' } },
    serviceTimeout: ProtonProvider.SERVICE_TIMEOUT,
    removalPolicy: RemovalPolicy.DESTROY,
  });
}

function measure(variant: Variant, count: number, stacks: number): SynthSample {
  return measureSynth((app) => {
    const perStack = Math.ceil(count / stacks);
    for (let s = 0; s < stacks; s++) {
      const stack = new Stack(app, `BenchStack${s}`);
      for (let i = s * perStack; i < Math.min(count, (s + 1) * perStack); i++) {
        if (variant === 'EnvironmentTemplate') addTemplate(stack, i);
        else addBare(stack, i);
      }
    }
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '500' },
      stacks: { type: 'string', default: '1' },
      repetitions: { type: 'string', default: '5' },
      validation: { type: 'boolean', default: false },
    },
  });
  const count = positiveInteger('count', values.count);
  const stacks = positiveInteger('stacks', values.stacks);
  const repetitions = positiveInteger('repetitions', values.repetitions);
  if (stacks > count) throw new Error(`--stacks (${stacks}) must not exceed --count (${count}): every stack holds at least one resource.`);
  // Read by aws-cdk-lib at each synth; the same for both variants.
  process.env.CDK_VALIDATION = values.validation ? 'true' : 'false';

  const samples = new Map<Variant, SynthSample[]>(VARIANTS.map((v) => [v, []]));
  for (const variant of VARIANTS) measure(variant, count, stacks);
  for (let r = 0; r < repetitions; r++) {
    // Alternate which variant goes first, so neither always runs on a freshly collected heap.
    const order = r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const variant of order) samples.get(variant)!.push(measure(variant, count, stacks));
  }

  const summary = (variant: Variant) => {
    const s = samples.get(variant)!;
    const build = median(s.map((x) => x.buildMs));
    const synth = median(s.map((x) => x.synthMs));
    const total = median(s.map((x) => x.buildMs + x.synthMs));
    return { build, synth, total, last: s[s.length - 1] };
  };
  const ours = summary('EnvironmentTemplate');
  const bare = summary('bare CustomResource');

  process.stdout.write([
    `synth-scale: ${count} resources in ${stacks} stack(s), ${repetitions} alternating repetitions after a warm-up, medians`,
    `CloudFormation validation plugin: ${values.validation ? 'ON (--validation)' : 'OFF for both (CDK_VALIDATION=false; --validation turns it on)'}; `
      + 'creation stack traces off; stack resource limit lifted',
    '',
    table(
      ['variant', 'build ms', 'synth ms', 'total ms', 'template bytes', 'resources', 'largest IAM policy chars'],
      ([['EnvironmentTemplate', ours], ['bare CustomResource', bare]] as const).map(([name, s]) => [
        name,
        s.build.toFixed(0),
        s.synth.toFixed(0),
        s.total.toFixed(0),
        `${s.last.templateBytes} (${kib(s.last.templateBytes)})`,
        String(s.last.resources),
        s.last.largestPolicyChars === 0 ? '-' : String(s.last.largestPolicyChars),
      ]),
    ),
    '',
    `ratio EnvironmentTemplate / bare: total ${ratio(ours.total, bare.total)}, build ${ratio(ours.build, bare.build)}, `
      + `synth ${ratio(ours.synth, bare.synth)}, template bytes ${ratio(ours.last.templateBytes, bare.last.templateBytes)}`,
    `per resource: ${(ours.total / count).toFixed(2)} ms vs ${(bare.total / count).toFixed(2)} ms; `
      + `${(ours.last.templateBytes / count).toFixed(0)} vs ${(bare.last.templateBytes / count).toFixed(0)} template bytes`,
    '',
  ].join('\n'));
}

runMain(main);
