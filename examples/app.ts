/**
 * A small CDK app using cdk-proton: a platform team's stack publishing an AWS Proton environment
 * template. Synthesize it with the context `demo:stage=updated` for the second revision (new
 * display name and description, updated in place).
 *
 *   npx ts-node -P test/tsconfig.json examples/app.ts                 # CDK_OUTDIR decides where
 *   npm run local -- deploy --app "npx ts-node -P test/tsconfig.json examples/app.ts"
 */
import { App, CfnOutput, Stack, StackProps, Tags } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EnvironmentTemplate } from '../src';

export const DEMO_STACK_NAME = 'ProtonPlatformDemo';
export const DEMO_TEMPLATE_NAME = 'demo-network';

/** The revision of the platform the context selects. */
export type DemoStage = 'initial' | 'updated';

export class PlatformStack extends Stack {
  public readonly networkTemplate: EnvironmentTemplate;

  constructor(scope: Construct, id: string, stage: DemoStage, props: StackProps = {}) {
    super(scope, id, props);
    this.networkTemplate = new EnvironmentTemplate(this, 'NetworkTemplate', {
      environmentTemplateName: DEMO_TEMPLATE_NAME,
      displayName: stage === 'updated' ? 'Shared network (v2)' : 'Shared network',
      description: stage === 'updated'
        ? 'A VPC with public and private subnets across three AZs, and VPC endpoints for AWS services.'
        : 'A VPC with public and private subnets across two AZs.',
    });
    Tags.of(this.networkTemplate).add('team', 'platform');
    new CfnOutput(this, 'NetworkTemplateArn', { value: this.networkTemplate.environmentTemplateArn });
  }
}

/** Adds the demo stack to `app`; the stage comes from the `demo:stage` context. */
export function buildDemoApp(app: App): App {
  const stage = app.node.tryGetContext('demo:stage') ?? 'initial';
  if (stage !== 'initial' && stage !== 'updated') {
    throw new Error(`Context demo:stage must be 'initial' or 'updated', got '${stage}'.`);
  }
  new PlatformStack(app, DEMO_STACK_NAME, stage);
  return app;
}

if (require.main === module) {
  buildDemoApp(new App()).synth();
}
