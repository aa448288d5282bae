/**
 * End to end: templates with versions from bundle directories, deployed by the runner through
 * the REAL bundled handler (assets/lambda/index/index.js, `npx projen bundle`) against the
 * emulator: registration and publishing, replacement by a new minor version, a new major
 * version, teardown in Proton's delete order, a failed registration, a version still in use.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CreateEnvironmentCommand, DeleteEnvironmentCommand, DeleteEnvironmentTemplateVersionCommand, GetEnvironmentTemplateCommand,
  GetServiceTemplateCommand, GetServiceTemplateVersionCommand, ListEnvironmentTemplatesCommand, ListEnvironmentTemplateVersionsCommand,
  ListServiceTemplatesCommand,
} from '@aws-sdk/client-proton';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { stringify } from 'yaml';
import { runnerHarness } from './fixtures/runner-harness';
import { testApp } from './fixtures/test-app';
import { OperationResult } from '../../local/runner/runner';
import { ComponentSource, EnvironmentTemplate, ServiceTemplate, TemplateBundle } from '../../src';
import { BUNDLES_DIR } from '../fixtures/bundles/corpus';

const STACK = 'ProtonVersionsE2E';
const VERSION_TYPE = 'Custom::ProtonEnvironmentTemplateVersion';

const harness = runnerHarness();
let bundles: string;

beforeAll(() => {
  bundles = fs.mkdtempSync(path.join(os.tmpdir(), 'template-versions-e2e-'));
});
afterAll(() => {
  fs.rmSync(bundles, { recursive: true, force: true });
});

/**
 * A copy of the env-cloudformation fixture bundle; `variant` changes the infrastructure file
 * (a new content hash, so a new bundle object), `dropInput` removes a schema input (a schema
 * that is not backward compatible) and the template's reads of it.
 */
function envBundle(variant: string, options: { dropInput?: string } = {}): TemplateBundle {
  const dir = path.join(bundles, `${variant}${options.dropInput ? `-without-${options.dropInput}` : ''}`);
  if (!fs.existsSync(dir)) {
    fs.cpSync(path.join(BUNDLES_DIR, 'env-cloudformation'), dir, { recursive: true });
    const infra = path.join(dir, 'infrastructure', 'cloudformation.yaml');
    fs.appendFileSync(infra, `\n# variant ${variant}\n`);
    if (options.dropInput) {
      // The template stops reading the input (synth refuses a template that reads an input its schema lacks).
      fs.writeFileSync(infra, fs.readFileSync(infra, 'utf8').split(`{{ environment.inputs.${options.dropInput} }}`).join('30'));
      const schemaFile = path.join(dir, 'schema', 'schema.yaml');
      const schema = fs.readFileSync(schemaFile, 'utf8');
      const start = schema.indexOf(`        ${options.dropInput}:`);
      const next = schema.slice(start + 1).search(/\n {8}\S/);
      fs.writeFileSync(schemaFile, schema.slice(0, start) + (next < 0 ? '' : schema.slice(start + next + 2)));
    }
  }
  return TemplateBundle.fromDirectory(dir);
}

interface VersionSpec {
  readonly id: string;
  readonly variant: string;
  readonly majorVersion?: string;
  readonly dropInput?: string;
}

function versionsApp(templateName: string, versions: VersionSpec[]): App {
  const app = testApp();
  const stack = new Stack(app, STACK);
  const template = new EnvironmentTemplate(stack, 'Template', { environmentTemplateName: templateName });
  for (const v of versions) {
    template.addVersion(v.id, { bundle: envBundle(v.variant, { dropInput: v.dropInput }), majorVersion: v.majorVersion });
  }
  if (versions.length > 0) new CfnOutput(stack, 'Recommended', { value: template.recommendedVersion });
  return app;
}

/** The version requests of an operation: [type, logical id, old physical id, status, new physical id]. */
function versionRequests(result: OperationResult): string[][] {
  return result.requests
    .filter(({ request }) => request.ResourceType === VERSION_TYPE)
    .map(({ request, response }) => [
      request.RequestType, request.LogicalResourceId.replace(/^Template(V\d)[0-9A-F]{8}$/, '$1'),
      request.PhysicalResourceId ?? '-', response.Status, response.PhysicalResourceId,
    ]);
}

async function versionsInProton(templateName: string): Promise<string[]> {
  const majors = (await harness.proton.send(new ListEnvironmentTemplateVersionsCommand({ templateName }))).templateVersions ?? [];
  const all: string[] = [];
  for (const major of majors) {
    const minors = await harness.proton.send(new ListEnvironmentTemplateVersionsCommand({ templateName, majorVersion: major.majorVersion }));
    all.push(...(minors.templateVersions ?? []).map((v) => `${v.majorVersion}.${v.minorVersion} ${v.status}`));
  }
  return all.sort();
}

async function recommended(templateName: string): Promise<string | undefined> {
  return (await harness.proton.send(new GetEnvironmentTemplateCommand({ name: templateName }))).environmentTemplate?.recommendedVersion;
}

test('versions: two published, a bundle change registers a new minor, a new major, teardown in Proton\'s delete order', async () => {
  const name = 'e2e-versions';
  const created = await harness.runner.deploy(versionsApp(name, [{ id: 'V1', variant: 'a' }, { id: 'V2', variant: 'b', majorVersion: '1' }]));
  expect(created.success).toBe(true);
  expect(versionRequests(created)).toEqual([
    ['Create', 'V1', '-', 'SUCCESS', `${name}:1.0`],
    ['Create', 'V2', '-', 'SUCCESS', `${name}:1.1`],
  ]);
  expect(created.requests.find((r) => r.response.PhysicalResourceId === `${name}:1.1`)!.response.Data).toEqual({
    Arn: `arn:aws:proton:us-east-1:111111111111:environment-template/${name}:1.1`,
    TemplateName: name,
    MajorVersion: '1',
    MinorVersion: '1',
    TemplateRecommendedVersion: '1.1',
  });
  expect(await versionsInProton(name)).toEqual(['1.0 PUBLISHED', '1.1 PUBLISHED']);
  expect(harness.runner.stack(STACK)!.outputs.Recommended).toBe('1.1');

  // New bundles: new minor versions in the same major — also for V1, declared as "a new major
  // version" — and the cleanup deletes the old ones.
  const changed = await harness.runner.deploy(versionsApp(name, [{ id: 'V1', variant: 'a2' }, { id: 'V2', variant: 'b2', majorVersion: '1' }]));
  expect(changed.success).toBe(true);
  expect(versionRequests(changed)).toEqual([
    ['Update', 'V1', `${name}:1.0`, 'SUCCESS', `${name}:1.2`],
    ['Update', 'V2', `${name}:1.1`, 'SUCCESS', `${name}:1.3`],
    ['Delete', 'V2', `${name}:1.1`, 'SUCCESS', `${name}:1.1`],
    ['Delete', 'V1', `${name}:1.0`, 'SUCCESS', `${name}:1.0`],
  ]);
  expect(await versionsInProton(name)).toEqual(['1.2 PUBLISHED', '1.3 PUBLISHED']);
  expect(harness.runner.stack(STACK)!.outputs.Recommended).toBe('1.3');

  // A new major version.
  const major = await harness.runner.deploy(versionsApp(name, [
    { id: 'V1', variant: 'a2' }, { id: 'V2', variant: 'b2', majorVersion: '1' }, { id: 'V3', variant: 'c' },
  ]));
  expect(versionRequests(major)).toEqual([['Create', 'V3', '-', 'SUCCESS', `${name}:2.0`]]);
  expect(await recommended(name)).toBe('2.0');
  expect(harness.runner.stack(STACK)!.outputs.Recommended).toBe('2.0');

  // Teardown: CloudFormation deletes newest first; Proton deletes the recommended versions last.
  const destroyed = await harness.runner.destroy({ stackNames: [STACK] });
  expect(destroyed.success).toBe(true);
  expect(versionRequests(destroyed)).toEqual([
    ['Delete', 'V3', `${name}:2.0`, 'SUCCESS', `${name}:2.0`],
    ['Delete', 'V2', `${name}:1.3`, 'SUCCESS', `${name}:1.3`],
    ['Delete', 'V1', `${name}:1.2`, 'SUCCESS', `${name}:1.2`],
  ]);
  expect(harness.emulator.control.callCounts().DeleteEnvironmentTemplate).toBeGreaterThanOrEqual(1);
  expect((await harness.proton.send(new ListEnvironmentTemplatesCommand({}))).templates?.map((t) => t.name)).not.toContain(name);
});

test('a minor version whose schema is not backward compatible fails its registration; the update rolls back cleanly', async () => {
  const name = 'e2e-incompatible';
  expect((await harness.runner.deploy(versionsApp(name, [{ id: 'V1', variant: 'a' }]))).success).toBe(true);

  const result = await harness.runner.deploy(versionsApp(name, [{ id: 'V1', variant: 'a' }, { id: 'V2', variant: 'a', majorVersion: '1', dropInput: 'retention_days' }]));
  expect(result.success).toBe(false);
  const failed = result.events.find((e) => e.status === 'CREATE_FAILED')!;
  expect(failed.reason!.split('\n')[0]).toMatch(new RegExp(`^Proton could not register environment template version ${name}:1\\.1: .*input 'retention_days' of environment_input_type was removed`));
  expect(versionRequests(result)).toEqual([
    ['Create', 'V2', '-', 'FAILED', `${name}:1.1`],
    ['Delete', 'V2', `${name}:1.1`, 'SUCCESS', `${name}:1.1`],
  ]);
  expect(harness.runner.stack(STACK)!.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(await versionsInProton(name)).toEqual(['1.0 PUBLISHED']);
  expect((await harness.runner.destroy({ stackNames: [STACK] })).success).toBe(true);
});

test('a first deployment whose version cannot be registered rolls back: version and template are deleted', async () => {
  const app = testApp();
  const stack = new Stack(app, STACK);
  const template = new EnvironmentTemplate(stack, 'Template', { environmentTemplateName: 'e2e-unreadable' });
  template.addVersion('V1', { bundle: TemplateBundle.fromS3(s3.Bucket.fromBucketName(stack, 'Bundles', 'no-such-bundles'), 'env.tar.gz') });

  const result = await harness.runner.deploy(app);
  expect(result.success).toBe(false);
  expect(harness.runner.stack(STACK)?.status).toBe('ROLLBACK_COMPLETE');
  const failed = result.events.find((e) => e.status === 'CREATE_FAILED')!;
  expect(failed.reason!.split('\n')[0]).toBe('Proton could not register environment template version e2e-unreadable:1.0: '
    + "Could not read the template bundle s3://no-such-bundles/env.tar.gz: the bucket 'no-such-bundles' does not exist. "
    + 'Upload the bundle, then create a new template version.');
  expect(versionRequests(result)).toEqual([
    ['Create', 'V1', '-', 'FAILED', 'e2e-unreadable:1.0'],
    ['Delete', 'V1', 'e2e-unreadable:1.0', 'SUCCESS', 'e2e-unreadable:1.0'],
  ]);
  expect((await harness.proton.send(new ListEnvironmentTemplatesCommand({}))).templates?.map((t) => t.name)).not.toContain('e2e-unreadable');
});

test('a version still used by an environment is not deleted: the delete fails with Proton\'s reason and the fix', async () => {
  const name = 'e2e-in-use';
  expect((await harness.runner.deploy(versionsApp(name, [{ id: 'V1', variant: 'a' }, { id: 'V2', variant: 'b', majorVersion: '1' }]))).success).toBe(true);
  await harness.proton.send(new CreateEnvironmentCommand({
    name: 'e2e-in-use-env',
    templateName: name,
    templateMajorVersion: '1',
    templateMinorVersion: '0',
    spec: stringify({ proton: 'EnvironmentSpec', spec: {} }),
    protonServiceRoleArn: 'arn:aws:iam::111111111111:role/proton-service',
  }));
  harness.emulator.control.advance(600_000);

  // V1 (1.0) leaves the stack while the environment still runs on it.
  const removed = await harness.runner.deploy(versionsApp(name, [{ id: 'V2', variant: 'b', majorVersion: '1' }]));
  const deleteFailed = removed.events.find((e) => e.status === 'DELETE_FAILED')!;
  expect(deleteFailed).toMatchObject({ resourceType: VERSION_TYPE, physicalId: `${name}:1.0` });
  expect(deleteFailed.reason!.split('\n')[0]).toMatch(new RegExp(`^Could not delete Proton environment template version ${name}:1\\.0: it is still in use\\. `
    + 'Move the environments, service instances or pipelines that use it to another version \\(or delete them\\) first.* '
    + '\\(Proton: ConflictException: .*used by environments'));
  expect(await versionsInProton(name)).toEqual(['1.0 PUBLISHED', '1.1 PUBLISHED']);

  // CloudFormation no longer tracks 1.0 (cleanup failures are forgotten): delete it by hand, as the message says.
  await harness.proton.send(new DeleteEnvironmentCommand({ name: 'e2e-in-use-env' }));
  harness.emulator.control.advance(600_000);
  await harness.proton.send(new DeleteEnvironmentTemplateVersionCommand({ templateName: name, majorVersion: '1', minorVersion: '0' }));
  expect((await harness.runner.destroy({ stackNames: [STACK] })).success).toBe(true);
  expect((await harness.proton.send(new ListEnvironmentTemplatesCommand({}))).templates?.map((t) => t.name)).not.toContain(name);
});

function serviceApp(displayName: string): App {
  const app = testApp();
  const stack = new Stack(app, STACK);
  const env = new EnvironmentTemplate(stack, 'Env', { environmentTemplateName: 'e2e-svc-env' });
  const envVersion = env.addVersion('V1', { bundle: envBundle('a') });
  const svc = new ServiceTemplate(stack, 'Svc', { serviceTemplateName: 'e2e-svc', displayName });
  svc.addVersion('V1', {
    bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'svc-with-pipeline')),
    compatibleEnvironmentTemplates: [{ template: env, majorVersion: envVersion.majorVersion }],
    supportedComponentSources: [ComponentSource.DIRECTLY_DEFINED],
  });
  new CfnOutput(stack, 'ServiceRecommended', { value: svc.recommendedVersion });
  return app;
}

test('a service template with a version compatible with an environment template major; destroyed versions first, then templates', async () => {
  const deployed = await harness.runner.deploy(serviceApp('Service'));
  expect(deployed.success).toBe(true);
  expect(deployed.requests.map(({ request, response }) => [request.ResourceType, response.Status, response.PhysicalResourceId])).toEqual([
    // The templates are independent: CloudFormation creates them at the same time.
    ['Custom::ProtonEnvironmentTemplate', 'SUCCESS', 'e2e-svc-env'],
    ['Custom::ProtonServiceTemplate', 'SUCCESS', 'e2e-svc'],
    [VERSION_TYPE, 'SUCCESS', 'e2e-svc-env:1.0'],
    ['Custom::ProtonServiceTemplateVersion', 'SUCCESS', 'e2e-svc:1.0'],
  ]);
  expect((await harness.proton.send(new GetServiceTemplateCommand({ name: 'e2e-svc' }))).serviceTemplate).toMatchObject({ displayName: 'Service', recommendedVersion: '1.0' });
  expect((await harness.proton.send(new GetServiceTemplateVersionCommand({ templateName: 'e2e-svc', majorVersion: '1', minorVersion: '0' }))).serviceTemplateVersion).toMatchObject({
    status: 'PUBLISHED',
    compatibleEnvironmentTemplates: [{ templateName: 'e2e-svc-env', majorVersion: '1' }],
    supportedComponentSources: ['DIRECTLY_DEFINED'],
  });
  expect(harness.runner.stack(STACK)!.outputs.ServiceRecommended).toBe('1.0');

  const updated = await harness.runner.deploy(serviceApp('Service v2'));
  expect(updated.requests.map(({ request, response }) => [request.RequestType, request.ResourceType, response.Status, response.PhysicalResourceId]))
    .toEqual([['Update', 'Custom::ProtonServiceTemplate', 'SUCCESS', 'e2e-svc']]);
  expect((await harness.proton.send(new GetServiceTemplateCommand({ name: 'e2e-svc' }))).serviceTemplate?.displayName).toBe('Service v2');

  const destroyed = await harness.runner.destroy({ stackNames: [STACK] });
  expect(destroyed.success).toBe(true);
  expect(destroyed.requests.map(({ request }) => `${request.ResourceType} ${request.PhysicalResourceId}`)).toEqual([
    // As they complete: the versions first (independent, at the same time), each template after its versions.
    'Custom::ProtonServiceTemplateVersion e2e-svc:1.0',
    `${VERSION_TYPE} e2e-svc-env:1.0`,
    'Custom::ProtonServiceTemplate e2e-svc',
    'Custom::ProtonEnvironmentTemplate e2e-svc-env',
  ]);
  expect((await harness.proton.send(new ListServiceTemplatesCommand({}))).templates?.map((t) => t.name)).not.toContain('e2e-svc');
});

test('a registration call that never answers fails the version naming the call, with no stack trace in the reason', async () => {
  // Every attempt hangs: the SDK gives each its request timeout, then gives up; nothing was registered.
  harness.emulator.control.resetCallCounts();
  harness.emulator.control.injectFault('CreateEnvironmentTemplateVersion', { kind: 'hang', count: 8 });
  const hung = await harness.runner.deploy(versionsApp('e2e-hung', [{ id: 'V1', variant: 'hung' }]));
  expect(hung.success).toBe(false);
  const failed = hung.events.find((e) => e.status === 'CREATE_FAILED')!;
  expect(failed.logicalId).toMatch(/^TemplateV1/);
  expect(failed.reason).toMatch(new RegExp('^Create of TemplateV1[0-9A-F]{8} \\(Custom::ProtonEnvironmentTemplateVersion\\): Proton kept failing transiently until '
    + 'the handler ran out of time \\(Proton CreateEnvironmentTemplateVersion got no answer in 8 attempts: TimeoutError: @smithy/node-http-handler - '
    + '\\[ERROR\\] a request has exceeded the configured 10000 ms requestTimeout\\.\\)\n\nLogs: /aws/lambda/\\S+\n$'));
  expect(harness.runner.stack(STACK)?.status).toBe('ROLLBACK_COMPLETE');
  expect((await harness.proton.send(new ListEnvironmentTemplatesCommand({}))).templates?.map((t) => t.name)).not.toContain('e2e-hung');
  // Eight attempts, each held until its timeout; then the handler had no time left to try again.
  expect(harness.emulator.control.dump().pendingFaults).toEqual({});
  expect(harness.emulator.control.callCounts().CreateEnvironmentTemplateVersion).toBe(8);
}, 120_000);
