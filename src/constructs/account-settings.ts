import { Resource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { IRepository } from './repository';
import { validateLength } from './validation-util';
import { KINDS } from '../private/kinds';
import { ProtonCustomResource } from '../private/proton-resource';

/** A branch of a repository linked to Proton. */
export interface RepositoryBranch {
  /** The linked repository. */
  readonly repository: IRepository;
  /** The branch (1 to 200 characters). */
  readonly branch: string;
}

/** Properties of {@link AccountSettings}: give at least one setting. */
export interface AccountSettingsProps {
  /**
   * The service role Proton uses for AWS-managed provisioning of service pipelines.
   * @default - this stack does not manage the setting
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_UpdateAccountSettings.html#proton-UpdateAccountSettings-request-pipelineServiceRoleArn
   */
  readonly pipelineServiceRole?: iam.IRole;

  /**
   * The role Proton's CodeBuild provisioning of service pipelines uses.
   * @default - this stack does not manage the setting
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_UpdateAccountSettings.html#proton-UpdateAccountSettings-request-pipelineCodebuildRoleArn
   */
  readonly pipelineCodebuildRole?: iam.IRole;

  /**
   * The repository (and branch) where Proton commits service pipelines for self-managed
   * provisioning.
   * @default - this stack does not manage the setting
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_UpdateAccountSettings.html#proton-UpdateAccountSettings-request-pipelineProvisioningRepository
   */
  readonly pipelineProvisioningRepository?: RepositoryBranch;
}

/**
 * The Proton settings of the stack's account and region for service pipelines: the pipeline
 * service role, the CodeBuild pipeline role and the pipeline provisioning repository. There is
 * one set of settings per account and region, so an app may declare only one `AccountSettings`
 * per environment (a second is an error).
 *
 * The stack manages only the settings it declares: deploying refuses to replace a value set
 * outside the stack (it could not be restored); removing the construct (or a setting) clears each
 * setting it declared, unless the value was changed outside the stack since. So a delete
 * restores what this stack changed and nothing else. A setting already holding the declared
 * value when the stack is created is taken over, and cleared on delete.
 *
 * @resource Custom::ProtonAccountSettings
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-account-settings.html
 */
export class AccountSettings extends Resource {
  /**
   * The pipeline service role ARN after deployment (`""` when unset).
   * @attribute
   */
  public readonly pipelineServiceRoleArn: string;
  /**
   * The CodeBuild pipeline role ARN after deployment (`""` when unset).
   * @attribute
   */
  public readonly pipelineCodebuildRoleArn: string;
  /**
   * The ARN of the pipeline provisioning repository after deployment (`""` when unset).
   * @attribute
   */
  public readonly pipelineProvisioningRepositoryArn: string;

  constructor(scope: Construct, id: string, props: AccountSettingsProps) {
    super(scope, id);
    if (!props.pipelineServiceRole && !props.pipelineCodebuildRole && !props.pipelineProvisioningRepository) {
      throw new Error('AccountSettings needs at least one of pipelineServiceRole, pipelineCodebuildRole, pipelineProvisioningRepository: '
        + 'it manages only the settings it is given.');
    }
    const repository = props.pipelineProvisioningRepository;
    validateLength('pipelineProvisioningRepository.branch', repository?.branch, 1, 200);

    const resource = new ProtonCustomResource(this, {
      kind: KINDS.accountSettings,
      handlerAccess: {
        targets: {
          role: [props.pipelineServiceRole, props.pipelineCodebuildRole].filter((r): r is iam.IRole => r !== undefined).map((r) => r.roleArn),
        },
      },
      properties: {
        PipelineServiceRoleArn: props.pipelineServiceRole?.roleArn,
        PipelineCodebuildRoleArn: props.pipelineCodebuildRole?.roleArn,
        PipelineProvisioningRepository: repository && {
          Provider: repository.repository.repositoryProvider,
          Name: repository.repository.repositoryName,
          Branch: repository.branch,
        },
      },
      // One set of settings per account and region.
      identity: {
        name: 'settings',
        property: 'AccountSettings',
        importWith: 'one AccountSettings',
        duplicateMessage: (first, where) => `AccountSettings '${this.node.path}' duplicates '${first}': Proton has one set of account settings `
          + `per account and region (${where}). Declare all the settings in one AccountSettings.`,
      },
    });

    if (repository) {
      // Set after, and cleared before, the link is deleted (Proton refuses to unlink a repository in use).
      resource.resource.node.addDependency(repository.repository);
    }

    this.pipelineServiceRoleArn = resource.attr('PipelineServiceRoleArn');
    this.pipelineCodebuildRoleArn = resource.attr('PipelineCodebuildRoleArn');
    this.pipelineProvisioningRepositoryArn = resource.attr('PipelineProvisioningRepositoryArn');
  }
}
