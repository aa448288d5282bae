import {
  CreateEnvironmentTemplateVersionCommand,
  CreateServiceTemplateVersionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateEnvironmentTemplateVersionCommand,
  UpdateServiceTemplateVersionCommand,
  paginateListEnvironments,
  paginateListServiceInstances,
} from '@aws-sdk/client-proton';
import { clientToken } from './engine/client-token';
import { failure, isProtonError, isTransient, truncate } from './engine/errors';
import { DEPLOYMENT_POLL_MS, FIRST_SHORT_POLL_MS } from './engine/invocation';
import { log } from './engine/log';
import { getOrUndefined } from './engine/name-keyed-create';
import { deleteIfOwned } from './engine/owned-delete';
import { PropertyReader } from './engine/properties';
import { ResourceHandler, UpdatePlan, planUpdate } from './engine/resource-handler';
import { isOwnedBy, listTags, ownershipTags, toProtonTags } from './engine/tags';
import {
  TemplateVersionCalls, VersionId, VersionRecord, allVersions, byVersion, environmentTemplateVersionCalls, idOf, inDeletionOrder, parsePhysicalId,
  physicalIdOf, serviceTemplateVersionCalls,
} from './template-versions';
import {
  CompatibleEnvironmentTemplateProperty,
  OwnershipTag,
  ServiceTemplateVersionProperties,
  TemplateVersionData,
  TemplateVersionProperties,
} from '../src/custom-resources/contract';

/** In-place changes of a version (UpdateXTemplateVersion members). */
interface VersionChanges {
  readonly description?: string;
  readonly publish?: boolean;
  readonly compatibleEnvironmentTemplates?: CompatibleEnvironmentTemplateProperty[];
  readonly supportedComponentSources?: string[];
}

/** Properties Proton cannot change on a version: changing one registers a new version. */
const IMMUTABLE: ReadonlyArray<keyof TemplateVersionProperties> = ['TemplateName', 'MajorVersion', 'SourceBucket', 'SourceKey'];

/** Where a version stands after one look: done (with its `Data`), still registering, or its registration failed. */
type Settling = { readonly data: TemplateVersionData } | { readonly registering: true } | { readonly failed: string };

/**
 * Template versions of both kinds (`Custom::ProtonEnvironmentTemplateVersion`,
 * `Custom::ProtonServiceTemplateVersion`). The physical id is `templateName:M.m`, the identity
 * Proton assigns at create.
 *
 * - Create: first takes back a version this resource registered from the same bundle that
 *   CloudFormation does not track — a draft left by a create that crashed before it returned the
 *   version's number, or a version whose delete a rollback could only defer — instead of
 *   registering a duplicate; otherwise CreateXTemplateVersion with a deterministic client token
 *   (a replayed request gets the same version back). onEvent then waits for the registration
 *   inline (from 2 s, doubling) and publishes the DRAFT unless `Publish` is false; a registration
 *   still running is waited for by isComplete, and REGISTRATION_FAILED fails the request there
 *   (with the physical id known, so the rollback deletes the failed version).
 * - Update: description (and, for service versions, compatible environment templates and
 *   component sources) in place; `Publish` false → true publishes in place; a new bundle or
 *   major-version choice registers a new version — a new minor of the same major when the
 *   version was declared as "a new major version" — and CloudFormation's cleanup deletes the old.
 * - Delete: ResourceNotFound is success; while registering, wait. Proton deletes a template's
 *   recommended version (and a major's recommended minor) only after the others: when the
 *   versions it waits for all belong to this stack, the version is tagged
 *   {@link OwnershipTag.PENDING_DELETION} and deleted right after the last of them (CloudFormation
 *   deletes versions newest first, the reverse of their creation), or with the template. When
 *   those versions are still in use — a rolled-back update that had published this version, or
 *   a version removed while older ones still run — Proton keeps this version, and keeps
 *   recommending it, as long as they exist: the delete fails and says so (CloudFormation carries
 *   on: a failed delete of a removed resource does not fail an update or its rollback). Any
 *   other refusal fails with Proton's message and how to fix it.
 */
abstract class TemplateVersionHandler<P extends TemplateVersionProperties> extends ResourceHandler<P, TemplateVersionData> {
  /** `environment template` or `service template`. */
  protected abstract readonly kind: string;

  protected abstract createVersion(props: P, majorVersion: string | undefined, token: string, tags: Record<string, string>): Promise<VersionRecord>;
  protected abstract updateVersion(id: VersionId, changes: VersionChanges): Promise<void>;
  /** The in-place changes of the kind's own mutable properties. */
  protected abstract kindChanges(oldProps: P, newProps: P): VersionChanges;
  /** Proton's version calls of the kind. */
  protected abstract versionCalls(): TemplateVersionCalls;
  /** The resources deployed on any of `versions` of the template (environments, service instances), by name. */
  protected abstract usersOf(templateName: string, versions: readonly VersionRecord[]): Promise<string[]>;

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

  /** The bundle the properties register from, as the {@link OwnershipTag.SOURCE} tag records it. */
  private source(props: P = this.props): string {
    return `${props.SourceBucket}/${props.SourceKey}`;
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
      if (changes.publish && isProtonError(error, 'ValidationException') && (await this.versionCalls().get(id)).status === 'PUBLISHED') {
        log(`${this.kind} version already published by a retried call`, { physicalId: physicalIdOf(id) });
        return;
      }
      throw error;
    }
  }

  protected async onCreate(): Promise<string> {
    const majorVersion = this.majorVersionToCreateIn();
    const leftBehind = await this.leftBehind(majorVersion);
    const version = leftBehind ?? await this.register(majorVersion);
    const id = idOf(version);
    // Registration and publication take seconds: wait for them here, while the invocation allows.
    // Settled: the Data goes to isComplete (and, merged by the Provider, to CloudFormation), which then has nothing left to do.
    const data = await this.settleInline(id, leftBehind !== undefined && version.status !== 'REGISTRATION_IN_PROGRESS');
    if (data !== undefined) this.onEventData = { ...data };
    return physicalIdOf(id);
  }

  /** CreateXTemplateVersion with this request's client token (a retry gets the same version back). */
  private async register(majorVersion: string | undefined): Promise<VersionRecord> {
    const props = this.props;
    try {
      const tags = { ...ownershipTags(this.event), [OwnershipTag.SOURCE]: this.source() };
      const version = await this.createVersion(props, majorVersion, clientToken(this.event, 'create-template-version'), tags);
      log(`created ${this.kind} version`, { physicalId: physicalIdOf(idOf(version)), arn: version.arn, status: version.status });
      return version;
    } catch (error) {
      // No answer: the same token tries again (onEvent persists), and gets the version back if it was created.
      if (isTransient(error)) throw error;
      const hint = isProtonError(error, 'ResourceNotFoundException')
        ? majorVersion === undefined
          ? ` The ${this.kind} '${props.TemplateName}' does not exist.`
          : ` Major version ${majorVersion} must already exist in ${this.kind} '${props.TemplateName}': omit majorVersion to create a new major version.`
        : '';
      throw failure(`Could not create a version of Proton ${this.kind} '${props.TemplateName}'.${hint}`, error);
    }
  }

  /**
   * A version this resource registered from the same bundle, in the major this create registers
   * in, that CloudFormation does not track: a draft (or a published version) left by a create
   * that crashed before it returned, or a version a rollback's delete could only defer. Never the
   * version an update replaces, nor one that failed registration.
   */
  private async leftBehind(majorVersion: string | undefined): Promise<VersionRecord | undefined> {
    const calls = this.versionCalls();
    const templateName = this.props.TemplateName;
    // A new major version is M.0: the listing of majors shows it when it is its major's only version.
    const listed = majorVersion === undefined
      ? (await calls.list(templateName)).filter((v) => v.minorVersion === '0')
      : await calls.list(templateName, majorVersion);
    const replaced = this.event.RequestType === 'Update' ? this.event.PhysicalResourceId : undefined;
    for (const version of listed.sort(byVersion)) {
      if (physicalIdOf(idOf(version)) === replaced || version.status === 'REGISTRATION_FAILED') continue;
      if (this.props.Publish === false && version.status === 'PUBLISHED') continue;
      const tags = await listTags(this.proton, version.arn!);
      if (!isOwnedBy(tags, this.event) || tags[OwnershipTag.SOURCE] !== this.source()) continue;
      log(`taking back a ${this.kind} version this resource registered earlier, which CloudFormation does not track`, {
        physicalId: physicalIdOf(idOf(version)),
        status: version.status,
      });
      if (tags[OwnershipTag.PENDING_DELETION] !== undefined) {
        await this.proton.send(new UntagResourceCommand({ resourceArn: version.arn!, tagKeys: [OwnershipTag.PENDING_DELETION] }));
      }
      return version;
    }
    return undefined;
  }

  /** Looks at the version (at once when `now`, else after waiting) until it settled or the inline budget is spent. */
  private async settleInline(id: VersionId, now: boolean): Promise<TemplateVersionData | undefined> {
    let wait = FIRST_SHORT_POLL_MS;
    if (now) {
      const settling = await this.settle(id);
      if (!('registering' in settling)) return 'data' in settling ? settling.data : undefined;
    }
    while (this.invocation.canWaitInline(wait)) {
      await this.invocation.sleep(wait);
      wait = Math.min(wait * 2, DEPLOYMENT_POLL_MS);
      const settling = await this.settle(id);
      // A failed registration is reported by isComplete, once CloudFormation knows the physical id.
      if (!('registering' in settling)) return 'data' in settling ? settling.data : undefined;
    }
    return undefined;
  }

  /** One look at the version: publishes a DRAFT (unless `Publish` is false), and reads the template's recommended version once done. */
  private async settle(id: VersionId): Promise<Settling> {
    const physicalId = physicalIdOf(id);
    const version = await this.versionCalls().get(id);
    switch (version.status) {
      case 'REGISTRATION_IN_PROGRESS':
        return { registering: true };
      case 'REGISTRATION_FAILED':
        return { failed: `Proton could not register ${this.kind} version ${physicalId}: ${truncate(version.statusMessage ?? 'no status message', 800)}` };
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
      data: {
        Arn: version.arn!,
        TemplateName: id.templateName,
        MajorVersion: id.majorVersion,
        MinorVersion: id.minorVersion,
        TemplateRecommendedVersion: (await this.versionCalls().recommendedVersion(id.templateName)) ?? '',
      },
    };
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
    const settled = this.settledByOnEvent(physicalId);
    if (settled !== undefined) return settled;
    const settling = await this.settle(parsePhysicalId(physicalId)!);
    if ('failed' in settling) throw failure(settling.failed);
    if ('registering' in settling) {
      this.pace = 'short';
      return undefined;
    }
    return settling.data;
  }

  /** The `Data` onEvent returned when it saw the version registered and published (a create's). */
  private settledByOnEvent(physicalId: string): TemplateVersionData | undefined {
    const data = this.event.Data;
    if (!this.creating || data?.Arn === undefined || `${data.TemplateName}:${data.MajorVersion}.${data.MinorVersion}` !== physicalId) return undefined;
    return {
      Arn: data.Arn,
      TemplateName: data.TemplateName,
      MajorVersion: data.MajorVersion,
      MinorVersion: data.MinorVersion,
      TemplateRecommendedVersion: data.TemplateRecommendedVersion ?? '',
    };
  }

  protected deleteStep(physicalId: string): Promise<boolean> {
    const id = parsePhysicalId(physicalId)!;
    return deleteIfOwned(this.proton, this.event, {
      kind: `${this.kind} version`,
      name: physicalId,
      get: () => getOrUndefined(() => this.versionCalls().get(id)),
      arnOf: (version) => version.arn!,
      proceed: (version) => this.deleteVersion(id, version),
    });
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

  /** Deletes a version of this resource (or defers its delete); waits while it registers. */
  private async deleteVersion(id: VersionId, version: VersionRecord): Promise<'gone' | 'waiting'> {
    const physicalId = physicalIdOf(id);
    if (version.status === 'REGISTRATION_IN_PROGRESS') {
      log(`waiting for the registration to end before deleting the ${this.kind} version`, { physicalId, status: version.status });
      this.pace = 'short';
      return 'waiting';
    }
    try {
      await this.versionCalls().delete(id);
    } catch (error) {
      if (!isProtonError(error, 'ConflictException')) throw failure(`Could not delete Proton ${this.kind} version ${physicalId}`, error);
      return this.onDeleteConflict(id, version, error);
    }
    log(`deleted ${this.kind} version`, { physicalId });
    await this.deletePendingSiblings(id.templateName);
    return 'gone';
  }

  /**
   * Proton refused the delete. The versions that must go first (§6.5 delete order) decide:
   * when they all belong to this stack, the deletion is deferred to theirs; when they are still
   * in use, this version stays (and stays recommended) until they go, which the failure explains;
   * otherwise (in use itself, or blocked by versions this stack does not manage) the request
   * fails with how to fix it.
   */
  private async onDeleteConflict(id: VersionId, version: VersionRecord, error: unknown): Promise<'gone'> {
    const physicalId = physicalIdOf(id);
    const calls = this.versionCalls();
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
    const waitingFor = blockers.map((b) => `${b.majorVersion}.${b.minorVersion}`).join(', ');
    const users = await this.usersOf(id.templateName, blockers);
    if (users.length > 0) {
      throw failure(keptRecommendedMessage(this.kind, physicalId, waitingFor, users, await calls.recommendedVersion(id.templateName)));
    }
    log('deletion deferred until the versions of this stack it is recommended over are deleted (Proton deletes the recommended version last)', {
      physicalId,
      reasons: blockers.map((b) => `${b.majorVersion}.${b.minorVersion}`),
    });
    return 'gone';
  }

  /** The versions Proton's delete order puts before `version`: empty when order is not the reason. */
  private async versionsToDeleteFirst(id: VersionId, version: VersionRecord): Promise<VersionRecord[]> {
    const calls = this.versionCalls();
    const others = (await allVersions(calls, id.templateName)).filter((v) => physicalIdOf(idOf(v)) !== physicalIdOf(id));
    if (version.recommendedMinorVersion === id.minorVersion) {
      const sameMajor = others.filter((v) => v.majorVersion === id.majorVersion);
      if (sameMajor.length > 0) return sameMajor;
      if ((await calls.recommendedVersion(id.templateName)) === `${id.majorVersion}.${id.minorVersion}`) return others;
    }
    return [];
  }

  /**
   * Deletes the versions of `templateName` this stack marked pending deletion, as far as Proton's
   * delete order allows. Only a published version can have been marked (only the recommended
   * version of a major waits for others), so only those are looked at.
   */
  private async deletePendingSiblings(templateName: string): Promise<void> {
    const calls = this.versionCalls();
    const pending: VersionRecord[] = [];
    for (const v of (await allVersions(calls, templateName)).filter((x) => x.status === 'PUBLISHED')) {
      const tags = await listTags(this.proton, v.arn!);
      if (tags[OwnershipTag.PENDING_DELETION] === 'true' && tags[OwnershipTag.STACK_ID] === this.event.StackId) pending.push(v);
    }
    if (pending.length === 0) return;
    for (const v of inDeletionOrder(pending, await calls.recommendedVersion(templateName))) {
      try {
        await calls.delete(idOf(v));
      } catch (error) {
        // Still blocked (its turn comes with another delete, or the template's), or gone already.
        if (isProtonError(error, 'ConflictException', 'ResourceNotFoundException')) continue;
        throw failure(`Could not delete Proton ${this.kind} version ${physicalIdOf(idOf(v))}`, error);
      }
      log(`deleted ${this.kind} version pending deletion`, { physicalId: physicalIdOf(idOf(v)) });
    }
  }
}

/**
 * Why a version stays after its delete: Proton keeps a major's recommended minor version while the
 * other minors exist, and they are still deployed. Proton then keeps recommending it, whatever the
 * stack's `recommendedVersion` (its last successful deployment) says.
 */
function keptRecommendedMessage(
  kind: string, physicalId: string, waitingFor: string, users: readonly string[], recommended: string | undefined,
): string {
  const shown = users.slice(0, 5).join(', ') + (users.length > 5 ? ` and ${users.length - 5} more` : '');
  return `Proton keeps ${kind} version ${physicalId}: it is recommended over version(s) ${waitingFor}, and Proton deletes a major version's `
    + `recommended minor version only after the other minor versions of that major, which are still deployed (${shown}). `
    + `So Proton keeps recommending it${recommended ? ` (recommended version: ${recommended})` : ''} — new resources that name only the major version `
    + 'get it — even where the stack\'s recommendedVersion attribute, from its last successful deployment, names another version: Proton\'s rules '
    + 'make the two impossible to match until those versions are gone. cdk-proton marked the version for deletion: it is deleted with the '
    + 'last of them (or with the template), and taken back if the stack declares it again (same bundle).';
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

  protected async updateVersion(id: VersionId, changes: VersionChanges) {
    await this.proton.send(new UpdateEnvironmentTemplateVersionCommand({
      ...id,
      description: changes.description,
      status: changes.publish ? 'PUBLISHED' : undefined,
    }));
  }

  protected versionCalls(): TemplateVersionCalls {
    return environmentTemplateVersionCalls(this.proton);
  }

  protected async usersOf(templateName: string, versions: readonly VersionRecord[]): Promise<string[]> {
    const users: string[] = [];
    for (const majorVersion of new Set(versions.map((v) => v.majorVersion!))) {
      const minors = new Set(versions.filter((v) => v.majorVersion === majorVersion).map((v) => v.minorVersion));
      for await (const page of paginateListEnvironments({ client: this.proton }, { environmentTemplates: [{ templateName, majorVersion }] })) {
        users.push(...(page.environments ?? []).filter((e) => minors.has(e.templateMinorVersion)).map((e) => `environment ${e.name}`));
      }
    }
    return users;
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

  protected async updateVersion(id: VersionId, changes: VersionChanges) {
    await this.proton.send(new UpdateServiceTemplateVersionCommand({
      ...id,
      description: changes.description,
      status: changes.publish ? 'PUBLISHED' : undefined,
      compatibleEnvironmentTemplates: changes.compatibleEnvironmentTemplates && toCompatible(changes.compatibleEnvironmentTemplates),
      supportedComponentSources: changes.supportedComponentSources as Array<'DIRECTLY_DEFINED'> | undefined,
    }));
  }

  protected versionCalls(): TemplateVersionCalls {
    return serviceTemplateVersionCalls(this.proton);
  }

  /** The service instances on `versions` (a service's pipeline is not looked at). */
  protected async usersOf(templateName: string, versions: readonly VersionRecord[]): Promise<string[]> {
    const on = new Set(versions.map((v) => `${v.majorVersion}.${v.minorVersion}`));
    const users: string[] = [];
    for await (const page of paginateListServiceInstances({ client: this.proton }, { filters: [{ key: 'templateName', value: templateName }] })) {
      users.push(...(page.serviceInstances ?? [])
        .filter((i) => on.has(`${i.templateMajorVersion}.${i.templateMinorVersion}`))
        .map((i) => `service instance ${i.serviceName}/${i.name}`));
    }
    return users;
  }
}

function toCompatible(entries: CompatibleEnvironmentTemplateProperty[]) {
  return entries.map((e) => ({ templateName: e.TemplateName, majorVersion: e.MajorVersion }));
}
