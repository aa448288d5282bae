import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { parse } from 'yaml';
import {
  Environment, EnvironmentAccountConnection, EnvironmentProvisioning, EnvironmentSpec, EnvironmentTemplate, Repository, RepositoryProvider,
  TemplateBundle,
} from '../../src';
import { DEPLOYMENT_BUDGET_SECONDS } from '../../src/custom-resources/contract';
import { ProtonProvider } from '../../src/custom-resources/proton-provider';

const ENV = { account: '123456789012', region: 'us-east-1' };
const TYPE = 'Custom::ProtonEnvironment';

/** A bundle whose schema exercises every validated keyword. */
const BUNDLE_DIR = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'env-construct-bundle-'));
  const files: Record<string, string> = {
    'schema/schema.yaml': `schema:
  format:
    openapi: "3.0.0"
  environment_input_type: "NetInput"
  types:
    NetInput:
      type: object
      properties:
        vpc_cidr:
          type: string
          pattern: "^\\\\d+\\\\.\\\\d+\\\\.\\\\d+\\\\.\\\\d+/\\\\d+$"
        tier:
          type: string
          enum: [dev, prod]
          default: dev
        name_prefix:
          type: string
          minLength: 3
          maxLength: 8
        az_count:
          type: integer
          minimum: 1
          maximum: 3
        zones:
          type: array
          items:
            type: string
            minLength: 1
          maxItems: 3
      required: [vpc_cidr, tier]
`,
    'infrastructure/manifest.yaml': `infrastructure:
  templates:
    - file: "cloudformation.yaml"
      rendering_engine: jinja
      template_language: cloudformation
`,
    'infrastructure/cloudformation.yaml': `Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: '{{ environment.inputs.vpc_cidr }}'
Outputs:
  VpcId:
    Value: !Ref Vpc
  AzCount:
    Value: '{{ environment.inputs.az_count | default(2) }}'
`,
  };
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
})();

function setup() {
  const stack = new Stack(new App(), 'TestStack', { env: ENV });
  const template = new EnvironmentTemplate(stack, 'Template', { environmentTemplateName: 'net' });
  const version = template.addVersion('V1', { bundle: TemplateBundle.fromDirectory(BUNDLE_DIR) });
  const role = iam.Role.fromRoleArn(stack, 'ServiceRole', 'arn:aws:iam::123456789012:role/proton-service');
  return { stack, template, version, role };
}


describe('Environment', () => {
  test('declares the environment with its template version, rendered spec and provisioning', () => {
    const { stack, version, role } = setup();
    new Environment(stack, 'Dev', {
      environmentName: 'dev',
      templateVersion: version,
      spec: EnvironmentSpec.fromInputs({ vpc_cidr: '10.0.0.0/16', az_count: 2 }),
      provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: role }),
      description: 'development',
    });
    const t = Template.fromStack(stack);
    t.hasResource(TYPE, {
      Properties: {
        Name: 'dev',
        TemplateName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Template'), 'Name'] },
        TemplateMajorVersion: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TemplateV1'), 'MajorVersion'] },
        TemplateMinorVersion: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TemplateV1'), 'MinorVersion'] },
        Spec: 'proton: EnvironmentSpec\nspec:\n  vpc_cidr: 10.0.0.0/16\n  az_count: 2\n',
        ProtonServiceRoleArn: 'arn:aws:iam::123456789012:role/proton-service',
        Description: 'development',
        Outputs: Match.absent(),
        EnvironmentAccountConnectionId: Match.absent(),
        CodebuildRoleArn: Match.absent(),
        ProvisioningRepository: Match.absent(),
      },
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^TemplateV1')]),
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
    t.hasResourceProperties(TYPE, { ServiceTimeout: String(ProtonProvider.SERVICE_TIMEOUT.toSeconds()) });
  });

  test('the handler may manage only this environment and pass only the given roles', () => {
    const { stack, version, role } = setup();
    const componentRole = iam.Role.fromRoleArn(stack, 'ComponentRole', 'arn:aws:iam::123456789012:role/components');
    new Environment(stack, 'Dev', {
      environmentName: 'dev',
      templateVersion: version,
      spec: EnvironmentSpec.fromInputs({ vpc_cidr: '10.0.0.0/16' }),
      provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: role }),
      componentRole,
    });
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual({
      Action: [
        'proton:CancelEnvironmentDeployment', 'proton:CreateEnvironment', 'proton:DeleteEnvironment', 'proton:GetEnvironment',
        'proton:ListEnvironmentOutputs', 'proton:ListTagsForResource', 'proton:TagResource', 'proton:UntagResource', 'proton:UpdateEnvironment',
      ],
      Effect: 'Allow',
      Resource: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':proton:us-east-1:123456789012:environment/dev']] }],
    });
    // Only to Proton (AWS's operations table: iam:PassedToService = proton.amazonaws.com).
    expect(statements).toContainEqual({
      Action: 'iam:PassRole',
      Condition: { StringEquals: { 'iam:PassedToService': 'proton.amazonaws.com' } },
      Effect: 'Allow',
      Resource: ['arn:aws:iam::123456789012:role/proton-service', 'arn:aws:iam::123456789012:role/components'],
    });
    // No administrator-level role is created for the environment.
    const roles = Object.keys(Template.fromStack(stack).findResources('AWS::IAM::Role'));
    expect(roles.filter((id) => !id.startsWith('cdkprotonProtonProvider'))).toEqual([]);
  });

  test('each provisioning mode renders only its own members', () => {
    const { stack, version } = setup();
    const buildRole = iam.Role.fromRoleArn(stack, 'BuildRole', 'arn:aws:iam::123456789012:role/build');
    const repository = Repository.fromRepositoryAttributes(stack, 'Repo', { repositoryName: 'acme/infra', provider: RepositoryProvider.GITHUB });
    const connection = EnvironmentAccountConnection.fromEnvironmentAccountConnectionAttributes(stack, 'Conn', { environmentAccountConnectionId: '0f3e7c2a-1b2c-4d5e-8f90-0123456789ab', environmentAccountId: '222222222222' });
    const spec = EnvironmentSpec.fromInputs({ vpc_cidr: '10.0.0.0/16' });
    const cases: Array<[string, EnvironmentProvisioning, object]> = [
      ['codebuild', EnvironmentProvisioning.codeBuild({ role: buildRole }), { CodebuildRoleArn: 'arn:aws:iam::123456789012:role/build' }],
      ['cross', EnvironmentProvisioning.crossAccount({ connection }), { EnvironmentAccountConnectionId: '0f3e7c2a-1b2c-4d5e-8f90-0123456789ab' }],
      ['self', EnvironmentProvisioning.selfManaged({ repository, branch: 'main' }), { ProvisioningRepository: { Provider: 'GITHUB', Name: 'acme/infra', Branch: 'main' } }],
      ['customer', EnvironmentProvisioning.customerManaged(), {}],
    ];
    for (const [name, provisioning] of cases) {
      new Environment(stack, name, { environmentName: name, templateVersion: version, spec, provisioning });
    }
    const resources = Template.fromStack(stack).findResources(TYPE);
    for (const [name, , members] of cases) {
      const props = Object.values(resources).find((r: any) => r.Properties.Name === name)!.Properties;
      const provisioningKeys = ['ProtonServiceRoleArn', 'EnvironmentAccountConnectionId', 'CodebuildRoleArn', 'ProvisioningRepository'];
      expect(Object.fromEntries(provisioningKeys.filter((k) => k in props).map((k) => [k, props[k]]))).toEqual(members);
    }
  });

  test('getOutput returns a token and asks the handler for that output only', () => {
    const { stack, version, role } = setup();
    const env = new Environment(stack, 'Dev', {
      environmentName: 'dev',
      templateVersion: version,
      spec: EnvironmentSpec.fromInputs({ vpc_cidr: '10.0.0.0/16' }),
      provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: role }),
    });
    const vpcId = env.getOutput('VpcId');
    const count = env.getOutputAsNumber('AzCount');
    expect(Token.isUnresolved(vpcId)).toBe(true);
    expect(stack.resolve(vpcId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Dev[0-9A-F]{8}$/), 'Output.VpcId'] });
    expect(Token.isUnresolved(count)).toBe(true);
    Template.fromStack(stack).hasResourceProperties(TYPE, { Outputs: ['AzCount', 'VpcId'] });
  });

  test('synth fails when getOutput reads an output the rendered template does not produce', () => {
    const { stack, version, role } = setup();
    const env = new Environment(stack, 'Dev', {
      environmentName: 'dev',
      templateVersion: version,
      spec: EnvironmentSpec.fromInputs({ vpc_cidr: '10.0.0.0/16' }),
      provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: role }),
    });
    env.getOutput('SubnetIds');
    expect(() => Template.fromStack(stack)).toThrow("[TestStack/Dev] Environment 'TestStack/Dev': getOutput('SubnetIds'): the template's infrastructure/ "
      + "rendered with this spec has no output 'SubnetIds' (outputs: VpcId, AzCount). Read one of these, or add it to the template's Outputs.");
  });

  test('throws when getOutput is used on a self-managed environment', () => {
    const { stack, version } = setup();
    const repository = Repository.fromRepositoryAttributes(stack, 'Repo', { repositoryName: 'acme/infra', provider: RepositoryProvider.GITHUB });
    const env = new Environment(stack, 'Self', {
      templateVersion: version,
      spec: EnvironmentSpec.fromInputs({ vpc_cidr: '10.0.0.0/16' }),
      provisioning: EnvironmentProvisioning.selfManaged({ repository, branch: 'main' }),
    });
    expect(() => env.getOutput('VpcId')).toThrow("Environment 'TestStack/Self' is self-managed (EnvironmentProvisioning.selfManaged): CloudFormation does not wait "
      + "for the pull request Proton opens, so output 'VpcId' is never available to the app. Read it from your provisioning pipeline instead.");
  });

  test('throws when an output name is not a literal name', () => {
    const { stack, version, role } = setup();
    const env = new Environment(stack, 'Dev', {
      templateVersion: version, spec: EnvironmentSpec.fromInputs({ vpc_cidr: '10.0.0.0/16' }), provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: role }),
    });
    expect(() => env.getOutput('Vpc Id')).toThrow(/^getOutput: 'Vpc Id' is not an output name/);
  });

  test('a generated name is stable and changes with the template, so a replacement gets a new name', () => {
    const names = ['net', 'net', 'other'].map((templateName) => {
      const stack = new Stack(new App(), 'TestStack', { env: ENV });
      const template = EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'T', templateName);
      new Environment(stack, 'Dev', { template, templateMajorVersion: '1', provisioning: EnvironmentProvisioning.customerManaged() });
      return Object.values(Template.fromStack(stack).findResources(TYPE))[0].Properties.Name as string;
    });
    expect(names[0]).toMatch(/^TestStack-Dev-[0-9A-F]{8}-[0-9a-f]{8}$/);
    expect(names[1]).toBe(names[0]);
    expect(names[2]).not.toBe(names[0]);
  });

  test('template with major and minor versions, tags and removal policy', () => {
    const stack = new Stack(new App(), 'TestStack', { env: ENV });
    const template = EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'T', 'net');
    const env = new Environment(stack, 'Dev', {
      environmentName: 'dev',
      template,
      templateMajorVersion: '2',
      templateMinorVersion: '1',
      provisioning: EnvironmentProvisioning.customerManaged(),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Tags.of(env).add('team', 'platform');
    Template.fromStack(stack).hasResource(TYPE, {
      Properties: { TemplateName: 'net', TemplateMajorVersion: '2', TemplateMinorVersion: '1', Tags: { team: 'platform' }, Spec: 'proton: EnvironmentSpec\nspec: {}\n' },
      DeletionPolicy: 'Retain',
    });
    expect(stack.resolve(env.environmentArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Dev[0-9A-F]{8}$/), 'Arn'] });
  });

  test('a spec with tokens renders as JSON that CloudFormation completes', () => {
    const { stack, version, role } = setup();
    const prefix = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() }).roleName;
    new Environment(stack, 'Dev', {
      environmentName: 'dev',
      templateVersion: version,
      provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: role }),
      // A token is not checked against the pattern or the lengths: it is not guessed.
      spec: EnvironmentSpec.fromInputs({ vpc_cidr: prefix, name_prefix: prefix }),
    });
    const spec = Object.values(Template.fromStack(stack).findResources(TYPE))[0].Properties.Spec;
    expect(spec).toEqual({ 'Fn::Join': ['', ['{"proton":"EnvironmentSpec","spec":{"vpc_cidr":"', { Ref: expect.stringMatching(/^R/) }, '","name_prefix":"', { Ref: expect.stringMatching(/^R/) }, '"}}']] });
  });

  test('fromYaml takes a whole spec document', () => {
    const spec = EnvironmentSpec.fromYaml('proton: EnvironmentSpec\nspec:\n  vpc_cidr: 10.1.0.0/16\n');
    expect(spec.inputs).toEqual({ vpc_cidr: '10.1.0.0/16' });
    expect(() => EnvironmentSpec.fromYaml('proton: ServiceSpec\ninstances: []\n')).toThrow(
      "EnvironmentSpec.fromYaml: the document is not an environment spec: proton must be 'EnvironmentSpec' (found string \"ServiceSpec\"); "
      + "instances is not allowed in a EnvironmentSpec (allowed keys: proton, spec). Give a YAML document with 'proton: EnvironmentSpec' and the inputs under 'spec:'.");
  });

  describe('throws when the spec does not match the schema, naming every path', () => {
    const corpus: Array<[string, Record<string, unknown>, string]> = [
      ['a required input is missing', {}, 'spec.vpc_cidr is required by NetInput and has no default'],
      ['a value has the wrong type', { vpc_cidr: 10 }, 'spec.vpc_cidr must be of type string'],
      ['a pattern does not match', { vpc_cidr: '10.0.0.0' }, 'spec.vpc_cidr must match the pattern ^\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+$'],
      ['an enum value is not allowed', { vpc_cidr: '10.0.0.0/16', tier: 'qa' }, 'spec.tier must be one of "dev", "prod"'],
      ['a string is too short', { vpc_cidr: '10.0.0.0/16', name_prefix: 'ab' }, 'spec.name_prefix must be at least 3 characters long'],
      ['a string is too long', { vpc_cidr: '10.0.0.0/16', name_prefix: 'abcdefghi' }, 'spec.name_prefix must be at most 8 characters long'],
      ['an integer is not whole', { vpc_cidr: '10.0.0.0/16', az_count: 1.5 }, 'spec.az_count must be of type integer'],
      ['a number is out of bounds', { vpc_cidr: '10.0.0.0/16', az_count: 4 }, 'spec.az_count must be <= 3'],
      ['a list item is invalid', { vpc_cidr: '10.0.0.0/16', zones: ['a', ''] }, 'spec.zones[1] must be at least 1 characters long'],
      ['a list is too long', { vpc_cidr: '10.0.0.0/16', zones: ['a', 'b', 'c', 'd'] }, 'spec.zones must have at most 3 items'],
      ['an input is unknown', { vpc_cidr: '10.0.0.0/16', vpc: 'x' }, 'spec.vpc is not an input of NetInput (inputs: vpc_cidr, tier, name_prefix, az_count, zones)'],
      ['several inputs are wrong', { vpc_cidr: 1, az_count: 0 }, 'spec.vpc_cidr must be of type string; spec.az_count must be >= 1'],
    ];
    test.each(corpus)('%s', (_label, inputs, message) => {
      const { stack, version, role } = setup();
      expect(() => new Environment(stack, 'Dev', {
        templateVersion: version,
        spec: EnvironmentSpec.fromInputs(inputs),
        provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: role }),
      })).toThrow(`Environment 'TestStack/Dev': the spec does not match the template version's schema (NetInput): ${message}. Fix these inputs.`);
    });

    test('a default satisfies a required input', () => {
      const { stack, version, role } = setup();
      expect(() => new Environment(stack, 'Dev', {
        templateVersion: version, spec: EnvironmentSpec.fromInputs({ vpc_cidr: '10.0.0.0/16' }), provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: role }),
      })).not.toThrow();
    });
  });

  test('throws when the template version is given twice or not at all', () => {
    const { stack, version, template, role } = setup();
    const provisioning = EnvironmentProvisioning.awsManaged({ protonServiceRole: role });
    expect(() => new Environment(stack, 'A', { templateVersion: version, template, provisioning }))
      .toThrow('Give either templateVersion or template with templateMajorVersion, not both: remove template.');
    expect(() => new Environment(stack, 'B', { template, provisioning }))
      .toThrow(/^An environment needs the template version it runs: give templateVersion/);
    expect(() => new Environment(stack, 'C', { template, templateMajorVersion: '01', provisioning }))
      .toThrow("templateMajorVersion '01' is not a Proton version number: use digits without leading zeros, such as '1' or '0' (pattern ^(0|[1-9]\\d*)$, at most 20 digits).");
  });

  test('throws when names and lengths are invalid', () => {
    const { stack, version, role } = setup();
    const provisioning = EnvironmentProvisioning.awsManaged({ protonServiceRole: role });
    expect(() => new Environment(stack, 'A', { environmentName: 'bad name', templateVersion: version, provisioning, spec: EnvironmentSpec.fromInputs({ vpc_cidr: '1.0.0.0/8' }) }))
      .toThrow(/^environmentName 'bad name' is not a valid Proton name/);
    expect(() => new Environment(stack, 'B', { description: 'x'.repeat(501), templateVersion: version, provisioning, spec: EnvironmentSpec.fromInputs({ vpc_cidr: '1.0.0.0/8' }) }))
      .toThrow('description must be 0 to 500 characters long, got 501 characters. Shorten it to 500 characters.');
  });

  test('reserved tag keys fail synthesis', () => {
    const stack = new Stack(new App(), 'TestStack', { env: ENV });
    const env = new Environment(stack, 'Dev', {
      template: EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'T', 'net'), templateMajorVersion: '1', provisioning: EnvironmentProvisioning.customerManaged(),
    });
    Tags.of(env).add('cdk-proton:owner', 'me');
    expect(() => Template.fromStack(stack)).toThrow(/Tag key\(s\) cdk-proton:owner of environment 'TestStack\/Dev' use a reserved prefix/);
  });

  test('imports by name and by ARN', () => {
    const stack = new Stack(new App(), 'TestStack', { env: ENV });
    const byName = Environment.fromEnvironmentName(stack, 'A', 'prod');
    expect(stack.resolve(byName.environmentArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':proton:us-east-1:123456789012:environment/prod']] });
    const byArn = Environment.fromEnvironmentArn(stack, 'B', 'arn:aws:proton:us-east-1:123456789012:environment/prod');
    expect(byArn.environmentName).toBe('prod');
    expect(() => Environment.fromEnvironmentArn(stack, 'C', 'arn:aws:proton:us-east-1:123456789012:service/prod'))
      .toThrow("environmentArn 'arn:aws:proton:us-east-1:123456789012:service/prod' is not an environment ARN: expected arn:<partition>:proton:<region>:<account>:environment/<name>.");
    expect(() => Environment.fromEnvironmentArn(stack, 'D', 'arn:aws:proton:us-east-1:123456789012:environment/prod/x'))
      .toThrow("environmentArn 'arn:aws:proton:us-east-1:123456789012:environment/prod/x' is not an environment ARN: expected arn:<partition>:proton:<region>:<account>:environment/<name>.");
  });

  test('the deployment budget ends before the provider gives up', () => {
    expect(DEPLOYMENT_BUDGET_SECONDS).toBeLessThan(ProtonProvider.TOTAL_TIMEOUT.toSeconds());
    // Room for the cancel and the last poll before the provider's total timeout.
    const margin = ProtonProvider.TOTAL_TIMEOUT.toSeconds() - DEPLOYMENT_BUDGET_SECONDS;
    expect(margin).toBeGreaterThanOrEqual(3 * ProtonProvider.QUERY_INTERVAL.toSeconds());
  });

  test('the rendered spec round-trips through YAML', () => {
    const { stack, version, role } = setup();
    new Environment(stack, 'Dev', {
      environmentName: 'dev',
      templateVersion: version,
      provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: role }),
      spec: EnvironmentSpec.fromInputs({ vpc_cidr: '10.0.0.0/16', zones: ['a: b', '#c'] }),
    });
    const spec = Object.values(Template.fromStack(stack).findResources(TYPE))[0].Properties.Spec;
    expect(parse(spec)).toEqual({ proton: 'EnvironmentSpec', spec: { vpc_cidr: '10.0.0.0/16', zones: ['a: b', '#c'] } });
  });
});
