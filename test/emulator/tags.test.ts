import {
  CreateComponentCommand,
  CreateEnvironmentCommand,
  CreateRepositoryCommand,
  CreateServiceCommand,
  CreateServiceInstanceCommand,
  DeleteRepositoryCommand,
  GetComponentCommand,
  GetEnvironmentCommand,
  GetServiceCommand,
  GetServiceInstanceCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type Tag,
} from '@aws-sdk/client-proton';
import { emulatorPerTest } from './helpers';
import { createEnvironment, createEnvironmentTemplate, createService, createServiceTemplate } from './rest-fixtures';

const ACCOUNT = '111111111111';
const CONNECTION = `arn:aws:codestar-connections:us-east-1:${ACCOUNT}:connection/0b7c4d6e-1111-2222-3333-444455556666`;
const REPO_ARN = `arn:aws:proton:us-east-1:${ACCOUNT}:repository/github:acme/templates`;
const ACCOUNT_TAG = { key: 'aws:proton:account', value: `arn:aws:iam::${ACCOUNT}:root` };

const fx = emulatorPerTest({}, { accountId: ACCOUNT });

const createRepository = (tags?: Tag[]) =>
  fx.proton.send(new CreateRepositoryCommand({ provider: 'GITHUB', name: 'acme/templates', connectionArn: CONNECTION, tags }));
const listTags = async (resourceArn = REPO_ARN) => (await fx.proton.send(new ListTagsForResourceCommand({ resourceArn }))).tags;
const numbered = (count: number, prefix = 'k') => Array.from({ length: count }, (_, i) => ({ key: `${prefix}${i}`, value: `v${i}` }));

test('a created resource carries its customer tags and the AWS-managed tags', async () => {
  await createRepository([{ key: 'team', value: 'platform' }]);
  expect(await listTags()).toEqual([ACCOUNT_TAG, { key: 'team', value: 'platform' }]);
});

test('TagResource adds and overwrites; UntagResource removes and ignores unknown keys', async () => {
  await createRepository([{ key: 'team', value: 'platform' }]);
  await fx.proton.send(new TagResourceCommand({ resourceArn: REPO_ARN, tags: [{ key: 'team', value: 'infra' }, { key: 'cost', value: '42' }] }));
  expect(await listTags()).toEqual([ACCOUNT_TAG, { key: 'team', value: 'infra' }, { key: 'cost', value: '42' }]);
  await fx.proton.send(new UntagResourceCommand({ resourceArn: REPO_ARN, tagKeys: ['team', 'missing'] }));
  expect(await listTags()).toEqual([ACCOUNT_TAG, { key: 'cost', value: '42' }]);
});

test('keys are case-sensitive', async () => {
  await createRepository([{ key: 'Team', value: 'a' }]);
  await fx.proton.send(new TagResourceCommand({ resourceArn: REPO_ARN, tags: [{ key: 'team', value: 'b' }] }));
  expect(await listTags()).toEqual([ACCOUNT_TAG, { key: 'Team', value: 'a' }, { key: 'team', value: 'b' }]);
});

describe('the aws: prefix is reserved', () => {
  test('on create, and nothing is created', async () => {
    await expect(createRepository([{ key: 'aws:owner', value: 'me' }])).rejects.toMatchObject({
      name: 'ValidationException',
      message: "The tag key 'aws:owner' is not allowed: keys starting with 'aws:' are reserved for AWS. Use a key without that prefix.",
    });
    await expect(listTags()).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test('on create of environments, services, service instances and components, and nothing is created', async () => {
    const tags = [{ key: 'team', value: 'platform' }, { key: 'aws:owner', value: 'me' }];
    const refused = {
      name: 'ValidationException',
      message: "The tag key 'aws:owner' is not allowed: keys starting with 'aws:' are reserved for AWS. Use a key without that prefix.",
    };
    const notFound = { name: 'ResourceNotFoundException' };
    const instanceSpec = (...names: string[]) => ['proton: ServiceSpec', 'instances:', ...names.flatMap((name) => [
      `  - name: ${name}`, '    environment: dev', '    spec:', '      message: hi',
    ])].join('\n');
    await createEnvironmentTemplate(fx.proton, fx.emu, 'env-tmpl');
    await createEnvironment(fx.proton, fx.emu, 'dev', 'env-tmpl', {
      protonServiceRoleArn: `arn:aws:iam::${ACCOUNT}:role/proton`, componentRoleArn: `arn:aws:iam::${ACCOUNT}:role/components`,
    });
    await createServiceTemplate(fx.proton, fx.emu, 'svc-tmpl', 'env-tmpl');

    await expect(fx.proton.send(new CreateEnvironmentCommand({
      name: 'qa',
      templateName: 'env-tmpl',
      templateMajorVersion: '1',
      spec: 'proton: EnvironmentSpec\n',
      protonServiceRoleArn: `arn:aws:iam::${ACCOUNT}:role/proton`,
      tags,
    }))).rejects.toMatchObject(refused);
    await expect(fx.proton.send(new GetEnvironmentCommand({ name: 'qa' }))).rejects.toMatchObject(notFound);

    await expect(fx.proton.send(new CreateServiceCommand({
      name: 'web', templateName: 'svc-tmpl', templateMajorVersion: '1', spec: instanceSpec('one'), tags,
    }))).rejects.toMatchObject(refused);
    await expect(fx.proton.send(new GetServiceCommand({ name: 'web' }))).rejects.toMatchObject(notFound);

    await createService(fx.proton, fx.emu, 'web', 'svc-tmpl', [{ name: 'one', environment: 'dev' }]);
    await expect(fx.proton.send(new CreateServiceInstanceCommand({ serviceName: 'web', name: 'two', spec: instanceSpec('one', 'two'), tags })))
      .rejects.toMatchObject(refused);
    await expect(fx.proton.send(new GetServiceInstanceCommand({ serviceName: 'web', name: 'two' }))).rejects.toMatchObject(notFound);

    await expect(fx.proton.send(new CreateComponentCommand({
      name: 'queue',
      environmentName: 'dev',
      tags,
      manifest: 'infrastructure:\n  templates:\n    - file: "cloudformation.yaml"\n      rendering_engine: jinja\n      template_language: cloudformation\n',
      templateFile: 'Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n',
    }))).rejects.toMatchObject(refused);
    await expect(fx.proton.send(new GetComponentCommand({ name: 'queue' }))).rejects.toMatchObject(notFound);
  });

  test('on TagResource, whatever the case', async () => {
    await createRepository();
    await expect(fx.proton.send(new TagResourceCommand({ resourceArn: REPO_ARN, tags: [{ key: 'AWS:proton:account', value: 'x' }] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: "The tag key 'AWS:proton:account' is not allowed: keys starting with 'aws:' are reserved for AWS. Use a key without that prefix.",
    });
  });

  test('on UntagResource', async () => {
    await createRepository();
    await expect(fx.proton.send(new UntagResourceCommand({ resourceArn: REPO_ARN, tagKeys: ['aws:proton:account'] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: "The tag key 'aws:proton:account' can't be removed: tags starting with 'aws:' are managed by AWS.",
    });
    expect(await listTags()).toEqual([ACCOUNT_TAG]);
  });
});

test('a key given twice is refused', async () => {
  await createRepository();
  await expect(fx.proton.send(new TagResourceCommand({ resourceArn: REPO_ARN, tags: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] }))).rejects.toMatchObject({
    name: 'ValidationException',
    message: "The tag key 'a' appears more than once in tags: each key can have only one value.",
  });
});

test('at most 50 customer tags; AWS-managed tags do not count', async () => {
  await createRepository(numbered(50));
  expect(await listTags()).toHaveLength(51);
  await fx.proton.send(new TagResourceCommand({ resourceArn: REPO_ARN, tags: [{ key: 'k0', value: 'changed' }] }));
  await expect(fx.proton.send(new TagResourceCommand({ resourceArn: REPO_ARN, tags: [{ key: 'one-more', value: 'x' }] }))).rejects.toMatchObject({
    name: 'ValidationException',
    message: `The resource '${REPO_ARN}' would have 51 customer tags; at most 50 are allowed (tags starting with 'aws:' don't count). Remove tags with UntagResource first.`,
  });
});

test('ListTagsForResource pages with maxResults and nextToken', async () => {
  await createRepository(numbered(4));
  const page1 = await fx.proton.send(new ListTagsForResourceCommand({ resourceArn: REPO_ARN, maxResults: 3 }));
  expect(page1.tags).toEqual([ACCOUNT_TAG, ...numbered(2)]);
  expect(page1.nextToken).toMatch(/^[A-Za-z0-9+=/]+$/);
  const page2 = await fx.proton.send(new ListTagsForResourceCommand({ resourceArn: REPO_ARN, maxResults: 3, nextToken: page1.nextToken }));
  expect(page2.tags).toEqual(numbered(4).slice(2));
  expect(page2.nextToken).toBeUndefined();
  await expect(fx.proton.send(new ListTagsForResourceCommand({ resourceArn: REPO_ARN, nextToken: 'bogus' }))).rejects.toMatchObject({
    name: 'ValidationException',
    message: "The nextToken 'bogus' is not valid: pass the nextToken returned by the previous call of this operation.",
  });
});

describe('the resource ARN', () => {
  test('must name an existing resource', async () => {
    const missing = `arn:aws:proton:us-east-1:${ACCOUNT}:environment/nope`;
    await expect(listTags(missing)).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: `The resource '${missing}' was not found.`,
    });
    await expect(fx.proton.send(new TagResourceCommand({ resourceArn: missing, tags: [] }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(fx.proton.send(new UntagResourceCommand({ resourceArn: missing, tagKeys: [] }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test('must be in the region of the request', async () => {
    await createRepository();
    const elsewhere = REPO_ARN.replace('us-east-1', 'eu-west-1');
    await expect(listTags(elsewhere)).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: `The resource '${elsewhere}' was not found.`,
    });
  });

  test("must be the caller's account", async () => {
    const foreign = 'arn:aws:proton:us-east-1:999999999999:repository/github:acme/templates';
    await expect(listTags(foreign)).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: `The resource '${foreign}' belongs to account 999999999999; account ${ACCOUNT} can only tag its own AWS Proton resources.`,
    });
  });

  test('must be a Proton ARN', async () => {
    const bucket = `arn:aws:s3:us-east-1:${ACCOUNT}:bucket/x`;
    await expect(listTags(bucket)).rejects.toMatchObject({
      name: 'ValidationException',
      message: `The resourceArn '${bucket}' is not an AWS Proton ARN (arn:aws:proton:<region>:<account>:<resource>).`,
    });
  });
});

test('deleting a resource removes its tags', async () => {
  await createRepository([{ key: 'team', value: 'platform' }]);
  await fx.proton.send(new DeleteRepositoryCommand({ provider: 'GITHUB', name: 'acme/templates' }));
  await createRepository();
  expect(await listTags()).toEqual([ACCOUNT_TAG]);
});

test('Proton adds the AWS-managed tags of templates, versions, environments, services and instances', async () => {
  const arnOf = (resource: string) => `arn:aws:proton:us-east-1:${ACCOUNT}:${resource}`;
  await createEnvironmentTemplate(fx.proton, fx.emu, 'env-tmpl');
  await createEnvironment(fx.proton, fx.emu, 'dev', 'env-tmpl', { protonServiceRoleArn: `arn:aws:iam::${ACCOUNT}:role/proton` });
  await createServiceTemplate(fx.proton, fx.emu, 'svc-tmpl', 'env-tmpl');
  await createService(fx.proton, fx.emu, 'web', 'svc-tmpl', [{ name: 'one', environment: 'dev' }]);
  const template = (kind: string) => ({ key: 'aws:proton:template', value: arnOf(`${kind}-template/${kind === 'environment' ? 'env' : 'svc'}-tmpl`) });

  expect(await listTags(arnOf('environment-template/env-tmpl'))).toEqual([ACCOUNT_TAG, template('environment')]);
  expect(await listTags(arnOf('environment-template/env-tmpl:1.0'))).toEqual([ACCOUNT_TAG, template('environment')]);
  expect(await listTags(arnOf('environment/dev'))).toEqual([
    ACCOUNT_TAG, { key: 'aws:proton:environment', value: arnOf('environment/dev') }, template('environment'),
  ]);
  expect(await listTags(arnOf('service/web'))).toEqual([
    ACCOUNT_TAG, { key: 'aws:proton:service', value: arnOf('service/web') }, template('service'),
  ]);
  expect(await listTags(arnOf('service/web/service-instance/one'))).toEqual([
    ACCOUNT_TAG,
    { key: 'aws:proton:environment', value: arnOf('environment/dev') },
    { key: 'aws:proton:service', value: arnOf('service/web') },
    { key: 'aws:proton:service-instance', value: arnOf('service/web/service-instance/one') },
    template('service'),
  ]);
  await fx.proton.send(new TagResourceCommand({ resourceArn: arnOf('environment-template/env-tmpl:1'), tags: [{ key: 'major', value: '1' }] }));
  expect(await listTags(arnOf('environment-template/env-tmpl:1'))).toEqual([{ key: 'major', value: '1' }]);
});
