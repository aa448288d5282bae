/**
 * What rendering at synth costs: build + synth of a platform with N environments and N services
 * (one instance each, its `vpc_id` input wired to its environment's `VpcId` output, a token) on the
 * examples/ templates (bench/platform.ts, as environment-scale.ts builds it), with the constructs rendering their IaC files (src/private/render/synth.ts)
 * against the same app with rendering off (today's path before rendering: spec checks only).
 *
 *   npx ts-node --transpile-only -P test/tsconfig.json bench/render-synth.ts [--count 100] [--repetitions 5]
 *
 * Each environment has its own name and CIDR (so its own spec, and its own render); the service
 * instances differ in names only (their `vpc_id` is a token), so they share one render: names are
 * stand-ins (src/private/render/stand-ins.ts). Renders are cached per app by bundle and namespace,
 * and parsed templates per text. One discarded warm-up of each variant, then alternating
 * repetitions; medians, the spread (min-max) and the ratio of each repetition's pair, of wall time
 * and of CPU time (steadier on a loaded machine). CloudFormation validation plugin off
 * (CDK_VALIDATION=false).
 */
import { parseArgs } from 'util';
import { addPlatform } from './platform';
import { median, positiveInteger, ratio, runMain, table } from './stats';
import { measureSynth, SynthSample } from './synth-measure';
import { SYNTH_RENDERING } from '../src/private/render/synth';

type Variant = 'rendering' | 'no rendering';
const VARIANTS: Variant[] = ['rendering', 'no rendering'];

function measure(variant: Variant, count: number): SynthSample & { readonly renders: number } {
  SYNTH_RENDERING.enabled = variant === 'rendering';
  const before = SYNTH_RENDERING.renders;
  try {
    return { ...measureSynth((app) => addPlatform(app, count, 'RenderSynthBench')), renders: SYNTH_RENDERING.renders - before };
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
  const samples = new Map<Variant, Array<ReturnType<typeof measure>>>(VARIANTS.map((v) => [v, []]));
  for (let r = 0; r < repetitions; r++) {
    for (const v of r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) samples.get(v)!.push(measure(v, count));
  }
  const totals = (v: Variant) => samples.get(v)!.map((s) => s.buildMs + s.synthMs);
  const cpu = (v: Variant) => samples.get(v)!.map((s) => s.cpuMs);
  const spread = (figures: readonly number[]) => `${Math.min(...figures).toFixed(0)}-${Math.max(...figures).toFixed(0)}`;
  const rows = VARIANTS.map((v) => [
    v,
    median(samples.get(v)!.map((s) => s.buildMs)).toFixed(0),
    median(samples.get(v)!.map((s) => s.synthMs)).toFixed(0),
    median(totals(v)).toFixed(0),
    spread(totals(v)),
    median(cpu(v)).toFixed(0),
    spread(cpu(v)),
    String(samples.get(v)![0].renders),
  ]);
  const ratios = (of: (v: Variant) => number[]) => {
    const pairs = of('rendering').map((t, i) => t / of('no rendering')[i]);
    return `${ratio(median(of('rendering')), median(of('no rendering')))} (per repetition: median ${median(pairs).toFixed(2)}x, `
      + `${Math.min(...pairs).toFixed(2)}x-${Math.max(...pairs).toFixed(2)}x)`;
  };
  process.stdout.write(`Synth of ${count} environments + ${count} service instances (median of ${repetitions}, ms)\n`);
  process.stdout.write(`${table(['variant', 'build', 'synth', 'build + synth', 'min-max', 'CPU', 'min-max', 'renders'], rows, [0])}\n`);
  process.stdout.write(`rendering / no rendering (goal <= 1.5x): build + synth ${ratios(totals)}; CPU ${ratios(cpu)}\n`);
}

runMain(main);
