import { CreateComponentCommand, CreateServiceTemplateCommand, GetResourcesSummaryCommand } from '@aws-sdk/client-proton';
import { CFN_MANIFEST, emulatorPerTest } from './helpers';
import {
  createEnvironment, createEnvironmentTemplate, createService, createServiceTemplate, publishServiceTemplateVersion,
} from './rest-fixtures';
import { EmulatorState } from '../../local/emulator/core/emulator';
import type { RequestContext } from '../../local/emulator/core/runtime';
import type { ComponentRecord, ServicePipelineRecord, ServiceRecord, TemplateVersionRecord } from '../../local/emulator/core/store';
import { operations as summary } from '../../local/emulator/resources/resources-summary';

const ACCOUNT = '111111111111';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/proton`;
const none = { total: 0, failed: 0, upToDate: 0, behindMinor: 0, behindMajor: 0 };

describe('GetResourcesSummary through the API', () => {
  const fx = emulatorPerTest({}, { accountId: ACCOUNT });

  const counts = async () => (await fx.proton.send(new GetResourcesSummaryCommand({}))).counts;

  test('an empty account counts nothing', async () => {
    expect(await counts()).toEqual({
      environmentTemplates: { total: 0 },
      serviceTemplates: { total: 0 },
      environments: { total: 0 },
      components: { total: 0, failed: 0 },
      services: none,
      serviceInstances: none,
      pipelines: none,
    });
  });

  test('counts templates, environments, and the staleness of services and instances', async () => {
    await createEnvironmentTemplate(fx.proton, fx.emu, 'env-tmpl');
    await createEnvironment(fx.proton, fx.emu, 'dev', 'env-tmpl', { protonServiceRoleArn: ROLE });
    await createEnvironment(fx.proton, fx.emu, 'prod', 'env-tmpl', { protonServiceRoleArn: ROLE });
    await createServiceTemplate(fx.proton, fx.emu, 'svc-tmpl', 'env-tmpl');
    await fx.proton.send(new CreateServiceTemplateCommand({ name: 'unused', pipelineProvisioning: 'CUSTOMER_MANAGED' }));
    await createService(fx.proton, fx.emu, 'web', 'svc-tmpl', [{ name: 'one', environment: 'dev' }, { name: 'two', environment: 'prod' }]);

    expect(await counts()).toEqual({
      environmentTemplates: { total: 1 },
      serviceTemplates: { total: 2 },
      environments: { total: 2 },
      components: { total: 0, failed: 0 },
      services: { ...none, total: 1, upToDate: 1 },
      serviceInstances: { ...none, total: 2, upToDate: 2 },
      pipelines: none,
    });

    await publishServiceTemplateVersion(fx.proton, fx.emu, 'svc-tmpl', 'env-tmpl', '1');
    expect((await counts())!.serviceInstances).toEqual({ ...none, total: 2, behindMinor: 2 });
    expect((await counts())!.services).toEqual({ ...none, total: 1, behindMinor: 1 });

    await publishServiceTemplateVersion(fx.proton, fx.emu, 'svc-tmpl', 'env-tmpl');
    expect((await counts())!.serviceInstances).toEqual({ ...none, total: 2, behindMajor: 2 });
    expect((await counts())!.services).toEqual({ ...none, total: 1, behindMajor: 1 });
  });

  test('counts failed service instances and services', async () => {
    await createEnvironmentTemplate(fx.proton, fx.emu, 'env-tmpl');
    await createEnvironment(fx.proton, fx.emu, 'dev', 'env-tmpl', { protonServiceRoleArn: ROLE });
    await createServiceTemplate(fx.proton, fx.emu, 'svc-tmpl', 'env-tmpl');
    fx.emu.control.failNextDeployment('service/web/service-instance/one', 'Stack failed');
    await createService(fx.proton, fx.emu, 'web', 'svc-tmpl', [{ name: 'one', environment: 'dev' }]);
    expect(await counts()).toMatchObject({
      services: { ...none, total: 1, failed: 1, upToDate: 1 },
      serviceInstances: { ...none, total: 1, failed: 1, upToDate: 1 },
    });
  });

  test('counts components and the failed ones', async () => {
    await createEnvironmentTemplate(fx.proton, fx.emu, 'env-tmpl');
    await createEnvironment(fx.proton, fx.emu, 'dev', 'env-tmpl', { protonServiceRoleArn: ROLE, componentRoleArn: `arn:aws:iam::${ACCOUNT}:role/components` });
    const templateFile = 'Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n';
    fx.emu.control.failNextDeployment('component/bad', 'Queue limit reached');
    for (const name of ['good', 'bad']) {
      await fx.proton.send(new CreateComponentCommand({ name, environmentName: 'dev', manifest: CFN_MANIFEST, templateFile }));
    }
    fx.emu.control.advance(120_000);
    expect((await counts())!.components).toEqual({ total: 2, failed: 1 });
  });
});

describe('GetResourcesSummary of pipelines and components (records seeded in the account state)', () => {
  test('pipelines are stale like instances; a service is as stale as its stalest part; failed components count', () => {
    const state = new EmulatorState({ clock: 'manual' });
    const ctx: RequestContext = {
      operation: 'GetResourcesSummary',
      requestId: 'test',
      accountId: ACCOUNT,
      region: 'us-east-1',
      account: state.accountState(ACCOUNT, 'us-east-1'),
      runtime: state,
      nowSeconds: () => 0,
    };
    for (const [major, minor] of [['1', '0'], ['1', '1'], ['2', '0']]) {
      ctx.account.templateVersions.set(`SERVICE:svc:${major}.${minor}`, {
        kind: 'SERVICE', templateName: 'svc', majorVersion: major, minorVersion: minor, status: 'PUBLISHED',
      } as TemplateVersionRecord);
    }
    const part = (major: string, minor: string, deploymentStatus: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED') =>
      ({ templateName: 'svc', templateMajorVersion: major, templateMinorVersion: minor, deploymentStatus }) as ServicePipelineRecord;
    const service = (name: string, pipeline: ServicePipelineRecord, instance: ServicePipelineRecord) => ({
      name, status: 'ACTIVE', pipeline, instances: new Map([['i', { ...instance, name: 'i' }]]),
    }) as unknown as ServiceRecord;
    ctx.account.services.set('a', service('a', part('1', '0'), part('2', '0')));
    ctx.account.services.set('b', service('b', part('2', '0', 'FAILED'), part('1', '1')));
    ctx.account.services.set('c', service('c', part('2', '0'), part('2', '0')));
    ctx.account.components.set('x', { name: 'x', deploymentStatus: 'FAILED' } as ComponentRecord);
    ctx.account.components.set('y', { name: 'y', deploymentStatus: 'SUCCEEDED' } as ComponentRecord);

    expect((summary.GetResourcesSummary({}, ctx) as any).counts).toMatchObject({
      pipelines: { total: 3, failed: 1, upToDate: 2, behindMinor: 0, behindMajor: 1 },
      serviceInstances: { total: 3, failed: 0, upToDate: 2, behindMinor: 0, behindMajor: 1 },
      services: { total: 3, failed: 0, upToDate: 1, behindMinor: 0, behindMajor: 2 },
      components: { total: 2, failed: 1 },
    });
  });
});
