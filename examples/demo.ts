/**
 * `npm run demo`: synthesize examples/app.ts, deploy it with the local CloudFormation runner to an
 * embedded Proton emulator, show what Proton now holds, deploy the updated revision, show it
 * again, destroy the stack, and show that nothing is left. Exits non-zero if any step fails.
 */
import * as path from 'path';
import { GetEnvironmentTemplateCommand, ListEnvironmentTemplatesCommand, ListTagsForResourceCommand, ProtonClient } from '@aws-sdk/client-proton';
import { App } from 'aws-cdk-lib';
import { buildDemoApp, DEMO_STACK_NAME, DemoStage } from './app';
import { consoleReporter, LocalRunner, OperationResult, summarize } from '../local/runner';

const OUTDIR = path.join(__dirname, 'cdk.out');

function heading(text: string): void {
  process.stdout.write(`\n=== ${text}\n`);
}

function synth(stage: DemoStage): App {
  heading(`Synthesize examples/app.ts (demo:stage=${stage}) into ${path.relative(process.cwd(), OUTDIR)}`);
  return buildDemoApp(new App({ outdir: OUTDIR, context: { 'demo:stage': stage } }));
}

function check(action: string, result: OperationResult): void {
  process.stdout.write(`${summarize(action, result).join('\n')}\n`);
  if (!result.success) throw new Error(`${action} failed (see the events above).`);
}

/** Names, display names, timestamps and tags: what Proton holds, without descriptions or specs. */
async function showProton(proton: ProtonClient): Promise<void> {
  heading('Proton state (through @aws-sdk/client-proton)');
  const templates = (await proton.send(new ListEnvironmentTemplatesCommand({}))).templates ?? [];
  if (templates.length === 0) process.stdout.write('  no environment templates\n');
  for (const summary of templates) {
    const t = (await proton.send(new GetEnvironmentTemplateCommand({ name: summary.name }))).environmentTemplate!;
    const { tags } = await proton.send(new ListTagsForResourceCommand({ resourceArn: t.arn }));
    process.stdout.write([
      `  environment template ${t.name}`,
      `    arn:           ${t.arn}`,
      `    displayName:   ${t.displayName ?? '(none)'}`,
      `    description:   ${t.description === undefined ? '(none)' : `${t.description.length} characters`}`,
      `    provisioning:  ${t.provisioning ?? 'STANDARD'}`,
      `    created:       ${t.createdAt?.toISOString()}`,
      `    last modified: ${t.lastModifiedAt?.toISOString()}`,
      `    tags:          ${(tags ?? []).map((tag) => `${tag.key}=${tag.value}`).join(', ')}`,
    ].join('\n') + '\n');
  }
}

async function main(): Promise<void> {
  const reporter = consoleReporter();
  const runner = await LocalRunner.start({ onEvent: reporter.event, onMessage: reporter.message });
  process.stdout.write(`Embedded Proton emulator at ${runner.endpoint} (virtual time)\n`);
  const proton = new ProtonClient({ endpoint: runner.endpoint, region: runner.target.region, credentials: runner.target.credentials });
  try {
    const initial = synth('initial');
    heading(`Deploy ${DEMO_STACK_NAME}`);
    check('deploy', await runner.deploy(initial));
    await showProton(proton);

    const updated = synth('updated');
    heading(`Deploy the updated ${DEMO_STACK_NAME} (display name and description change in place)`);
    check('update', await runner.deploy(updated));
    await showProton(proton);

    heading(`Destroy ${DEMO_STACK_NAME}`);
    check('destroy', await runner.destroy({ stackNames: [DEMO_STACK_NAME] }));
    await showProton(proton);
  } finally {
    proton.destroy();
    await runner.close();
  }
}

main().then(
  () => process.stdout.write('\nDemo complete.\n'),
  (error: Error) => {
    process.stderr.write(`\nDemo failed: ${error.message}\n`);
    process.exit(1);
  },
);
