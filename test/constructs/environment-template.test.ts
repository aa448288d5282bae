import { App, CfnParameter, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { EnvironmentTemplate, EnvironmentTemplateProvisioning } from '../../src';
import { ProtonProvider } from '../../src/custom-resources/proton-provider';

const ENV = { account: '123456789012', region: 'us-east-1' };
const TYPE = 'Custom::ProtonEnvironmentTemplate';

/** A template ARN as synthesized: the partition stays a reference. */
function arnOf(name: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:proton:us-east-1:123456789012:environment-template/${name}`]] };
}

function newStack(): Stack {
  return new Stack(new App(), 'TestStack', { env: ENV });
}

/**
 * The statements of the handler role's policy that mention a Proton action, but the one on the
 * resources the stack created (ownership-tag condition) every handler policy has.
 */
function protonStatements(template: Template): any[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('proton:')) && s.Condition === undefined);
}

describe('EnvironmentTemplate', () => {
  test('declares the custom resource with every property and the service timeout', () => {
    const stack = newStack();
    new EnvironmentTemplate(stack, 'Template', {
      environmentTemplateName: 'web-env',
      displayName: 'Web',
      description: 'Web environments',
      provisioning: EnvironmentTemplateProvisioning.CUSTOMER_MANAGED,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs(TYPE, 1);
    template.hasResource(TYPE, {
      Properties: {
        ServiceToken: Match.anyValue(),
        ServiceTimeout: '3000',
        Name: 'web-env',
        DisplayName: 'Web',
        Description: 'Web environments',
        Provisioning: 'CUSTOMER_MANAGED',
      },
      UpdateReplacePolicy: 'Delete',
      DeletionPolicy: 'Delete',
    });
    const props = template.findResources(TYPE);
    const only = Object.values(props)[0] as any;
    expect(Object.keys(only.Properties).sort()).toEqual(['Description', 'DisplayName', 'Name', 'Provisioning', 'ServiceTimeout', 'ServiceToken']);
  });

  test('standard provisioning and no optional props write only the name', () => {
    const stack = newStack();
    new EnvironmentTemplate(stack, 'Template', { environmentTemplateName: 'plain', provisioning: EnvironmentTemplateProvisioning.STANDARD });
    const only = Object.values(Template.fromStack(stack).findResources(TYPE))[0] as any;
    expect(Object.keys(only.Properties).sort()).toEqual(['Name', 'ServiceTimeout', 'ServiceToken']);
  });

  test('attributes come from the custom resource; the ARN is exact in IAM', () => {
    const stack = newStack();
    const tmpl = new EnvironmentTemplate(stack, 'Template', { environmentTemplateName: 'web-env' });
    expect(stack.resolve(tmpl.environmentTemplateName)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Template/), 'Name'] });
    expect(stack.resolve(tmpl.environmentTemplateArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Template/), 'Arn'] });

    const template = Template.fromStack(stack);
    expect(protonStatements(template)).toEqual([{
      Effect: 'Allow',
      Action: [
        'proton:CreateEnvironmentTemplate',
        'proton:DeleteEnvironmentTemplate',
        // The template's delete first deletes the versions its stack left behind (IAM authorizes
        // version actions on the template's ARN).
        'proton:DeleteEnvironmentTemplateVersion',
        'proton:GetEnvironmentTemplate',
        'proton:ListEnvironmentTemplateVersions',
        'proton:ListTagsForResource',
        'proton:TagResource',
        'proton:UntagResource',
        'proton:UpdateEnvironmentTemplate',
      ],
      Resource: [arnOf('web-env')],
    }]);
  });

  test('one provider per stack however many templates; IAM lists every template ARN', () => {
    const stack = newStack();
    new EnvironmentTemplate(stack, 'A', { environmentTemplateName: 'a' });
    new EnvironmentTemplate(stack, 'B', { environmentTemplateName: 'b' });
    new EnvironmentTemplate(stack, 'C', { environmentTemplateName: 'c' });
    const template = Template.fromStack(stack);
    expect(stack.node.findAll().filter((c) => c instanceof ProtonProvider)).toHaveLength(1);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.resourceCountIs('AWS::Lambda::Function', 5); // onEvent + isComplete + the framework's 3
    const tokens = new Set(Object.values(template.findResources(TYPE)).map((r: any) => JSON.stringify(r.Properties.ServiceToken)));
    expect(tokens.size).toBe(1);
    expect(protonStatements(template)).toHaveLength(1);
    expect(protonStatements(template)[0].Resource).toEqual([arnOf('a'), arnOf('b'), arnOf('c')]);
  });

  test('each stack gets its own provider', () => {
    const app = new App();
    const one = new Stack(app, 'One', { env: ENV });
    const two = new Stack(app, 'Two', { env: ENV });
    new EnvironmentTemplate(one, 'T', { environmentTemplateName: 'one' });
    new EnvironmentTemplate(two, 'T', { environmentTemplateName: 'two' });
    expect(ProtonProvider.getOrCreate(one)).not.toBe(ProtonProvider.getOrCreate(two));
    expect(ProtonProvider.getOrCreate(one)).toBe(ProtonProvider.getOrCreate(one.node.findChild('T')));
  });

  test('provider: handlers share one asset, latest Node runtime, polling fits the service timeout', () => {
    const stack = newStack();
    new EnvironmentTemplate(stack, 'T', { environmentTemplateName: 't' });
    const template = Template.fromStack(stack);
    const handlers = Object.values(template.findResources('AWS::Lambda::Function', {
      Properties: { Handler: Match.stringLikeRegexp('^index\\.(onEvent|isComplete)$') },
    })) as any[];
    expect(handlers.map((h) => h.Properties.Handler).sort()).toEqual(['index.isComplete', 'index.onEvent']);
    expect(new Set(handlers.map((h) => JSON.stringify(h.Properties.Code))).size).toBe(1);
    for (const h of handlers) {
      expect(h.Properties.Runtime).toBe('nodejs24.x');
      expect(h.Properties.Timeout).toBe(180);
    }
    expect(ProtonProvider.TOTAL_TIMEOUT.toSeconds() % ProtonProvider.QUERY_INTERVAL.toSeconds()).toBe(0);
    const worstCase = 2 * ProtonProvider.HANDLER_TIMEOUT.toSeconds() + ProtonProvider.TOTAL_TIMEOUT.toSeconds()
      + ProtonProvider.TOTAL_TIMEOUT.toSeconds() / ProtonProvider.QUERY_INTERVAL.toSeconds(); // ~1 s per poll
    expect(worstCase).toBeLessThan(ProtonProvider.SERVICE_TIMEOUT.toSeconds());
    expect(ProtonProvider.SERVICE_TIMEOUT.toSeconds()).toBeLessThanOrEqual(3600);
    // Waiter: 210 attempts, 10 s apart; logging at ALL without execution data (it holds the ResponseURL).
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as any;
    expect(machine.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    // The framework's own functions, which would log whole requests, log nothing below FATAL.
    const framework = Object.values(template.findResources('AWS::Lambda::Function', {
      Properties: { Handler: Match.stringLikeRegexp('^framework\\.') },
    })) as any[];
    expect(framework).toHaveLength(3);
    for (const f of framework) {
      // The framework's functions log (FATAL only) into the handlers' log group: one retention and removal policy for all.
      expect(f.Properties.LoggingConfig).toEqual({ ApplicationLogLevel: 'FATAL', LogFormat: 'JSON', LogGroup: { Ref: expect.stringMatching(/^cdkprotonProtonProviderHandlerLogs/) } });
    }
    expect(JSON.stringify(machine.Properties.DefinitionString)).toMatch(/\\"IntervalSeconds\\":10,\\"MaxAttempts\\":210/);
  });

  test('generated names: path plus a hash of immutable props, known at synth', () => {
    const stack = newStack();
    const a = new EnvironmentTemplate(stack, 'Generated');
    const b = new EnvironmentTemplate(stack, 'Managed', { provisioning: EnvironmentTemplateProvisioning.CUSTOMER_MANAGED });
    const names = Object.values(Template.fromStack(stack).findResources(TYPE)).map((r: any) => r.Properties.Name);
    expect(names).toEqual([expect.stringMatching(/^TestStack-Generated-[0-9A-F]{8}-[0-9a-f]{8}$/), expect.stringMatching(/^TestStack-Managed-[0-9A-F]{8}-[0-9a-f]{8}$/)]);
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(100);
      expect(name).toMatch(/^[0-9A-Za-z]+[0-9A-Za-z_\-]*$/);
    }
    expect(protonStatements(Template.fromStack(stack))[0].Resource).toEqual(names.map(arnOf));
    expect(a.node.id).toBe('Generated');
    expect(b.node.id).toBe('Managed');
  });

  test('generated names change with an immutable prop and stay with a mutable one', () => {
    const nameOf = (props: object) => {
      const stack = newStack();
      new EnvironmentTemplate(stack, 'T', props);
      return (Object.values(Template.fromStack(stack).findResources(TYPE))[0] as any).Properties.Name;
    };
    const base = nameOf({});
    expect(nameOf({ displayName: 'x', description: 'y' })).toBe(base);
    expect(nameOf({ provisioning: EnvironmentTemplateProvisioning.CUSTOMER_MANAGED })).not.toBe(base);
    expect(nameOf({ provisioning: EnvironmentTemplateProvisioning.STANDARD })).toBe(base);
    expect(nameOf({})).toBe(base);
  });

  test('a generated name hashes a key token stably and changes with the key', () => {
    const nameWithKey = (keyId: string) => {
      const stack = newStack();
      new EnvironmentTemplate(stack, 'T', { encryptionKey: new kms.Key(stack, keyId) });
      return (Object.values(Template.fromStack(stack).findResources(TYPE))[0] as any).Properties.Name;
    };
    expect(nameWithKey('Key1')).toBe(nameWithKey('Key1'));
    expect(nameWithKey('Key1')).not.toBe(nameWithKey('Key2'));
  });

  test('an encryption key is passed by ARN and the handler may describe it and grant through Proton only', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    new EnvironmentTemplate(stack, 'T', { environmentTemplateName: 'enc', encryptionKey: key });
    const template = Template.fromStack(stack);
    template.hasResourceProperties(TYPE, { EncryptionKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: 'kms:DescribeKey', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
          {
            Effect: 'Allow',
            Action: 'kms:CreateGrant',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
            Condition: { StringLike: { 'kms:ViaService': 'proton.us-east-1.amazonaws.com' } },
          },
        ]),
      },
    });
  });

  test('tags set on the TagManager or with Tags.of() are rendered as a map', () => {
    const stack = newStack();
    const tmpl = new EnvironmentTemplate(stack, 'T', { environmentTemplateName: 'tagged' });
    Tags.of(stack).add('team', 'platform');
    tmpl.tags.setTag('cost-center', '42');
    Template.fromStack(stack).hasResourceProperties(TYPE, { Tags: { 'team': 'platform', 'cost-center': '42' } });
  });

  test('removalPolicy RETAIN retains the template', () => {
    const stack = newStack();
    new EnvironmentTemplate(stack, 'T', { environmentTemplateName: 'kept', removalPolicy: RemovalPolicy.RETAIN });
    Template.fromStack(stack).hasResource(TYPE, { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('grant and grantRead use the template ARN (and its versions for their tags)', () => {
    const stack = newStack();
    const tmpl = EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'Imported', 'shared');
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    tmpl.grantRead(role);
    tmpl.grant(role, 'proton:UpdateEnvironmentTemplate');
    const arn = arnOf('shared');
    const versions = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':proton:us-east-1:123456789012:environment-template/shared:*']] };
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['proton:GetEnvironmentTemplate', 'proton:GetEnvironmentTemplateVersion', 'proton:ListEnvironmentTemplateVersions', 'proton:ListTagsForResource'],
            Resource: arn,
          },
          { Effect: 'Allow', Action: 'proton:ListTagsForResource', Resource: versions },
          { Effect: 'Allow', Action: 'proton:UpdateEnvironmentTemplate', Resource: arn },
        ],
      },
    });
  });

  test('imports by name, ARN and attributes; importing creates no provider', () => {
    const stack = newStack();
    const byName = EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'ByName', 'shared');
    expect(byName.environmentTemplateName).toBe('shared');
    expect(stack.resolve(byName.environmentTemplateArn)).toEqual(arnOf('shared'));

    const byArn = EnvironmentTemplate.fromEnvironmentTemplateArn(stack, 'ByArn', 'arn:aws:proton:eu-west-1:210987654321:environment-template/other');
    expect(byArn.environmentTemplateName).toBe('other');
    expect(byArn.env).toEqual({ account: '210987654321', region: 'eu-west-1' });

    const byAttrs = EnvironmentTemplate.fromEnvironmentTemplateAttributes(stack, 'ByAttrs', { environmentTemplateName: 'x' });
    expect(stack.resolve(byAttrs.environmentTemplateArn)).toEqual(arnOf('x'));
    expect(stack.node.tryFindChild('cdk-proton.ProtonProvider')).toBeUndefined();
  });

  describe('validation', () => {
    test('throws when environmentTemplateName is not a Proton name', () => {
      expect(() => new EnvironmentTemplate(newStack(), 'T', { environmentTemplateName: '-web env' })).toThrow(
        "environmentTemplateName '-web env' is not a valid Proton name: it must be 1 to 100 characters, start with a letter or digit "
        + 'and contain only letters, digits, "_" and "-" (pattern ^[0-9A-Za-z]+[0-9A-Za-z_\\-]*$). Rename it, e.g. \'web-env\'.',
      );
    });

    test('throws when environmentTemplateName is longer than 100 characters', () => {
      expect(() => new EnvironmentTemplate(newStack(), 'T', { environmentTemplateName: 'a'.repeat(101) })).toThrow(/environmentTemplateName 'a{101}' is not a valid Proton name: it must be 1 to 100 characters/);
    });

    test('throws when environmentTemplateName is empty', () => {
      expect(() => new EnvironmentTemplate(newStack(), 'T', { environmentTemplateName: '' })).toThrow(/environmentTemplateName '' is not a valid Proton name/);
    });

    test('accepts a token name (checked by Proton at deploy time)', () => {
      const stack = newStack();
      const name = new CfnParameter(stack, 'Name').valueAsString;
      expect(() => new EnvironmentTemplate(stack, 'T', { environmentTemplateName: name })).not.toThrow();
    });

    test('throws when displayName is empty or longer than 100 characters', () => {
      expect(() => new EnvironmentTemplate(newStack(), 'T', { displayName: '' })).toThrow('displayName must be 1 to 100 characters long, got 0 characters. Give at least 1 character(s) or omit displayName.');
      expect(() => new EnvironmentTemplate(newStack(), 'T', { displayName: 'd'.repeat(101) })).toThrow('displayName must be 1 to 100 characters long, got 101 characters. Shorten it to 100 characters.');
    });

    test('throws when description is longer than 500 characters', () => {
      expect(() => new EnvironmentTemplate(newStack(), 'T', { description: 'd'.repeat(501) })).toThrow('description must be 0 to 500 characters long, got 501 characters. Shorten it to 500 characters.');
    });

    test('throws when a tag key uses a reserved prefix', () => {
      const stack = newStack();
      const tmpl = new EnvironmentTemplate(stack, 'T', { environmentTemplateName: 'x' });
      tmpl.tags.setTag('cdk-proton:stack-id', 'forged');
      expect(() => Template.fromStack(stack)).toThrow(/Tag key\(s\) cdk-proton:stack-id of environment template 'TestStack\/T' use a reserved prefix \(aws:, cdk-proton:\)/);
    });

    test('throws when an imported ARN is not an environment template ARN', () => {
      expect(() => EnvironmentTemplate.fromEnvironmentTemplateArn(newStack(), 'I', 'arn:aws:proton:us-east-1:123456789012:service-template/x'))
        .toThrow("environmentTemplateArn 'arn:aws:proton:us-east-1:123456789012:service-template/x' is not an environment template ARN: expected arn:<partition>:proton:<region>:<account>:environment-template/<name>.");
    });

    test('throws when an import gives neither name nor ARN', () => {
      expect(() => EnvironmentTemplate.fromEnvironmentTemplateAttributes(newStack(), 'I', {}))
        .toThrow('fromEnvironmentTemplateAttributes needs environmentTemplateName or environmentTemplateArn: give at least one.');
    });
  });
});
