/**
 * One timed build + synth of an app, shared by the synth benchmarks: the same App settings for
 * every variant (no creation stack traces, the 500-resources-per-stack check lifted) in a fresh
 * temporary outdir, and what the synthesized templates weigh.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { cpuMs, elapsedMs } from './stats';

export interface SynthSample {
  readonly buildMs: number;
  readonly synthMs: number;
  /** CPU time of build + synth (the process's threads): steadier than the wall times on a loaded machine. */
  readonly cpuMs: number;
  readonly templateBytes: number;
  readonly resources: number;
  /** The largest `AWS::IAM::Policy` document, as compact template JSON. */
  readonly largestPolicyChars: number;
  /**
   * The same document as IAM would size it once deployed: compact JSON with the pseudo
   * parameters (partition, region, account) substituted and `Fn::Join`s of strings joined;
   * other references left as they are.
   */
  readonly largestPolicyDeployedChars: number;
}

/** Values of the pseudo parameters for {@link SynthSample.largestPolicyDeployedChars}. */
const PSEUDO_PARAMETERS: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1', 'AWS::AccountId': '123456789012' };

function substitutePseudoParameters(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(substitutePseudoParameters);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  if (typeof object.Ref === 'string' && object.Ref in PSEUDO_PARAMETERS) return PSEUDO_PARAMETERS[object.Ref];
  if (Array.isArray(object['Fn::Join'])) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    const substituted = parts.map(substitutePseudoParameters);
    if (substituted.every((p) => typeof p === 'string')) return substituted.join(separator);
    return { 'Fn::Join': [separator, substituted] };
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, substitutePseudoParameters(v)]));
}

interface TemplateJson {
  readonly Resources: Record<string, { readonly Type: string; readonly Properties?: { readonly PolicyDocument?: unknown } }>;
}

/**
 * Builds an app with `build` (timed: construct tree) and synthesizes it (timed: `app.synth()`),
 * then reads its templates (untimed). The outdir is removed afterwards.
 */
export function measureSynth(build: (app: App) => void): SynthSample {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  try {
    let app!: App;
    let buildMs = 0;
    let synthMs = 0;
    let assemblyDir = '';
    let templateFiles: string[] = [];
    const used = cpuMs(() => {
      buildMs = elapsedMs(() => {
        app = new App({
          outdir,
          context: { 'aws:cdk:disable-creation-stack-traces': true, '@aws-cdk/core:stackResourceLimit': 0 },
        });
        build(app);
      });
      synthMs = elapsedMs(() => {
        const assembly = app.synth();
        assemblyDir = assembly.directory;
        templateFiles = assembly.stacks.map((s) => s.templateFile);
      });
    });
    let templateBytes = 0;
    let resources = 0;
    let largestPolicyChars = 0;
    let largestPolicyDeployedChars = 0;
    for (const file of templateFiles) {
      const text = fs.readFileSync(path.join(assemblyDir, file), 'utf8');
      templateBytes += Buffer.byteLength(text);
      for (const resource of Object.values((JSON.parse(text) as TemplateJson).Resources)) {
        resources++;
        if (resource.Type === 'AWS::IAM::Policy') {
          const document = resource.Properties?.PolicyDocument;
          largestPolicyChars = Math.max(largestPolicyChars, JSON.stringify(document).length);
          largestPolicyDeployedChars = Math.max(largestPolicyDeployedChars, JSON.stringify(substitutePseudoParameters(document)).length);
        }
      }
    }
    return { buildMs, synthMs, cpuMs: used, templateBytes, resources, largestPolicyChars, largestPolicyDeployedChars };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
