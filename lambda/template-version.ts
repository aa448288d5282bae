import {
  CreateEnvironmentTemplateVersionCommand,
  CreateServiceTemplateVersionCommand,
  DeleteEnvironmentTemplateVersionCommand,
  DeleteServiceTemplateVersionCommand,
  GetEnvironmentTemplateCommand,
  GetEnvironmentTemplateVersionCommand,
  GetServiceTemplateCommand,
  GetServiceTemplateVersionCommand,
  TagResourceCommand,
  UpdateEnvironmentTemplateVersionCommand,
  UpdateServiceTemplateVersionCommand,
  paginateListEnvironmentTemplateVersions,
  paginateListServiceTemplateVersions,
} from '@aws-sdk/client-proton';
import { clientToken } from './engine/client-token';
import { failure, isProtonError, truncate } from './engine/errors';
import { log } from './engine/log';
import { getOrUndefined } from './engine/name-keyed-create';
import { PropertyReader } from './engine/properties';
import { ResourceHandler, UpdatePlan, planUpdate } from './engine/resource-handler';
import { isOwnedBy, listTags, ownershipTags, toProtonTags } from './engine/tags';
import {
  CompatibleEnvironmentTemplateProperty,
  OwnershipTag,
  ServiceTemplateVersionProperties,
  TemplateVersionData,
  TemplateVersionProperties,
} from '../src/custom-resources/contract';

/** What the handler reads of a Proton template version (both kinds share these members). */
interface VersionRecord {
  readonly arn?: string;
  readonly templateName?: string;
  readonly majorVersion?: string;
  readonly minorVersion?: string;
  readonly recommendedMinorVersion?: string;
  readonly status?: string;
  readonly statusMessage?: string;
}

/** A version's identity, as in its physical id `templateName:M.m`. */
interface VersionId {
  readonly templateName: string;
  readonly majorVersion: string;
  readonly minorVersion: string;
}

/** In-place changes of a version (UpdateXTemplateVersion members). */
interface VersionChanges {
  readonly description?: string;
  readonly publish?: boolean;
  readonly compatibleEnvironmentTemplates?: CompatibleEnvironmentTemplateProperty[];
  readonly supportedComponentSources?: string[];
}

/** Properties Proton cannot change on a version: changing one registers a new version. */
const IMMUTABLE: ReadonlyArray<keyof TemplateVersionProperties> = ['TemplateName', 'MajorVersion', 'SourceBucket', 'SourceKey'];

const PHYSICAL_ID = /^(.+):(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

function physicalIdOf(id: VersionId): string {
  return `${id.templateName}:${id.majorVersion}.${id.minorVersion}`;
}

function parsePhysicalId(physicalId: string): VersionId | undefined {
  const match = PHYSICAL_ID.exec(physicalId);
  return match ? { templateName: match[1], majorVersion: match[2], minorVersion: match[3] } : undefined;
}

function byVersion(a: VersionRecord, b: VersionRecord): number {
  return Number(a.majorVersion) - Number(b.majorVersion) || Number(a.minorVersion) - Number(b.minorVersion);
}

/**
 * Template versions of both kinds (`Custom::ProtonEnvironmentTemplateVersion`,
 * `Custom::ProtonServiceTemplateVersion`). The physical id is `templateName:M.m`, the identity
 * Proton assigns at create.
 *
 * - Create: CreateXTemplateVersion with a deterministic client token (a replayed request gets
 *   the same version back); `isComplete` waits for the registration (REGISTRATION_FAILED fails
 *   with Proton's status message), then publishes the DRAFT unless `Publish` is false.
 * - Update: description (and, for service versions, compatible environment templates and
 *   component sources) in place; `Publish` false → true publishes in place; a new bundle or
 *   major-version choice registers a new version — a new minor of the same major when the
 *   version was declared as "a new major version" — and CloudFormation's cleanup deletes the old.
 * - Delete: ResourceNotFound is success; while registering, wait. Proton deletes a template's
 *   recommended version (and a major's recommended minor) only after the others: when the
 *   versions it waits for all belong to this stack, the version is tagged
 *   {@link OwnershipTag.PENDING_DELETION} and deleted right after the last of them (CloudFormation
 *   deletes versions newest first, the reverse of their creation). Any other refusal — the
 *   version is in use, or versions outside this stack block it — fails with Proton's message and
 *   how to fix it.
 */
abstract class TemplateVersionHandler<P extends TemplateVersionProperties> extends ResourceHandler<P, TemplateVersionData> {
  /** `environment template` or `service template`. */
  protected abstract readonly kind: string;

  protected abstract createVersion(props: P, majorVersion: string | undefined, token: string, tags: Record<string, string>): Promise<VersionRecord>;
  protected abstract getVersion(id: VersionId): Promise<VersionRecord>;
  protected abstract updateVersion(id: VersionId, changes: VersionChanges): Promise<void>;
  protected abstract deleteVersion(id: VersionId): Promise<void>;
  protected abstract listVersions(templateName: string, majorVersion?: string): Promise<VersionRecord[]>;
  protected abstract templateRecommendedVersion(templateName: string): Promise<string | undefined>;
  /** The in-place changes of the kind's own mutable properties. */
  protected abstract kindChanges(oldProps: P, newProps: P): VersionChanges;

  protected parseCommon(reader: PropertyReader): TemplateVersionProperties {
    const majorVersion = reader.optionalString('MajorVersion');
    if (majorVersion !== undefined && !/^(0|[1-9]\d*)$/.test(majorVersion)) {
      throw failure(`MajorVersion must be a major version number such as "1" (no leading zeros), got '${majorVersion}'.`);
    }
    return {
      TemplateName: reader.requiredString('TemplateName'),
      MajorVersion: majorVersion,
      SourceBucket: reader.requiredString('SourceBucket'),
      SourceKey: reader.requiredString('SourceKey'),
      Description: reader.optionalString('Description'),
      Publish: reader.optionalBoolean('Publish'),
    };
  }

  /** Proton assigns the version number at create: no replacement can reuse an existing identity. */
  protected identity(props: P): string {
    return `${props.TemplateName}:<assigned by Proton>`;
  }

  protected isOurPhysicalId(physicalId: string): boolean {
    return parsePhysicalId(physicalId)?.templateName === this.props.TemplateName;
  }

  protected analyzeUpdate(oldProps: P, newProps: P): UpdatePlan {
    const plan = planUpdate(oldProps, newProps, IMMUTABLE as ReadonlyArray<keyof P>);
    if (plan.kind !== 'replacement' && oldProps.Publish !== false && newProps.Publish === false) {
      // A published version cannot go back to DRAFT: register a new draft version instead.
      return { kind: 'replacement', reasons: ['Publish'] };
    }
    return plan;
  }

  protected sameIdentityReplacementMessage(identity: string, reasons: readonly string[]): string {
    return `Cannot replace ${this.kind} version '${identity}' (${reasons.join(', ')} changed).`;
  }

  /**
   * Applies `changes` with Update*TemplateVersion. Proton allows only DRAFT → PUBLISHED, so a
   * publishing call that the SDK retried after its response was lost (the first attempt took
   * effect) is refused with a ValidationException while the version is already PUBLISHED: that
   * is this call's own effect, not a refusal.
   */
  private async applyChanges(id: VersionId, changes: VersionChanges): Promise<void> {
    try {
      await this.updateVersion(id, changes);
    } catch (error) {
      if (changes.publish && isProtonError(error, 'ValidationException') && (await this.getVersion(id)).status === 'PUBLISHED') {
        log(`${this.kind} version already published by a retried call`, { physicalId: physicalIdOf(id) });
        return;
      }
      throw error;
    }
  }

  protected async onCreate(): Promise<string> {
    const props = this.props;
    const majorVersion = this.majorVersionToCreateIn();
    let version: VersionRecord;
    try {
      version = await this.createVersion(props, majorVersion, clientToken(this.event, 'create-template-version'), ownershipTags(this.event));
    } catch (error) {
      const hint = isProtonError(error, 'ResourceNotFoundException')
        ? majorVersion === undefined
          ? ` The ${this.kind} '${props.TemplateName}' does not exist.`
          : ` Major version ${majorVersion} must already exist in ${this.kind} '${props.TemplateName}': omit majorVersion to create a new major version.`
        : '';
      throw failure(`Could not create a version of Proton ${this.kind} '${props.TemplateName}'.${hint}`, error);
    }
    const physicalId = physicalIdOf(version as VersionId);
    log(`created ${this.kind} version`, { physicalId, arn: version.arn, status: version.status });
    return physicalId;
  }

  protected async onUpdateInPlace(oldProps: P, physicalId: string): Promise<void> {
    const id = parsePhysicalId(physicalId)!;
    const props = this.props;
    const changes: VersionChanges = {
      ...this.kindChanges(oldProps, props),
      ...((oldProps.Description ?? '') !== (props.Description ?? '') ? { description: props.Description ?? '' } : {}),
    };
    if (Object.keys(changes).length > 0) {
      await this.applyChanges(id, changes);
      log(`updated ${this.kind} version`, { physicalId });
    }
  }

  protected async isCreateComplete(physicalId: string): Promise<TemplateVersionData | undefined> {
    const id = parsePhysicalId(physicalId)!;
    const version = await this.getVersion(id);
    switch (version.status) {
      case 'REGISTRATION_IN_PROGRESS':
        return undefined;
      case 'REGISTRATION_FAILED':
        throw failure(`Proton could not register ${this.kind} version ${physicalId}: ${truncate(version.statusMessage ?? 'no status message', 800)}`);
      case 'DRAFT':
        if (this.props.Publish !== false) {
          await this.applyChanges(id, { publish: true });
          log(`published ${this.kind} version`, { physicalId });
        }
        break;
      case 'PUBLISHED':
        break;
      default:
        throw failure(`${this.kind} version ${physicalId} has status '${version.status}', which cdk-proton does not know.`);
    }
    return {
      Arn: version.arn!,
      TemplateName: id.templateName,
      MajorVersion: id.majorVersion,
      MinorVersion: id.minorVersion,
      TemplateRecommendedVersion: (await this.templateRecommendedVersion(id.templateName)) ?? '',
    };
  }

  protected async onDeleteOwned(physicalId: string): Promise<void> {
    await this.tryDelete(parsePhysicalId(physicalId)!);
  }

  protected async isDeleteComplete(physicalId: string): Promise<boolean> {
    return !this.isOurPhysicalId(physicalId) || this.tryDelete(parsePhysicalId(physicalId)!);
  }

  /**
   * The major version a create registers in: the one asked for, or — for a replacement of a
   * version declared as "a new major version" — the major of the version it replaces.
   */
  private majorVersionToCreateIn(): string | undefined {
    if (this.props.MajorVersion !== undefined || this.event.RequestType !== 'Update') {
      return this.props.MajorVersion;
    }
    const replaced = parsePhysicalId(this.event.PhysicalResourceId);
    const sameChoice = this.oldProps!.MajorVersion === undefined && this.oldProps!.TemplateName === this.props.TemplateName;
    return sameChoice ? replaced?.majorVersion : undefined;
  }

  /** One delete attempt; true when the version is gone (or its deletion is deferred). */
  private async tryDelete(id: VersionId): Promise<boolean> {
    const physicalId = physicalIdOf(id);
    const version = await getOrUndefined(() => this.getVersion(id));
    if (version === undefined) {
      log(`${this.kind} version already gone`, { physicalId });
      await this.deletePendingSiblings(id.templateName);
      return true;
    }
    if (!isOwnedBy(await listTags(this.proton, version.arn!), this.event)) {
      log(`delete skipped: ${this.kind} version not created by this resource`, { physicalId, arn: version.arn });
      return true;
    }
    if (version.status === 'REGISTRATION_IN_PROGRESS') {
      log(`waiting for the registration to end before deleting the ${this.kind} version`, { physicalId, status: version.status });
      return false;
    }
    try {
      await this.deleteVersion(id);
    } catch (error) {
      if (isProtonError(error, 'ResourceNotFoundException')) {
        return true;
      }
      if (!isProtonError(error, 'ConflictException')) {
        throw failure(`Could not delete Proton ${this.kind} version ${physicalId}`, error);
      }
      return this.onDeleteConflict(id, version, error);
    }
    log(`deleted ${this.kind} version`, { physicalId });
    await this.deletePendingSiblings(id.templateName);
    return true;
  }

  /**
   * Proton refused the delete. The versions that must go first (§6.5 delete order) decide:
   * when they all belong to this stack, the deletion is deferred to theirs; otherwise (in use, or
   * blocked by versions this stack does not manage) the request fails with how to fix it.
   */
  private async onDeleteConflict(id: VersionId, version: VersionRecord, error: unknown): Promise<boolean> {
    const physicalId = physicalIdOf(id);
    const blockers = await this.versionsToDeleteFirst(id, version);
    if (blockers.length === 0) {
      throw failure(`Could not delete Proton ${this.kind} version ${physicalId}: it is still in use. `
        + 'Move the environments, service instances or pipelines that use it to another version (or delete them) first, then retry the stack deletion; '
        + `a version removed from the stack by an update is no longer tracked by CloudFormation: delete it with aws proton delete-${this.kind.replace(' ', '-')}-version. `
        + 'To keep a version when it leaves the stack, set its removalPolicy to RemovalPolicy.RETAIN', error);
    }
    const foreign: string[] = [];
    for (const blocker of blockers) {
      const tags = await listTags(this.proton, blocker.arn!);
      if (tags[OwnershipTag.STACK_ID] !== this.event.StackId) foreign.push(`${blocker.majorVersion}.${blocker.minorVersion}`);
    }
    if (foreign.length > 0) {
      throw failure(`Could not delete Proton ${this.kind} version ${physicalId}: Proton deletes a recommended version only after the other versions `
        + `it is recommended over, and version(s) ${foreign.join(', ')} of '${id.templateName}' are not managed by this stack. Delete them first `
        + `(aws proton delete-${this.kind.replace(' ', '-')}-version), then delete again`, error);
    }
    await this.proton.send(new TagResourceCommand({ resourceArn: version.arn!, tags: [{ key: OwnershipTag.PENDING_DELETION, value: 'true' }] }));
    log('deletion deferred until the versions of this stack it is recommended over are deleted (Proton deletes the recommended version last)', {
      physicalId,
      reasons: blockers.map((b) => `${b.majorVersion}.${b.minorVersion}`),
    });
    return true;
  }

  /** The versions Proton's delete order puts before `version`: empty when order is not the reason. */
  private async versionsToDeleteFirst(id: VersionId, version: VersionRecord): Promise<VersionRecord[]> {
    const others = (await this.allVersions(id.templateName)).filter((v) => physicalIdOf(v as VersionId) !== physicalIdOf(id));
    if (version.recommendedMinorVersion === id.minorVersion) {
      const sameMajor = others.filter((v) => v.majorVersion === id.majorVersion);
      if (sameMajor.length > 0) return sameMajor;
      if ((await this.templateRecommendedVersion(id.templateName)) === `${id.majorVersion}.${id.minorVersion}`) return others;
    }
    return [];
  }

  /**
   * Deletes the versions of `templateName` this stack marked pending deletion, as far as Proton's
   * delete order allows (lowest versions first, repeated while progress is made).
   */
  private async deletePendingSiblings(templateName: string): Promise<void> {
    const pending: VersionRecord[] = [];
    for (const v of await this.allVersions(templateName)) {
      const tags = await listTags(this.proton, v.arn!);
      if (tags[OwnershipTag.PENDING_DELETION] === 'true' && tags[OwnershipTag.STACK_ID] === this.event.StackId) pending.push(v);
    }
    let progress = true;
    while (progress && pending.length > 0) {
      progress = false;
      for (const v of [...pending]) {
        try {
          await this.deleteVersion(v as VersionId);
        } catch (error) {
          if (!isProtonError(error, 'ResourceNotFoundException', 'ConflictException')) throw failure(`Could not delete Proton ${this.kind} version ${physicalIdOf(v as VersionId)}`, error);
          if (isProtonError(error, 'ConflictException')) continue;
        }
        log(`deleted ${this.kind} version pending deletion`, { physicalId: physicalIdOf(v as VersionId) });
        pending.splice(pending.indexOf(v), 1);
        progress = true;
      }
    }
  }

  /** Every version (all minors of all majors) of a template, lowest first; none when it is gone. */
  private async allVersions(templateName: string): Promise<VersionRecord[]> {
    const majors = (await getOrUndefined(() => this.listVersions(templateName))) ?? [];
    const all: VersionRecord[] = [];
    for (const major of majors) {
      all.push(...((await getOrUndefined(() => this.listVersions(templateName, major.majorVersion))) ?? []));
    }
    return all.sort(byVersion);
  }
}

/** Proton's limits of `compatibleEnvironmentTemplates`. */
const COMPATIBLE_MIN = 1;
const COMPATIBLE_MAX = 10;

/** `Custom::ProtonEnvironmentTemplateVersion`. */
export class EnvironmentTemplateVersionHandler extends TemplateVersionHandler<TemplateVersionProperties> {
  protected readonly kind = 'environment template';

  protected parseProperties(reader: PropertyReader): TemplateVersionProperties {
    return this.parseCommon(reader);
  }

  protected kindChanges(): VersionChanges {
    return {};
  }

  protected async createVersion(props: TemplateVersionProperties, majorVersion: string | undefined, token: string, tags: Record<string, string>) {
    const response = await this.proton.send(new CreateEnvironmentTemplateVersionCommand({
      templateName: props.TemplateName,
      majorVersion,
      source: { s3: { bucket: props.SourceBucket, key: props.SourceKey } },
      description: props.Description,
      clientToken: token,
      tags: toProtonTags(tags),
    }));
    return response.environmentTemplateVersion!;
  }

  protected async getVersion(id: VersionId) {
    return (await this.proton.send(new GetEnvironmentTemplateVersionCommand(id))).environmentTemplateVersion!;
  }

  protected async updateVersion(id: VersionId, changes: VersionChanges) {
    await this.proton.send(new UpdateEnvironmentTemplateVersionCommand({
      ...id,
      description: changes.description,
      status: changes.publish ? 'PUBLISHED' : undefined,
    }));
  }

  protected async deleteVersion(id: VersionId) {
    await this.proton.send(new DeleteEnvironmentTemplateVersionCommand(id));
  }

  protected async listVersions(templateName: string, majorVersion?: string) {
    const versions: VersionRecord[] = [];
    for await (const page of paginateListEnvironmentTemplateVersions({ client: this.proton }, { templateName, majorVersion })) {
      versions.push(...(page.templateVersions ?? []));
    }
    return versions;
  }

  protected async templateRecommendedVersion(templateName: string) {
    return (await this.proton.send(new GetEnvironmentTemplateCommand({ name: templateName }))).environmentTemplate?.recommendedVersion;
  }
}

/** `Custom::ProtonServiceTemplateVersion`. */
export class ServiceTemplateVersionHandler extends TemplateVersionHandler<ServiceTemplateVersionProperties> {
  protected readonly kind = 'service template';

  protected parseProperties(reader: PropertyReader): ServiceTemplateVersionProperties {
    const compatible = reader.objectList('CompatibleEnvironmentTemplates');
    if (compatible.length < COMPATIBLE_MIN || compatible.length > COMPATIBLE_MAX) {
      throw failure(`CompatibleEnvironmentTemplates must list ${COMPATIBLE_MIN} to ${COMPATIBLE_MAX} environment template major versions, got ${compatible.length}.`);
    }
    return {
      ...this.parseCommon(reader),
      CompatibleEnvironmentTemplates: compatible.map((entry) => ({
        TemplateName: entry.requiredString('TemplateName'),
        MajorVersion: entry.requiredString('MajorVersion'),
      })),
      SupportedComponentSources: reader.optionalStringList('SupportedComponentSources'),
    };
  }

  protected kindChanges(oldProps: ServiceTemplateVersionProperties, newProps: ServiceTemplateVersionProperties): VersionChanges {
    const changed = (key: keyof ServiceTemplateVersionProperties) => JSON.stringify(oldProps[key]) !== JSON.stringify(newProps[key]);
    return {
      ...(changed('CompatibleEnvironmentTemplates') ? { compatibleEnvironmentTemplates: newProps.CompatibleEnvironmentTemplates } : {}),
      ...(changed('SupportedComponentSources') ? { supportedComponentSources: newProps.SupportedComponentSources ?? [] } : {}),
    };
  }

  protected async createVersion(
    props: ServiceTemplateVersionProperties, majorVersion: string | undefined, token: string, tags: Record<string, string>) {
    const response = await this.proton.send(new CreateServiceTemplateVersionCommand({
      templateName: props.TemplateName,
      majorVersion,
      source: { s3: { bucket: props.SourceBucket, key: props.SourceKey } },
      description: props.Description,
      compatibleEnvironmentTemplates: toCompatible(props.CompatibleEnvironmentTemplates),
      supportedComponentSources: props.SupportedComponentSources as Array<'DIRECTLY_DEFINED'> | undefined,
      clientToken: token,
      tags: toProtonTags(tags),
    }));
    return response.serviceTemplateVersion!;
  }

  protected async getVersion(id: VersionId) {
    return (await this.proton.send(new GetServiceTemplateVersionCommand(id))).serviceTemplateVersion!;
  }

  protected async updateVersion(id: VersionId, changes: VersionChanges) {
    await this.proton.send(new UpdateServiceTemplateVersionCommand({
      ...id,
      description: changes.description,
      status: changes.publish ? 'PUBLISHED' : undefined,
      compatibleEnvironmentTemplates: changes.compatibleEnvironmentTemplates && toCompatible(changes.compatibleEnvironmentTemplates),
      supportedComponentSources: changes.supportedComponentSources as Array<'DIRECTLY_DEFINED'> | undefined,
    }));
  }

  protected async deleteVersion(id: VersionId) {
    await this.proton.send(new DeleteServiceTemplateVersionCommand(id));
  }

  protected async listVersions(templateName: string, majorVersion?: string) {
    const versions: VersionRecord[] = [];
    for await (const page of paginateListServiceTemplateVersions({ client: this.proton }, { templateName, majorVersion })) {
      versions.push(...(page.templateVersions ?? []));
    }
    return versions;
  }

  protected async templateRecommendedVersion(templateName: string) {
    return (await this.proton.send(new GetServiceTemplateCommand({ name: templateName }))).serviceTemplate?.recommendedVersion;
  }
}

function toCompatible(entries: CompatibleEnvironmentTemplateProperty[]) {
  return entries.map((e) => ({ templateName: e.TemplateName, majorVersion: e.MajorVersion }));
}
