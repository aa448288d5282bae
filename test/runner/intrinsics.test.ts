import { creationOrder } from '../../local/runner/graph';
import { referencedResources, resolve, ResolveContext, TemplateError } from '../../local/runner/intrinsics';
import { activeResources, stackResolver } from '../../local/runner/stack-resolver';
import { CfnTemplate } from '../../local/runner/template';

const pseudo = {
  accountId: '123456789012',
  region: 'eu-west-1',
  partition: 'aws',
  urlSuffix: 'amazonaws.com',
  stackName: 'Demo',
  stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Demo/1',
};

const template: CfnTemplate = {
  Parameters: { Stage: { Type: 'String', Default: 'prod' }, Version: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-bootstrap/version' } },
  Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] }, NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] } },
  Mappings: { Runtime: { 'eu-west-1': { value: 'nodejs22.x' } } },
  Resources: {
    Role: { Type: 'AWS::IAM::Role' },
    Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['Role', 'Arn'] } } },
    Template: { Type: 'Custom::Thing', Properties: { ServiceToken: { 'Fn::GetAtt': ['Fn', 'Arn'] } }, DependsOn: ['Role'] },
    DevOnly: { Type: 'AWS::IAM::Role', Condition: 'NotProd' },
  },
};

function context(resources: Record<string, { physicalId: string; attributes: Record<string, unknown>; type?: string }> = {}): ResolveContext {
  return stackResolver({
    template,
    pseudo,
    resources: () => Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, { type: r.type ?? 'AWS::IAM::Role', properties: {}, dependencies: [], ...r }])),
    importValue: (name) => {
      if (name === 'shared-bucket') return 'bucket-1';
      throw new TemplateError(`no export ${name}`);
    },
  });
}

describe('intrinsics', () => {
  const ctx = context({
    Role: { physicalId: 'Demo-Role-ABC', attributes: { Arn: 'arn:aws:iam::123456789012:role/Demo-Role-ABC' } },
    Template: { physicalId: 'tpl', attributes: { Name: 'tpl-name' }, type: 'Custom::Thing' },
  });

  test('Ref resolves pseudo parameters, parameter defaults and physical ids', () => {
    expect(resolve(
      [{ Ref: 'AWS::AccountId' }, { Ref: 'AWS::Region' }, { Ref: 'AWS::Partition' }, { Ref: 'AWS::URLSuffix' }, { Ref: 'AWS::StackName' }, { Ref: 'AWS::StackId' }, { Ref: 'Stage' }, { Ref: 'Role' }],
      ctx, 'x',
    )).toEqual(['123456789012', 'eu-west-1', 'aws', 'amazonaws.com', 'Demo', pseudo.stackId, 'prod', 'Demo-Role-ABC']);
  });

  test('AWS::NoValue removes the key or list item', () => {
    expect(resolve({ a: 1, b: { Ref: 'AWS::NoValue' }, c: [1, { Ref: 'AWS::NoValue' }, 2] }, ctx, 'x')).toEqual({ a: 1, c: [1, 2] });
  });

  test('Fn::GetAtt in both forms, Fn::Join, Fn::Select, Fn::Split', () => {
    expect(resolve({ 'Fn::GetAtt': ['Role', 'Arn'] }, ctx, 'x')).toBe('arn:aws:iam::123456789012:role/Demo-Role-ABC');
    expect(resolve({ 'Fn::GetAtt': 'Template.Name' }, ctx, 'x')).toBe('tpl-name');
    expect(resolve({ 'Fn::Join': ['-', ['a', { Ref: 'Stage' }, 3]] }, ctx, 'x')).toBe('a-prod-3');
    expect(resolve({ 'Fn::Select': [1, { 'Fn::Split': [':', { 'Fn::GetAtt': ['Role', 'Arn'] }] }] }, ctx, 'x')).toBe('aws');
  });

  test('Fn::Sub: pseudo parameters, refs, attributes, variables and ${!literal}', () => {
    expect(resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:x:${AWS::Region}:${Role}/${Template.Name}/${!Literal}' }, ctx, 'x'))
      .toBe('arn:aws:x:eu-west-1:Demo-Role-ABC/tpl-name/${Literal}');
    expect(resolve({ 'Fn::Sub': ['${A}-${Stage}', { A: { Ref: 'AWS::AccountId' } }] }, ctx, 'x')).toBe('123456789012-prod');
  });

  test('conditions, Fn::If, Fn::FindInMap, Fn::ImportValue', () => {
    expect(resolve({ 'Fn::If': ['IsProd', 'big', 'small'] }, ctx, 'x')).toBe('big');
    expect(resolve({ 'Fn::If': ['NotProd', 'big', { Ref: 'AWS::NoValue' }] }, ctx, 'x')).toBeUndefined();
    expect(resolve({ 'Fn::FindInMap': ['Runtime', { Ref: 'AWS::Region' }, 'value'] }, ctx, 'x')).toBe('nodejs22.x');
    expect(resolve({ 'Fn::ImportValue': 'shared-bucket' }, ctx, 'x')).toBe('bucket-1');
    expect(Object.keys(activeResources(template, ctx))).toEqual(['Role', 'Fn', 'Template']);
  });

  test('unsupported intrinsics fail naming the function, the location and what is supported', () => {
    expect(() => resolve({ a: { b: { 'Fn::Base64': 'x' } } }, ctx, 'Res.Properties')).toThrow(
      /^Res\.Properties\.a\.b\.Fn::Base64: the local runner does not support the intrinsic function Fn::Base64 \(supported: Ref, Fn::GetAtt, /,
    );
    expect(() => resolve({ Ref: 'AWS::NotificationARNs' }, ctx, 'x')).toThrow('Ref AWS::NotificationARNs: unsupported pseudo parameter');
  });

  test('references fail clearly: missing Data key, undeployed resource, SSM parameter, unknown name', () => {
    expect(() => resolve({ 'Fn::GetAtt': ['Template', 'Arn'] }, ctx, 'x')).toThrow(
      "CustomResource attribute error: Vendor response doesn't contain Arn attribute in object tpl (Template).",
    );
    expect(() => resolve({ Ref: 'Fn' }, ctx, 'x')).toThrow('Ref Fn: the resource is not deployed (yet).');
    expect(() => resolve({ Ref: 'Version' }, ctx, 'x')).toThrow(
      'Parameter Version reads the SSM parameter /cdk-bootstrap/version; the local runner has no SSM Parameter Store',
    );
    expect(() => resolve({ Ref: 'Nope' }, ctx, 'x')).toThrow('Ref Nope: no resource, parameter or pseudo parameter has that name.');
  });
});

describe('ordering', () => {
  test('references and DependsOn order creation; template order breaks ties', () => {
    const resources = {
      Custom: { Type: 'Custom::X', Properties: { ServiceToken: { 'Fn::Sub': '${Fn.Arn}' } } },
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': 'Role.Arn' } }, DependsOn: 'Policy' },
      Policy: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'Role' }] } },
      Role: { Type: 'AWS::IAM::Role' },
      Other: { Type: 'AWS::IAM::Role' },
    };
    expect(creationOrder(resources)).toEqual(['Role', 'Policy', 'Fn', 'Custom', 'Other']);
    expect([...referencedResources(resources.Custom.Properties, new Set(Object.keys(resources)))]).toEqual(['Fn']);
  });

  test('a cycle fails naming the resources in it', () => {
    expect(() => creationOrder({
      A: { Type: 'AWS::IAM::Role', Properties: { x: { Ref: 'B' } } },
      B: { Type: 'AWS::IAM::Role', DependsOn: ['A'] },
    })).toThrow('Circular dependency between resources: A -> B -> A.');
  });

  test('DependsOn on a resource that is not in the template fails', () => {
    expect(() => creationOrder({ A: { Type: 'AWS::IAM::Role', DependsOn: 'Ghost' } })).toThrow(
      'A.DependsOn: Ghost is not a resource of this template (or its Condition is false).',
    );
  });
});
