import {
  CreateEnvironmentTemplateCommand,
  DeleteEnvironmentTemplateCommand,
  EnvironmentTemplate,
  GetEnvironmentTemplateCommand,
  UpdateEnvironmentTemplateCommand,
} from '@aws-sdk/client-proton';
import { failure, isProtonError } from './engine/errors';
import { log } from './engine/log';
import { createOrAdopt, foreignResourceMessage, getOrUndefined } from './engine/name-keyed-create';
import { PropertyReader } from './engine/properties';
import { ResourceHandler, UpdatePlan, planUpdate } from './engine/resource-handler';
import { assertCustomerTags, isOwnedBy, listTags, syncCustomerTags, toProtonTags } from './engine/tags';
import {
  CUSTOMER_MANAGED_PROVISIONING,
  EnvironmentTemplateData,
  EnvironmentTemplateProperties,
} from '../src/custom-resources/contract';

const KIND = 'environment template';

/** Properties Proton cannot update: changing one replaces the template. */
const IMMUTABLE: ReadonlyArray<keyof EnvironmentTemplateProperties> = ['Name', 'EncryptionKey', 'Provisioning'];

/**
 * `Custom::ProtonEnvironmentTemplate`. Proton's create/update/delete of a template are
 * synchronous, so every `isComplete` is a single read that returns the `Data`.
 */
export class EnvironmentTemplateHandler extends ResourceHandler<EnvironmentTemplateProperties, EnvironmentTemplateData> {
  protected parseProperties(reader: PropertyReader): EnvironmentTemplateProperties {
    const provisioning = reader.optionalString('Provisioning');
    if (provisioning !== undefined && provisioning !== CUSTOMER_MANAGED_PROVISIONING) {
      throw failure(`Provisioning must be ${CUSTOMER_MANAGED_PROVISIONING} or absent (standard provisioning), got '${provisioning}'.`);
    }
    return {
      Name: reader.requiredString('Name'),
      DisplayName: reader.optionalString('DisplayName'),
      Description: reader.optionalString('Description'),
      EncryptionKey: reader.optionalString('EncryptionKey'),
      Provisioning: provisioning,
      Tags: reader.optionalStringMap('Tags'),
    };
  }

  protected identity(props: EnvironmentTemplateProperties): string {
    return props.Name;
  }

  protected analyzeUpdate(oldProps: EnvironmentTemplateProperties, newProps: EnvironmentTemplateProperties): UpdatePlan {
    return planUpdate(oldProps, newProps, IMMUTABLE);
  }

  protected sameIdentityReplacementMessage(name: string, reasons: readonly string[]): string {
    return `Cannot replace Proton environment template '${name}': ${reasons.join(', ')} changed, which Proton cannot update in place, `
      + `and the replacement would reuse the name '${name}' (CloudFormation creates the replacement before deleting the original, `
      + 'and Proton names are unique). Fix: also change environmentTemplateName, or omit it so that cdk-proton generates a new name '
      + 'for every replacement; or revert the change.';
  }

  protected async onCreate(): Promise<string> {
    const props = this.props;
    assertCustomerTags(props.Tags ?? {});
    const template = await createOrAdopt(this.proton, this.event, {
      kind: KIND,
      name: props.Name,
      importHint: `EnvironmentTemplate.fromEnvironmentTemplateName(scope, id, '${props.Name}')`,
      get: () => this.get(props.Name),
      create: async (ownership) => {
        const response = await this.proton.send(new CreateEnvironmentTemplateCommand({
          name: props.Name,
          displayName: props.DisplayName,
          description: props.Description,
          encryptionKey: props.EncryptionKey,
          provisioning: props.Provisioning as 'CUSTOMER_MANAGED' | undefined,
          tags: toProtonTags({ ...props.Tags, ...ownership }),
        }));
        return response.environmentTemplate!;
      },
      adopt: async (existing, tags) => {
        this.assertSameImmutables(existing);
        await this.applyMutable(existing, tags);
      },
    });
    return template.name!;
  }

  protected async onUpdateInPlace(_oldProps: EnvironmentTemplateProperties, name: string): Promise<void> {
    const existing = await this.get(name);
    if (existing === undefined) {
      throw failure(`Proton environment template '${name}' no longer exists; it was deleted outside CloudFormation. `
        + 'Remove the resource from the stack and add it again (or change environmentTemplateName) to recreate it.');
    }
    const tags = await listTags(this.proton, existing.arn!);
    if (!isOwnedBy(tags, this.event)) {
      throw failure(foreignResourceMessage(KIND, name, `EnvironmentTemplate.fromEnvironmentTemplateName(scope, id, '${name}')`, this.event));
    }
    await this.applyMutable(existing, tags);
  }

  protected async onDeleteOwned(name: string): Promise<void> {
    const existing = await this.get(name);
    if (existing === undefined) {
      log('environment template already gone', { name });
      return;
    }
    if (!isOwnedBy(await listTags(this.proton, existing.arn!), this.event)) {
      log('delete skipped: environment template not created by this resource', { name, arn: existing.arn });
      return;
    }
    try {
      await this.proton.send(new DeleteEnvironmentTemplateCommand({ name }));
      log('deleted environment template', { name });
    } catch (error) {
      if (isProtonError(error, 'ResourceNotFoundException')) {
        return;
      }
      throw failure(`Could not delete Proton environment template '${name}' (a template can only be deleted once all its versions are deleted)`, error);
    }
  }

  protected async isCreateComplete(name: string): Promise<EnvironmentTemplateData> {
    const template = await this.get(name);
    if (template === undefined) {
      throw failure(`Proton environment template '${name}' disappeared right after it was written: it was deleted outside CloudFormation.`);
    }
    return { Arn: template.arn!, Name: template.name! };
  }

  private get(name: string): Promise<EnvironmentTemplate | undefined> {
    return getOrUndefined(async () => (await this.proton.send(new GetEnvironmentTemplateCommand({ name }))).environmentTemplate!);
  }

  /** A template left by an earlier attempt must match what is asked now on what cannot change. */
  private assertSameImmutables(existing: EnvironmentTemplate): void {
    const differing = [
      (existing.encryptionKey ?? undefined) !== this.props.EncryptionKey ? 'EncryptionKey' : undefined,
      (existing.provisioning ?? undefined) !== this.props.Provisioning ? 'Provisioning' : undefined,
    ].filter((x): x is string => x !== undefined);
    if (differing.length > 0) {
      throw failure(`Proton environment template '${existing.name}' was created by an earlier failed deployment of this resource with a different ${differing.join(' and ')}, `
        + 'which Proton cannot update. Delete it (aws proton delete-environment-template) or change environmentTemplateName, then deploy again.');
    }
  }

  /**
   * Display name, description and customer tags: the mutable part. Proton cannot clear a display
   * name (its minimum length is 1): a removed one becomes the template's name, which is what the
   * console shows for a template without one.
   */
  private async applyMutable(existing: EnvironmentTemplate, tags: Record<string, string>): Promise<void> {
    const props = this.props;
    const description = props.Description ?? '';
    const displayName = props.DisplayName ?? (existing.displayName !== undefined ? existing.name : undefined);
    if (existing.displayName !== displayName || (existing.description ?? '') !== description) {
      await this.proton.send(new UpdateEnvironmentTemplateCommand({ name: existing.name!, displayName, description }));
      log('updated environment template', { name: existing.name });
    }
    await syncCustomerTags(this.proton, existing.arn!, tags, props.Tags ?? {});
  }
}
