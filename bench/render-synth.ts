/**
 * What rendering at synth costs: build + synth of a platform with N environments and N services
 * (one instance each, its `vpc_id` input wired to its environment's `VpcId` output, a token) on the
 * examples/ templates (bench/platform.ts, as environment-scale.ts builds it), with the constructs rendering their IaC files (src/private/render/synth.ts)
 * against the same app with rendering off (today's path before rendering: spec checks only).
 *
 *   npx ts-node --transpile-only -P test/tsconfig.json bench/render-synth.ts [--count 100] [--repetitions 5]
 *
 * Each environment has its own name and CIDR (so its own render: names and inputs are printed
 * into the template); every service instance renders once. Renders are cached per app by bundle
 * and namespace, and parsed templates per text. One discarded warm-up of each variant, then
 * alternating repetitions; medians. CloudFormation validation plugin off (CDK_VALIDATION=false).
 */
import { parseArgs } from 'util';
import { addPlatform } from './platform';
import { median, positiveInteger, ratio, runMain, table } from './stats';
import { measureSynth, SynthSample } from './synth-measure';
import { SYNTH_RENDERING } from '../src/private/render/synth';

type Variant = 'rendering' | 'no rendering';
const VARIANTS: Variant[] = ['rendering', 'no rendering'];

function measure(variant: Variant, count: number): SynthSample {
  SYNTH_RENDERING.enabled = variant === 'rendering';
  try {
    return measureSynth((app) => addPlatform(app, count, 'RenderSynthBench'));
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
