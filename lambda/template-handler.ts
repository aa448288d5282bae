import { failure, isProtonError } from './engine/errors';
import { log } from './engine/log';
import { createOrAdopt, getOrUndefined, requireOwned } from './engine/name-keyed-create';
import { ResourceHandler, UpdatePlan, planUpdate } from './engine/resource-handler';
import { assertCustomerTags, isOwnedBy, listTags, syncCustomerTags, toProtonTags } from './engine/tags';
import { CUSTOMER_MANAGED_PROVISIONING } from '../src/custom-resources/contract';

/** The properties both template kinds share (the provisioning member differs by name). */
export interface TemplatePropertiesBase {
  readonly Name: string;
  readonly DisplayName?: string;
  readonly Description?: string;
  readonly EncryptionKey?: string;
  readonly Tags?: Record<string, string>;
}

/** What the handler reads of a Proton template (both kinds share these members). */
export interface TemplateRecord {
  readonly arn?: string;
  readonly name?: string;
  readonly displayName?: string;
  readonly description?: string;
  readonly encryptionKey?: string;
}

/** The update input members both template kinds share. */
export interface TemplateInput {
  readonly name: string;
  readonly displayName?: string;
  readonly description?: string;
}

/** The create input members both template kinds share (`provisioning`: the kind's provisioning member). */
export interface TemplateCreateInput extends TemplateInput {
  readonly encryptionKey?: string;
  readonly provisioning?: string;
  readonly tags: Array<{ key: string; value: string }>;
}

/**
 * Environment and service templates. Proton's create/update/delete of a template are
 * synchronous, so every `isComplete` is a single read that returns the `Data`. The kinds differ
 * in their commands and in the name of their provisioning property.
 */
export abstract class TemplateHandler<P extends TemplatePropertiesBase, R extends TemplateRecord>
  extends ResourceHandler<P, { readonly Arn: string; readonly Name: string }> {
  /** `environment template` or `service template`. */
  protected abstract readonly kind: string;
  /** The construct property naming the template, e.g. `environmentTemplateName`. */
  protected abstract readonly nameProperty: string;
  /** The provisioning property (`Provisioning`, `PipelineProvisioning`); immutable like the name and key. */
  protected abstract readonly provisioningProperty: keyof P & string;

  protected abstract importHint(name: string): string;
  protected abstract getTemplate(name: string): Promise<R>;
  protected abstract createTemplate(input: TemplateCreateInput): Promise<R>;
  protected abstract updateTemplate(input: TemplateInput): Promise<void>;
  protected abstract deleteTemplate(name: string): Promise<void>;
  /** The provisioning of an existing template. */
  protected abstract provisioningOf(template: R): string | undefined;

  /** Checks a provisioning value read from the properties. */
  protected checkProvisioning(value: string | undefined): string | undefined {
    if (value !== undefined && value !== CUSTOMER_MANAGED_PROVISIONING) {
      throw failure(`${this.provisioningProperty} must be ${CUSTOMER_MANAGED_PROVISIONING} or absent (standard provisioning), got '${value}'.`);
    }
    return value;
  }

  protected identity(props: P): string {
    return props.Name;
  }

  protected analyzeUpdate(oldProps: P, newProps: P): UpdatePlan {
    return planUpdate(oldProps, newProps, ['Name', 'EncryptionKey', this.provisioningProperty]);
  }

  protected sameIdentityReplacementMessage(name: string, reasons: readonly string[]): string {
    return `Cannot replace Proton ${this.kind} '${name}': ${reasons.join(', ')} changed, which Proton cannot update in place, `
      + `and the replacement would reuse the name '${name}' (CloudFormation creates the replacement before deleting the original, `
      + `and Proton names are unique). Fix: also change ${this.nameProperty}, or omit it so that cdk-proton generates a new name `
      + 'for every replacement; or revert the change.';
  }

  protected async onCreate(): Promise<string> {
    const props = this.props;
    assertCustomerTags(props.Tags ?? {});
    const template = await createOrAdopt(this.proton, this.event, {
      kind: this.kind,
      name: props.Name,
      importHint: this.importHint(props.Name),
      get: () => this.get(props.Name),
      create: (ownership) => this.createTemplate({
        name: props.Name,
        displayName: props.DisplayName,
        description: props.Description,
        encryptionKey: props.EncryptionKey,
        provisioning: this.provisioning(props),
        tags: toProtonTags({ ...props.Tags, ...ownership }),
      }),
      adopt: async (existing, tags) => {
        this.assertSameImmutables(existing);
        await this.applyMutable(existing, tags);
      },
    });
    return template.name!;
  }

  protected async onUpdateInPlace(_oldProps: P, name: string): Promise<void> {
    const { existing, tags } = await requireOwned(this.proton, this.event, {
      kind: this.kind,
      name,
      importHint: this.importHint(name),
      goneMessage: `Proton ${this.kind} '${name}' no longer exists; it was deleted outside CloudFormation. `
        + `Remove the resource from the stack and add it again (or change ${this.nameProperty}) to recreate it.`,
      get: () => this.get(name),
    });
    await this.applyMutable(existing, tags);
  }

  protected async onDeleteOwned(name: string): Promise<void> {
    const existing = await this.get(name);
    if (existing === undefined) {
      log(`${this.kind} already gone`, { name });
      return;
    }
    if (!isOwnedBy(await listTags(this.proton, existing.arn!), this.event)) {
      log(`delete skipped: ${this.kind} not created by this resource`, { name, arn: existing.arn });
      return;
    }
    try {
      await this.deleteTemplate(name);
      log(`deleted ${this.kind}`, { name });
    } catch (error) {
      if (isProtonError(error, 'ResourceNotFoundException')) {
        return;
      }
      throw failure(`Could not delete Proton ${this.kind} '${name}' (a template can only be deleted once all its versions are deleted)`, error);
    }
  }

  protected async isCreateComplete(name: string): Promise<{ readonly Arn: string; readonly Name: string }> {
    const template = await this.get(name);
    if (template === undefined) {
      throw failure(`Proton ${this.kind} '${name}' disappeared right after it was written: it was deleted outside CloudFormation.`);
    }
    return { Arn: template.arn!, Name: template.name! };
  }

  private provisioning(props: P): string | undefined {
    return props[this.provisioningProperty] as string | undefined;
  }

  private get(name: string): Promise<R | undefined> {
    return getOrUndefined(() => this.getTemplate(name));
  }

  /** A template left by an earlier attempt must match what is asked now on what cannot change. */
  private assertSameImmutables(existing: R): void {
    const differing = [
      (existing.encryptionKey ?? undefined) !== this.props.EncryptionKey ? 'EncryptionKey' : undefined,
      (this.provisioningOf(existing) ?? undefined) !== this.provisioning(this.props) ? this.provisioningProperty : undefined,
    ].filter((x): x is string => x !== undefined);
    if (differing.length > 0) {
      throw failure(`Proton ${this.kind} '${existing.name}' was created by an earlier failed deployment of this resource with a different ${differing.join(' and ')}, `
        + `which Proton cannot update. Delete it (aws proton delete-${this.kind.replace(' ', '-')}) or change ${this.nameProperty}, then deploy again.`);
    }
  }

  /**
   * Display name, description and customer tags: the mutable part. Proton cannot clear a display
   * name (its minimum length is 1): a removed one becomes the template's name, which is what the
   * console shows for a template without one.
   */
  private async applyMutable(existing: R, tags: Record<string, string>): Promise<void> {
    const props = this.props;
    const description = props.Description ?? '';
    const displayName = props.DisplayName ?? (existing.displayName !== undefined ? existing.name : undefined);
    if (existing.displayName !== displayName || (existing.description ?? '') !== description) {
      await this.updateTemplate({ name: existing.name!, displayName, description });
      log(`updated ${this.kind}`, { name: existing.name });
    }
    await syncCustomerTags(this.proton, existing.arn!, tags, props.Tags ?? {});
  }
}
