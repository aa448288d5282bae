import { failure, isProtonError } from './engine/errors';
import { log } from './engine/log';
import { createOrAdopt, getOrUndefined, requireOwned } from './engine/name-keyed-create';
import { deleteIfOwned } from './engine/owned-delete';
import { ResourceHandler, UpdatePlan, planUpdate } from './engine/resource-handler';
import { assertCustomerTags, listTags, syncCustomerTags, toProtonTags } from './engine/tags';
import { TemplateVersionCalls, VersionRecord, allVersions, idOf, inDeletionOrder, physicalIdOf } from './template-versions';
import { CUSTOMER_MANAGED_PROVISIONING, OwnershipTag, PropertiesOf, TEMPLATE_SCHEMA } from '../src/custom-resources/contract';

/** The properties both template kinds share (the provisioning member differs by name). */
export type TemplatePropertiesBase = PropertiesOf<typeof TEMPLATE_SCHEMA>;

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
 * synchronous: a create (made by the first isComplete, once CloudFormation knows the name) and a
 * delete complete in one step. The kinds differ in their commands and in the name of their
 * provisioning property.
 *
 * A template's delete first removes what this stack left of its versions — versions whose delete
 * had to wait for others (tagged pending deletion), drafts of a create that crashed before
 * CloudFormation learnt their number — in Proton's delete order; versions of anyone else keep the
 * template, and the failure names them.
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
  /** Proton's calls on the template's versions. */
  protected abstract versionCalls(): TemplateVersionCalls;

  protected checkProperties(props: P): void {
    this.checkProvisioning(props[this.provisioningProperty] as string | undefined);
  }

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

  /** The name is the identity: the template is created by the first isComplete. */
  protected async onCreate(): Promise<string> {
    assertCustomerTags(this.props.Tags ?? {});
    return this.props.Name;
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

  protected deleteStep(name: string): Promise<boolean> {
    return deleteIfOwned(this.proton, this.event, {
      kind: this.kind,
      name: name,
      get: () => this.get(name),
      arnOf: (template) => template.arn!,
      proceed: async () => {
        try {
          await this.deleteTemplate(name);
        } catch (error) {
          if (!isProtonError(error, 'ConflictException')) throw failure(`Could not delete Proton ${this.kind} '${name}'`, error);
          // Versions remain: those this stack left behind go first, in Proton's order.
          await this.deleteVersionsLeftBehind(name, error);
          await this.deleteTemplate(name);
        }
        log(`deleted ${this.kind}`, { name });
        return 'gone';
      },
    });
  }

  protected async isCreateComplete(name: string): Promise<{ readonly Arn: string; readonly Name: string }> {
    const template = this.creating ? await this.createOrAdopt() : await this.get(name);
    if (template === undefined) {
      throw failure(`Proton ${this.kind} '${name}' disappeared right after it was written: it was deleted outside CloudFormation.`);
    }
    return { Arn: template.arn!, Name: template.name! };
  }

  private async createOrAdopt(): Promise<R> {
    const props = this.props;
    const { resource } = await createOrAdopt(this.proton, this.event, {
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
    }, this.invocation);
    return resource;
  }

  /**
   * Deletes the versions of the template this stack created and CloudFormation no longer tracks
   * (pending deletion, or orphaned drafts), in Proton's delete order. Versions of anyone else are
   * never deleted: the template's delete then fails and names them.
   */
  private async deleteVersionsLeftBehind(name: string, conflict: unknown): Promise<void> {
    const calls = this.versionCalls();
    const ours: VersionRecord[] = [];
    const others: VersionRecord[] = [];
    for (const version of await allVersions(calls, name)) {
      const tags = await listTags(this.proton, version.arn!);
      (tags[OwnershipTag.STACK_ID] === this.event.StackId ? ours : others).push(version);
    }
    if (others.length > 0) {
      throw failure(`Could not delete Proton ${this.kind} '${name}': it still has versions this stack did not create `
        + `(${others.map((v) => `${v.majorVersion}.${v.minorVersion}`).join(', ')}). Delete them first `
        + `(aws proton delete-${this.kind.replace(' ', '-')}-version), then delete again`, conflict);
    }
    for (const version of inDeletionOrder(ours, await calls.recommendedVersion(name))) {
      try {
        await calls.delete(idOf(version));
      } catch (error) {
        if (isProtonError(error, 'ResourceNotFoundException')) continue;
        throw failure(`Could not delete Proton ${this.kind} '${name}': its version ${version.majorVersion}.${version.minorVersion}, `
          + 'left by this stack, could not be deleted (is it still in use?)', error);
      }
      log(`deleted ${this.kind} version left behind`, { physicalId: physicalIdOf(idOf(version)), status: version.status });
    }
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
