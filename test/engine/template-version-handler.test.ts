import {
  CreateEnvironmentTemplateCommand, CreateEnvironmentTemplateVersionCommand, CreateServiceTemplateCommand, GetEnvironmentTemplateVersionCommand,
  GetServiceTemplateVersionCommand, ListEnvironmentTemplateVersionsCommand, ListTagsForResourceCommand,
  UpdateEnvironmentTemplateVersionCommand,
} from '@aws-sdk/client-proton';
import { createEvent, deleteEvent, updateEvent } from './cfn-events';
import { handlerTest } from './handler-harness';
import type { IsCompleteResponse, OnEventRequest } from '../../lambda/engine/types';
import { isComplete, onEvent } from '../../lambda/index';
import { ProtonResourceType } from '../../src/custom-resources/contract';
import { ENV_FILES } from '../emulator/deployment-fixtures';
import { schemaFile, uploadBundle } from '../emulator/helpers';

const CANARY = 'CANARY-5be1d0-secret-version-description';
const BUCKET = 'version-bundles';
const OTHER_STACK_ID = 'arn:aws:cloudformation:us-east-1:111111111111:stack/OtherStack/11111111-0000-11ef-8000-0a1b2c3d4e5f';

const fixture = handlerTest({
  canary: CANARY,
  setUp: async (_proton, emu) => {
    await uploadBundle(emu, BUCKET, 'env.tar.gz', ENV_FILES);
    await uploadBundle(emu, BUCKET, 'env-2.tar.gz', { ...ENV_FILES, 'infrastructure/cloudformation.yaml': `${ENV_FILES['infrastructure/cloudformation.yaml']}\n# v2\n` });
    await uploadBundle(emu, BUCKET, 'svc.tar.gz', {
      'schema/schema.yaml': schemaFile({ service_input_type: 'SvcInput' }, { SvcInput: '      properties:\n        image:\n          type: string\n' }),
      'instance_infrastructure/manifest.yaml': ENV_FILES['infrastructure/manifest.yaml'],
      'instance_infrastructure/cloudformation.yaml': 'Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n',
    });
    await uploadBundle(emu, BUCKET, 'broken.tar.gz', { 'schema/schema.yaml': 'schema: [' });
  },
});

const envVersion = (logicalId: string, stackId?: string) => ({ resourceType: ProtonResourceType.ENVIRONMENT_TEMPLATE_VERSION, logicalId, stackId });

/** onEvent, then isComplete until complete, advancing the emulator's clock between polls like the framework's interval. */
async function run(event: OnEventRequest): Promise<{ physicalId: string; polls: IsCompleteResponse[] }> {
  const first = await onEvent(event);
  const physicalId = first.PhysicalResourceId ?? (event as { PhysicalResourceId: string }).PhysicalResourceId;
  const polls: IsCompleteResponse[] = [];
  for (let i = 0; i < 10; i++) {
    const result = await isComplete({ ...event, ...first, PhysicalResourceId: physicalId } as OnEventRequest);
    polls.push(result);
    if (result.IsComplete) {
      expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(4096);
      return { physicalId, polls };
    }
    fixture.emu.control.advance(10_000);
  }
  throw new Error('not complete after 10 polls');
}

async function newEnvTemplate(name: string): Promise<void> {
  await fixture.proton.send(new CreateEnvironmentTemplateCommand({ name }));
}

async function getEnvVersion(templateName: string, majorVersion: string, minorVersion: string) {
  const out = await fixture.proton.send(new GetEnvironmentTemplateVersionCommand({ templateName, majorVersion, minorVersion }));
  return out.environmentTemplateVersion!;
}

async function envVersions(templateName: string): Promise<string[]> {
  const majors = (await fixture.proton.send(new ListEnvironmentTemplateVersionsCommand({ templateName }))).templateVersions ?? [];
  const all: string[] = [];
  for (const m of majors) {
    const minors = await fixture.proton.send(new ListEnvironmentTemplateVersionsCommand({ templateName, majorVersion: m.majorVersion }));
    all.push(...(minors.templateVersions ?? []).map((v) => `${v.majorVersion}.${v.minorVersion}`));
  }
  return all.sort();
}

const props = (templateName: string, extra: object = {}) => ({ TemplateName: templateName, SourceBucket: BUCKET, SourceKey: 'env.tar.gz', ...extra });

test('create waits for the registration, publishes, and reports the version; a replayed create returns the same version', async () => {
  await newEnvTemplate('hv-create');
  const event = createEvent(envVersion('V1'), props('hv-create', { Description: CANARY, Publish: 'true' }));
  const result = await run(event);
  expect(result.physicalId).toBe('hv-create:1.0');
  expect(result.polls[0]).toEqual({ IsComplete: false });
  expect(result.polls[result.polls.length - 1]).toEqual({
    IsComplete: true,
    Data: {
      Arn: 'arn:aws:proton:us-east-1:111111111111:environment-template/hv-create:1.0',
      TemplateName: 'hv-create',
      MajorVersion: '1',
      MinorVersion: '0',
      TemplateRecommendedVersion: '1.0',
    },
  });
  expect(await getEnvVersion('hv-create', '1', '0')).toMatchObject({ status: 'PUBLISHED', description: CANARY });
  const tags = await fixture.proton.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:proton:us-east-1:111111111111:environment-template/hv-create:1.0' }));
  expect(tags.tags).toEqual(expect.arrayContaining([{ key: 'cdk-proton:logical-id', value: 'V1' }]));

  // CloudFormation retries the same request: the deterministic client token returns the same version.
  expect((await onEvent(event)).PhysicalResourceId).toBe('hv-create:1.0');
  expect(await envVersions('hv-create')).toEqual(['1.0']);

  // A new request with a major version: the next minor of that major.
  expect((await run(createEvent(envVersion('V2'), props('hv-create', { MajorVersion: '1' })))).physicalId).toBe('hv-create:1.1');
  expect((await run(createEvent(envVersion('V3'), props('hv-create')))).physicalId).toBe('hv-create:2.0');
});

test('Publish false leaves a DRAFT; turning it on publishes in place; the description is updated in place', async () => {
  await newEnvTemplate('hv-draft');
  const draftProps = props('hv-draft', { Publish: 'false' });
  const created = await run(createEvent(envVersion('V1'), draftProps));
  expect(created.polls[created.polls.length - 1].Data).toMatchObject({ MinorVersion: '0', TemplateRecommendedVersion: '' });
  expect((await getEnvVersion('hv-draft', '1', '0')).status).toBe('DRAFT');

  const publishedProps = props('hv-draft', { Publish: 'true', Description: 'now published' });
  const updated = await run(updateEvent(envVersion('V1'), 'hv-draft:1.0', draftProps, publishedProps));
  expect(updated.physicalId).toBe('hv-draft:1.0');
  expect(await getEnvVersion('hv-draft', '1', '0')).toMatchObject({ status: 'PUBLISHED', description: 'now published' });
  expect(updated.polls[updated.polls.length - 1].Data).toMatchObject({ TemplateRecommendedVersion: '1.0' });
});

test('a new bundle replaces a version declared as "new major" by a new minor of its major', async () => {
  await newEnvTemplate('hv-replace');
  await run(createEvent(envVersion('V1'), props('hv-replace')));
  const replaced = await run(updateEvent(envVersion('V1'), 'hv-replace:1.0', props('hv-replace'), props('hv-replace', { SourceKey: 'env-2.tar.gz' })));
  expect(replaced.physicalId).toBe('hv-replace:1.1');
  expect(replaced.polls[replaced.polls.length - 1].Data).toMatchObject({ MajorVersion: '1', MinorVersion: '1', TemplateRecommendedVersion: '1.1' });
  // CloudFormation's cleanup deletes the replaced version.
  await run(deleteEvent(envVersion('V1'), 'hv-replace:1.0', props('hv-replace')));
  // Changing the major-version choice follows the new choice: a new major version.
  const newMajor = await run(updateEvent(envVersion('V1'), 'hv-replace:1.1', props('hv-replace', { SourceKey: 'env-2.tar.gz' }), props('hv-replace', { MajorVersion: '1' })));
  expect(newMajor.physicalId).toBe('hv-replace:1.2');
});

test('a failed registration fails the request with Proton\'s status message; the rollback delete removes the version', async () => {
  await newEnvTemplate('hv-broken');
  const event = createEvent(envVersion('V1'), props('hv-broken', { SourceKey: 'broken.tar.gz' }));
  const physicalId = (await onEvent(event)).PhysicalResourceId!;
  fixture.emu.control.advance(10_000);
  await expect(isComplete({ ...event, PhysicalResourceId: physicalId } as OnEventRequest))
    .rejects.toThrow(/^Proton could not register environment template version hv-broken:1\.0: .*schema\/schema\.yaml/);
  await run(deleteEvent(envVersion('V1'), physicalId, props('hv-broken', { SourceKey: 'broken.tar.gz' })));
  expect(await envVersions('hv-broken')).toEqual([]);
});

test('a major version that does not exist fails the create with the fix', async () => {
  await newEnvTemplate('hv-nomajor');
  await expect(onEvent(createEvent(envVersion('V1'), props('hv-nomajor', { MajorVersion: '3' }))))
    .rejects.toThrow(/^Could not create a version of Proton environment template 'hv-nomajor'\. Major version 3 must already exist .*omit majorVersion to create a new major version\. \(Proton: ResourceNotFoundException: /);
});

test('delete: waits for a registration to end; a missing version is success; an id that is not ours is never deleted', async () => {
  await newEnvTemplate('hv-delete');
  const created = await onEvent(createEvent(envVersion('V1'), props('hv-delete')));
  const deletion = deleteEvent(envVersion('V1'), created.PhysicalResourceId!, props('hv-delete'));
  expect(await onEvent(deletion)).toEqual({ PhysicalResourceId: 'hv-delete:1.0' });
  expect(await isComplete(deletion)).toEqual({ IsComplete: false });
  fixture.emu.control.advance(10_000);
  expect(await isComplete(deletion)).toEqual({ IsComplete: true });
  expect(await envVersions('hv-delete')).toEqual([]);
  expect((await run(deletion)).polls).toEqual([{ IsComplete: true }]);

  const before = fixture.emu.control.callCounts().DeleteEnvironmentTemplateVersion ?? 0;
  await run(deleteEvent(envVersion('V1'), 'some-other-template:1.0', props('hv-delete')));
  await run(deleteEvent(envVersion('V1'), 'ProtonStack-V1-0f3e7c2a', props('hv-delete')));
  expect(fixture.emu.control.callCounts().DeleteEnvironmentTemplateVersion ?? 0).toBe(before);
});

test('the recommended version waits for the versions of this stack it is recommended over, and goes once they are deleted', async () => {
  await newEnvTemplate('hv-order');
  const v1 = await run(createEvent(envVersion('V1'), props('hv-order')));
  const v2 = await run(createEvent(envVersion('V2'), props('hv-order', { MajorVersion: '1' })));
  const v3 = await run(createEvent(envVersion('V3'), props('hv-order')));

  // Newest first, as CloudFormation deletes versions chained in declaration order.
  expect((await run(deleteEvent(envVersion('V3'), v3.physicalId, props('hv-order')))).polls).toEqual([{ IsComplete: true }]);
  expect((await run(deleteEvent(envVersion('V2'), v2.physicalId, props('hv-order', { MajorVersion: '1' })))).polls).toEqual([{ IsComplete: true }]);
  expect(await envVersions('hv-order')).toEqual(['1.0', '1.1', '2.0']);
  const pending = await fixture.proton.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:proton:us-east-1:111111111111:environment-template/hv-order:2.0' }));
  expect(pending.tags).toEqual(expect.arrayContaining([{ key: 'cdk-proton:pending-deletion', value: 'true' }]));

  await run(deleteEvent(envVersion('V1'), v1.physicalId, props('hv-order')));
  expect(await envVersions('hv-order')).toEqual([]);
});

test('a recommended version blocked by versions another stack created fails with the versions to delete first', async () => {
  await newEnvTemplate('hv-foreign');
  await run(createEvent(envVersion('Theirs', OTHER_STACK_ID), props('hv-foreign')));
  const ours = await run(createEvent(envVersion('Ours'), props('hv-foreign', { MajorVersion: '1' })));
  await expect(run(deleteEvent(envVersion('Ours'), ours.physicalId, props('hv-foreign', { MajorVersion: '1' }))))
    .rejects.toThrow(/^Could not delete Proton environment template version hv-foreign:1\.1: Proton deletes a recommended version only after .*version\(s\) 1\.0 of 'hv-foreign' are not managed by this stack\. Delete them first \(aws proton delete-environment-template-version\).*\(Proton: ConflictException: /);
  expect(await envVersions('hv-foreign')).toEqual(['1.0', '1.1']);
});

test('service template versions: compatible environment templates and component sources are updated in place', async () => {
  await newEnvTemplate('hv-svc-env');
  await fixture.proton.send(new CreateEnvironmentTemplateVersionCommand({ templateName: 'hv-svc-env', source: { s3: { bucket: BUCKET, key: 'env.tar.gz' } } }));
  await fixture.proton.send(new CreateEnvironmentTemplateVersionCommand({ templateName: 'hv-svc-env', source: { s3: { bucket: BUCKET, key: 'env.tar.gz' } } }));
  fixture.emu.control.advance(10_000);
  await fixture.proton.send(new UpdateEnvironmentTemplateVersionCommand({ templateName: 'hv-svc-env', majorVersion: '1', minorVersion: '0', status: 'PUBLISHED' }));
  await fixture.proton.send(new CreateServiceTemplateCommand({ name: 'hv-svc', pipelineProvisioning: 'CUSTOMER_MANAGED' }));

  const svc = { resourceType: ProtonResourceType.SERVICE_TEMPLATE_VERSION, logicalId: 'Svc' };
  const svcProps = {
    TemplateName: 'hv-svc',
    SourceBucket: BUCKET,
    SourceKey: 'svc.tar.gz',
    CompatibleEnvironmentTemplates: [{ TemplateName: 'hv-svc-env', MajorVersion: '1' }],
  };
  const created = await run(createEvent(svc, svcProps));
  expect(created.physicalId).toBe('hv-svc:1.0');
  const newProps = { ...svcProps, CompatibleEnvironmentTemplates: [{ TemplateName: 'hv-svc-env', MajorVersion: '2' }], SupportedComponentSources: ['DIRECTLY_DEFINED'] };
  expect((await run(updateEvent(svc, 'hv-svc:1.0', svcProps, newProps))).physicalId).toBe('hv-svc:1.0');
  const version = (await fixture.proton.send(new GetServiceTemplateVersionCommand({ templateName: 'hv-svc', majorVersion: '1', minorVersion: '0' }))).serviceTemplateVersion!;
  expect(version).toMatchObject({
    status: 'PUBLISHED',
    compatibleEnvironmentTemplates: [{ templateName: 'hv-svc-env', majorVersion: '2' }],
    supportedComponentSources: ['DIRECTLY_DEFINED'],
  });

  await expect(onEvent(createEvent(svc, { ...svcProps, CompatibleEnvironmentTemplates: [] })))
    .rejects.toThrow('CompatibleEnvironmentTemplates must list 1 to 10 environment template major versions, got 0.');
  await run(deleteEvent(svc, 'hv-svc:1.0', newProps));
  await expect(fixture.proton.send(new GetServiceTemplateVersionCommand({ templateName: 'hv-svc', majorVersion: '1', minorVersion: '0' })))
    .rejects.toThrow(expect.objectContaining({ name: 'ResourceNotFoundException' }));
});
