/**
 * The cloud assembly to deploy: a synthesized `cdk.out` directory, an app command synthesized the
 * way the CDK CLI does it (run with CDK_OUTDIR and CDK_CONTEXT_JSON set), or, programmatically, an
 * in-memory App (synthesized here) or CloudAssembly.
 */
import { execSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Stage } from 'aws-cdk-lib';
import { AssetManifestArtifact, CloudAssembly, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { CfnTemplate } from './template';

/** A directory or app command (string), an App/Stage, or a synthesized CloudAssembly. */
export type AppSource = string | Stage | CloudAssembly;

export interface SynthOptions {
  /** Context passed to an app command (CDK_CONTEXT_JSON), like `cdk -c key=value`. */
  readonly context?: Record<string, string>;
  /** Output directory for an app command. @default `cdk.out` in the working directory */
  readonly outdir?: string;
  /** Account and region an app command sees as CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION. */
  readonly account?: string;
  readonly region?: string;
}

/** A stack of the assembly, in deployment order. */
export interface AssemblyStack {
  readonly stackName: string;
  /** The account of the stack's environment (`env.account`); undefined when env-agnostic. */
  readonly account?: string;
  readonly template: CfnTemplate;
  /** The stack's asset manifest files (empty when it has no assets). */
  readonly assetManifests: string[];
  /** Names of the stacks it depends on. */
  readonly dependsOn: string[];
}

export interface LoadedAssembly {
  readonly directory: string;
  readonly stacks: AssemblyStack[];
}

export function loadAssembly(source: AppSource, options: SynthOptions = {}): LoadedAssembly {
  const assembly = toCloudAssembly(source, options);
  const artifacts = assembly.stacksRecursively;
  const stacks = artifacts.map((artifact) => describeStack(artifact));
  return { directory: assembly.directory, stacks: deploymentOrder(stacks) };
}

function toCloudAssembly(source: AppSource, options: SynthOptions): CloudAssembly {
  if (typeof source !== 'string') return Stage.isStage(source) ? source.synth() : source;
  if (fs.existsSync(path.join(source, 'manifest.json'))) return new CloudAssembly(source);
  if (fs.existsSync(source) && fs.statSync(source).isDirectory()) {
    throw new Error(`--app ${source}: the directory has no manifest.json; pass a synthesized cloud assembly (cdk.out) or an app command.`);
  }
  const outdir = path.resolve(options.outdir ?? 'cdk.out');
  fs.mkdirSync(outdir, { recursive: true });
  execSync(source, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify(options.context ?? {}),
      ...(options.account ? { CDK_DEFAULT_ACCOUNT: options.account } : {}),
      ...(options.region ? { CDK_DEFAULT_REGION: options.region } : {}),
    },
  });
  if (!fs.existsSync(path.join(outdir, 'manifest.json'))) {
    throw new Error(`--app "${source}" did not synthesize a cloud assembly into ${outdir} (no manifest.json): does the app call app.synth()?`);
  }
  return new CloudAssembly(outdir);
}

function describeStack(artifact: CloudFormationStackArtifact): AssemblyStack {
  const account = artifact.environment.account;
  return {
    stackName: artifact.stackName,
    ...(/^\d{12}$/.test(account) ? { account } : {}),
    template: artifact.template,
    assetManifests: artifact.dependencies
      .filter((d): d is AssetManifestArtifact => d instanceof AssetManifestArtifact)
      .map((d) => d.file),
    dependsOn: artifact.dependencies
      .filter((d): d is CloudFormationStackArtifact => d instanceof CloudFormationStackArtifact)
      .map((d) => d.stackName),
  };
}

function deploymentOrder(stacks: AssemblyStack[]): AssemblyStack[] {
  const byName = new Map(stacks.map((s) => [s.stackName, s]));
  const ordered: AssemblyStack[] = [];
  const visit = (stack: AssemblyStack, chain: string[]): void => {
    if (ordered.includes(stack)) return;
    if (chain.includes(stack.stackName)) throw new Error(`Circular dependency between stacks: ${[...chain, stack.stackName].join(' -> ')}.`);
    for (const dep of stack.dependsOn) {
      const s = byName.get(dep);
      if (s) visit(s, [...chain, stack.stackName]);
    }
    ordered.push(stack);
  };
  stacks.forEach((s) => visit(s, []));
  return ordered;
}
