import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  GetAccountSettingsCommand,
  UpdateAccountSettingsCommand,
} from '@aws-sdk/client-proton';
import { emulatorPerTest, protonClient } from './helpers';

const ACCOUNT = '111111111111';
const SERVICE_ROLE = `arn:aws:iam::${ACCOUNT}:role/proton-pipelines`;
const CODEBUILD_ROLE = `arn:aws:iam::${ACCOUNT}:role/proton-codebuild`;
const REPOSITORY = { provider: 'GITHUB' as const, name: 'acme/pipelines', branch: 'main' };
const REPOSITORY_BRANCH = { ...REPOSITORY, arn: `arn:aws:proton:us-east-1:${ACCOUNT}:repository/github:acme/pipelines` };

const fx = emulatorPerTest({}, { accountId: ACCOUNT });

const settings = async () => (await fx.proton.send(new GetAccountSettingsCommand({}))).accountSettings;
const linkRepository = () => fx.proton.send(new CreateRepositoryCommand({
  provider: 'GITHUB', name: 'acme/pipelines', connectionArn: `arn:aws:codestar-connections:us-east-1:${ACCOUNT}:connection/abc`,
}));

test('an account that never configured settings has empty settings', async () => {
  expect(await settings()).toEqual({});
});

test('sets, keeps and clears the pipeline roles', async () => {
  const first = await fx.proton.send(new UpdateAccountSettingsCommand({
    pipelineServiceRoleArn: SERVICE_ROLE, pipelineCodebuildRoleArn: CODEBUILD_ROLE,
  }));
  expect(first.accountSettings).toEqual({ pipelineServiceRoleArn: SERVICE_ROLE, pipelineCodebuildRoleArn: CODEBUILD_ROLE });

  const cleared = await fx.proton.send(new UpdateAccountSettingsCommand({ pipelineServiceRoleArn: '' }));
  expect(cleared.accountSettings).toEqual({ pipelineCodebuildRoleArn: CODEBUILD_ROLE });
  expect(await settings()).toEqual({ pipelineCodebuildRoleArn: CODEBUILD_ROLE });
});

test('sets and deletes the pipeline provisioning repository, which must be linked', async () => {
  await expect(fx.proton.send(new UpdateAccountSettingsCommand({ pipelineProvisioningRepository: REPOSITORY }))).rejects.toMatchObject({
    name: 'ValidationException',
    message: "pipelineProvisioningRepository names the repository 'acme/pipelines' (GITHUB), which is not linked to AWS Proton. Link it with CreateRepository first.",
  });
  await linkRepository();
  const set = await fx.proton.send(new UpdateAccountSettingsCommand({
    pipelineProvisioningRepository: REPOSITORY, pipelineServiceRoleArn: SERVICE_ROLE,
  }));
  expect(set.accountSettings).toEqual({ pipelineProvisioningRepository: REPOSITORY_BRANCH, pipelineServiceRoleArn: SERVICE_ROLE });

  await expect(fx.proton.send(new DeleteRepositoryCommand({ provider: 'GITHUB', name: 'acme/pipelines' }))).rejects.toMatchObject({
    name: 'ConflictException',
    message: "The repository 'acme/pipelines' (GITHUB) can't be deleted: it is used by the account settings (pipelineProvisioningRepository). Remove those uses first.",
  });

  const kept = await fx.proton.send(new UpdateAccountSettingsCommand({ deletePipelineProvisioningRepository: false }));
  expect(kept.accountSettings).toEqual(set.accountSettings);
  const deleted = await fx.proton.send(new UpdateAccountSettingsCommand({ deletePipelineProvisioningRepository: true }));
  expect(deleted.accountSettings).toEqual({ pipelineServiceRoleArn: SERVICE_ROLE });
  await fx.proton.send(new DeleteRepositoryCommand({ provider: 'GITHUB', name: 'acme/pipelines' }));
});

test('deleting and setting the repository at once is refused', async () => {
  await linkRepository();
  await expect(fx.proton.send(new UpdateAccountSettingsCommand({
    pipelineProvisioningRepository: REPOSITORY, deletePipelineProvisioningRepository: true,
  }))).rejects.toMatchObject({
    name: 'ValidationException',
    message: 'deletePipelineProvisioningRepository is true and pipelineProvisioningRepository is set: set only pipelineProvisioningRepository '
      + 'to replace the repository, or only deletePipelineProvisioningRepository to remove it.',
  });
  expect(await settings()).toEqual({});
});

test('settings are per account', async () => {
  await fx.proton.send(new UpdateAccountSettingsCommand({ pipelineServiceRoleArn: SERVICE_ROLE }));
  const other = protonClient(fx.emu, { accountId: '222222222222', maxAttempts: 1 });
  try {
    expect((await other.send(new GetAccountSettingsCommand({}))).accountSettings).toEqual({});
  } finally {
    other.destroy();
  }
});
