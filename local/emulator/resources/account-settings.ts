import { requireLinkedRepository } from './repository';
import { validation } from '../core/errors';
import type { OperationTable } from '../core/runtime';
import type { AccountSettingsRecord, RepositoryBranch } from '../core/store';

/**
 * Account-wide pipeline settings (proton-api.md §2 AccountSettings). An account that never
 * configured them gets empty settings (`{accountSettings: {}}`) rather than
 * ResourceNotFoundException: every member is optional. An empty role ARN removes the role;
 * `deletePipelineProvisioningRepository` removes the repository and can't be combined with a
 * new `pipelineProvisioningRepository`, which must be a linked repository.
 */

interface UpdateInput {
  pipelineServiceRoleArn?: string;
  pipelineCodebuildRoleArn?: string;
  pipelineProvisioningRepository?: RepositoryBranch;
  deletePipelineProvisioningRepository?: boolean;
}

function describeSettings(s: AccountSettingsRecord | undefined) {
  const repository = s?.pipelineProvisioningRepository;
  return {
    ...(s?.pipelineServiceRoleArn !== undefined ? { pipelineServiceRoleArn: s.pipelineServiceRoleArn } : {}),
    ...(s?.pipelineCodebuildRoleArn !== undefined ? { pipelineCodebuildRoleArn: s.pipelineCodebuildRoleArn } : {}),
    ...(repository !== undefined
      ? { pipelineProvisioningRepository: { arn: repository.arn, provider: repository.provider, name: repository.name, branch: repository.branch } }
      : {}),
  };
}

/** `value` applied to `current`: undefined keeps it, '' removes it. */
function roleUpdate(current: string | undefined, value: string | undefined): string | undefined {
  if (value === undefined) return current;
  return value === '' ? undefined : value;
}

export const operations: OperationTable = {
  GetAccountSettings(_input: object, ctx) {
    return { accountSettings: describeSettings(ctx.account.accountSettings) };
  },

  UpdateAccountSettings(input: UpdateInput, ctx) {
    if (input.deletePipelineProvisioningRepository && input.pipelineProvisioningRepository !== undefined) {
      throw validation('deletePipelineProvisioningRepository is true and pipelineProvisioningRepository is set: set only pipelineProvisioningRepository to replace the repository, or only deletePipelineProvisioningRepository to remove it.');
    }
    const current = ctx.account.accountSettings ?? {};
    let repository = current.pipelineProvisioningRepository;
    if (input.pipelineProvisioningRepository !== undefined) {
      const { provider, name, branch } = input.pipelineProvisioningRepository;
      const linked = requireLinkedRepository(ctx.account, provider, name, 'pipelineProvisioningRepository');
      repository = { provider, name, branch, arn: linked.arn };
    } else if (input.deletePipelineProvisioningRepository) {
      repository = undefined;
    }
    const settings: AccountSettingsRecord = {
      pipelineServiceRoleArn: roleUpdate(current.pipelineServiceRoleArn, input.pipelineServiceRoleArn),
      pipelineCodebuildRoleArn: roleUpdate(current.pipelineCodebuildRoleArn, input.pipelineCodebuildRoleArn),
      pipelineProvisioningRepository: repository,
    };
    ctx.account.accountSettings = settings;
    return { accountSettings: describeSettings(settings) };
  },
};
