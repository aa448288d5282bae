import { App, Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EnvironmentTemplate } from '../../src';

/** `rule — resource` for each unacknowledged finding, so a failure names what to fix. */
function findings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} — ${r.constructPath}: ${v.description}`));
}

test('a stack with environment templates has no unacknowledged AwsSolutions findings', () => {
  const stack = new Stack(new App(), 'NagStack', { env: { account: '123456789012', region: 'us-east-1' } });
  new EnvironmentTemplate(stack, 'Plain', { environmentTemplateName: 'plain' });
  new EnvironmentTemplate(stack, 'Encrypted', { encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }) });
  expect(findings(stack)).toEqual([]);
});

test('acknowledgements sit only on the Provider framework, never on the cdk-proton handler role or functions', () => {
  const stack = new Stack(new App(), 'NagStack', { env: { account: '123456789012', region: 'us-east-1' } });
  new EnvironmentTemplate(stack, 'Plain', { environmentTemplateName: 'plain' });
  const acknowledged = stack.node.findAll()
    .filter((c) => c.node.metadata.some((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .map((c) => c.node.path);
  expect(acknowledged).toEqual(['NagStack/cdk-proton.ProtonProvider/Provider']);
  // The handler role alone is clean: every statement names exact ARNs, no wildcard.
  const report = new AwsSolutionsChecks().validateScope(stack.node.findChild('cdk-proton.ProtonProvider').node.findChild('HandlerRole'));
  expect(report.violations).toEqual([]);
});
