import {
  AccountSettings,
  GetAccountSettingsCommand,
  RepositoryProvider,
  UpdateAccountSettingsCommand,
  UpdateAccountSettingsInput,
} from '@aws-sdk/client-proton';
import { failure } from './engine/errors';
import { log } from './engine/log';
import { PropertyReader } from './engine/properties';
import { ResourceHandler, UpdatePlan, planUpdate } from './engine/resource-handler';
import { AccountSettingsData, AccountSettingsProperties, REPOSITORY_PROVIDERS } from '../src/custom-resources/contract';

/**
 * One account-wide setting: how to read it as a comparable string (`''` when unset) from Proton
 * and from the properties, and the UpdateAccountSettings members that set or clear it.
 */
interface Setting {
  readonly prop: keyof AccountSettingsProperties;
  readonly clear: Partial<UpdateAccountSettingsInput>;
  read(settings: AccountSettings): string;
  declared(props: AccountSettingsProperties): string | undefined;
  set(props: AccountSettingsProperties): Partial<UpdateAccountSettingsInput>;
}

function repositoryKey(r: { provider?: string; name?: string; branch?: string } | undefined): string {
  return r === undefined ? '' : `${r.provider}:${r.name}@${r.branch}`;
}

const SETTINGS: readonly Setting[] = [
  {
    prop: 'PipelineServiceRoleArn',
    read: (s) => s.pipelineServiceRoleArn ?? '',
    declared: (p) => p.PipelineServiceRoleArn,
    set: (p) => ({ pipelineServiceRoleArn: p.PipelineServiceRoleArn }),
    clear: { pipelineServiceRoleArn: '' },
  },
  {
    prop: 'PipelineCodebuildRoleArn',
    read: (s) => s.pipelineCodebuildRoleArn ?? '',
    declared: (p) => p.PipelineCodebuildRoleArn,
    set: (p) => ({ pipelineCodebuildRoleArn: p.PipelineCodebuildRoleArn }),
    clear: { pipelineCodebuildRoleArn: '' },
  },
  {
    prop: 'PipelineProvisioningRepository',
    read: (s) => repositoryKey(s.pipelineProvisioningRepository),
    declared: (p) => (p.PipelineProvisioningRepository === undefined ? undefined : repositoryKey({
      provider: p.PipelineProvisioningRepository.Provider,
      name: p.PipelineProvisioningRepository.Name,
      branch: p.PipelineProvisioningRepository.Branch,
    })),
    set: (p) => ({
      pipelineProvisioningRepository: {
        provider: p.PipelineProvisioningRepository!.Provider as RepositoryProvider,
        name: p.PipelineProvisioningRepository!.Name,
        branch: p.PipelineProvisioningRepository!.Branch,
      },
    }),
    clear: { deletePipelineProvisioningRepository: true },
  },
];

/**
 * `Custom::ProtonAccountSettings`: the account's pipeline settings, one per account and region
 * (the physical id names both). The stack owns only the settings it declares:
 *
 * - create (and an update that starts declaring a setting) refuses to replace a value set outside
 *   the stack, since deleting would lose it; a setting that already holds the declared value is
 *   taken over;
 * - delete clears each declared setting that still holds the declared value, and leaves alone
 *   the settings the stack does not declare and those changed since by someone else — so the
 *   account returns to what it was before the stack, and nothing else changes;
 * - an update that stops declaring a setting releases it by the same rule as delete.
 */
export class AccountSettingsHandler extends ResourceHandler<AccountSettingsProperties, AccountSettingsData> {
  protected parseProperties(reader: PropertyReader): AccountSettingsProperties {
    const repository = reader.optionalStringMap('PipelineProvisioningRepository');
    let parsedRepository;
    if (repository !== undefined) {
      const nested = new PropertyReader(`${this.event.ResourceType}.PipelineProvisioningRepository`, repository);
      parsedRepository = {
        Provider: nested.requiredOneOf('Provider', REPOSITORY_PROVIDERS),
        Name: nested.requiredString('Name'),
        Branch: nested.requiredString('Branch'),
      };
    }
    return {
      PipelineServiceRoleArn: reader.optionalString('PipelineServiceRoleArn'),
      PipelineCodebuildRoleArn: reader.optionalString('PipelineCodebuildRoleArn'),
      PipelineProvisioningRepository: parsedRepository,
    };
  }

  /** `account-settings:<region>:<account>` of the stack (from its id): one per account and region. */
  protected identity(): string {
    const [, , , region, account] = this.event.StackId.split(':');
    return `account-settings:${region}:${account}`;
  }

  protected analyzeUpdate(oldProps: AccountSettingsProperties, newProps: AccountSettingsProperties): UpdatePlan {
    return planUpdate(oldProps, newProps, []);
  }

  /** Never used: nothing is immutable. */
  protected sameIdentityReplacementMessage(id: string, reasons: readonly string[]): string {
    return `Cannot replace Proton ${id}: ${reasons.join(', ')} changed.`;
  }

  protected async onCreate(): Promise<string> {
    await this.apply(undefined);
    return this.identity();
  }

  protected async onUpdateInPlace(oldProps: AccountSettingsProperties): Promise<void> {
    await this.apply(oldProps);
  }

  /** Synchronous: clears what the stack declared, in one step. */
  protected async deleteStep(): Promise<boolean> {
    const current = await this.read();
    const changes: Partial<UpdateAccountSettingsInput>[] = [];
    for (const setting of SETTINGS) {
      const declared = setting.declared(this.props);
      if (declared === undefined) {
        continue;
      }
      if (setting.read(current) === declared) {
        changes.push(setting.clear);
      } else {
        log('account setting changed outside the stack since: left as it is', { name: setting.prop });
      }
    }
    await this.update(changes, 'restored account settings');
    return true;
  }

  protected async isCreateComplete(): Promise<AccountSettingsData> {
    const settings = await this.read();
    return {
      PipelineServiceRoleArn: settings.pipelineServiceRoleArn ?? '',
      PipelineCodebuildRoleArn: settings.pipelineCodebuildRoleArn ?? '',
      PipelineProvisioningRepositoryArn: settings.pipelineProvisioningRepository?.arn ?? '',
    };
  }

  /** Brings the declared settings to their values; releases those `oldProps` declared and `props` no longer do. */
  private async apply(oldProps: AccountSettingsProperties | undefined): Promise<void> {
    const current = await this.read();
    const changes: Partial<UpdateAccountSettingsInput>[] = [];
    const foreign: string[] = [];
    for (const setting of SETTINGS) {
      const value = setting.read(current);
      const desired = setting.declared(this.props);
      const previous = oldProps === undefined ? undefined : setting.declared(oldProps);
      if (desired === undefined) {
        if (previous !== undefined && value === previous) {
          changes.push(setting.clear);
        }
        continue;
      }
      if (value === desired) {
        continue;
      }
      if (previous === undefined && value !== '') {
        foreign.push(`${setting.prop} is already '${value}'`);
        continue;
      }
      changes.push(setting.set(this.props));
    }
    if (foreign.length > 0) {
      throw failure(`Refusing to change account settings set outside this stack: ${foreign.join('; ')}. `
        + 'The stack restores what it changed on delete and would lose these values. Fix: declare the same value, '
        + 'or clear the setting first (aws proton update-account-settings), or stop declaring it.');
    }
    await this.update(changes, 'updated account settings');
  }

  private async update(changes: Partial<UpdateAccountSettingsInput>[], message: string): Promise<void> {
    if (changes.length === 0) {
      return;
    }
    try {
      await this.proton.send(new UpdateAccountSettingsCommand(Object.assign({}, ...changes)));
    } catch (error) {
      throw failure('Could not update the Proton account settings', error);
    }
    log(message, { reasons: changes.flatMap((c) => Object.keys(c)) });
  }

  private async read(): Promise<AccountSettings> {
    return (await this.proton.send(new GetAccountSettingsCommand({}))).accountSettings ?? {};
  }
}
