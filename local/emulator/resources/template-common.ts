import { notFound, validation } from '../core/errors';
import type { AccountState, TemplateKind, TemplateRecord, TemplateVersionRecord } from '../core/store';

/**
 * What environment templates and service templates (and their versions) share: the naming of
 * each kind in the API, record lookups, version ordering, the recommended-version rule
 * (proton-api.md §3) and the memory of deleted resources that makes deletes idempotent (§6.3).
 */

export interface TemplateKindInfo {
  readonly kind: TemplateKind;
  /** In messages: `environment template`. */
  readonly label: string;
  /** ARN resource type: `environment-template`. */
  readonly arnType: string;
  /** Operation name stem: `EnvironmentTemplate`. */
  readonly opStem: string;
  /** Output member of template operations: `environmentTemplate`. */
  readonly templateMember: string;
  /** Output member of version operations: `environmentTemplateVersion`. */
  readonly versionMember: string;
  /** The template's provisioning member: `provisioning` / `pipelineProvisioning`. */
  readonly provisioningMember: string;
}

export const KINDS: { readonly [kind in TemplateKind]: TemplateKindInfo } = {
  ENVIRONMENT: {
    kind: 'ENVIRONMENT',
    label: 'environment template',
    arnType: 'environment-template',
    opStem: 'EnvironmentTemplate',
    templateMember: 'environmentTemplate',
    versionMember: 'environmentTemplateVersion',
    provisioningMember: 'provisioning',
  },
  SERVICE: {
    kind: 'SERVICE',
    label: 'service template',
    arnType: 'service-template',
    opStem: 'ServiceTemplate',
    templateMember: 'serviceTemplate',
    versionMember: 'serviceTemplateVersion',
    provisioningMember: 'pipelineProvisioning',
  },
};

export function templateKey(kind: TemplateKind, name: string): string {
  return `${kind}:${name}`;
}

export function versionKey(kind: TemplateKind, name: string, major: string, minor: string): string {
  return `${kind}:${name}:${major}.${minor}`;
}

/** `environment template 'web'` */
export function describeTemplateName(kind: TemplateKind, name: string): string {
  return `${KINDS[kind].label} '${name}'`;
}

/** `environment template 'web' version 1.2` */
export function describeVersionName(kind: TemplateKind, name: string, major: string, minor?: string): string {
  return minor === undefined
    ? `${describeTemplateName(kind, name)} major version ${major}`
    : `${describeTemplateName(kind, name)} version ${major}.${minor}`;
}

/** The template, or ResourceNotFoundException. */
export function getTemplate(account: AccountState, kind: TemplateKind, name: string): TemplateRecord {
  const template = account.templates.get(templateKey(kind, name));
  if (!template) throw notFound(`The ${describeTemplateName(kind, name)} does not exist.`);
  return template;
}

/** The template version, or ResourceNotFoundException (naming the template or the version). */
export function getTemplateVersion(account: AccountState, kind: TemplateKind, name: string, major: string, minor: string): TemplateVersionRecord {
  getTemplate(account, kind, name);
  const version = account.templateVersions.get(versionKey(kind, name, major, minor));
  if (!version) throw notFound(`The ${describeVersionName(kind, name, major, minor)} does not exist.`);
  return version;
}

/** The template's versions, ordered by major then minor (numerically). */
export function versionsOf(account: AccountState, kind: TemplateKind, name: string, major?: string): TemplateVersionRecord[] {
  return [...account.templateVersions.values()]
    .filter((v) => v.kind === kind && v.templateName === name && (major === undefined || v.majorVersion === major))
    .sort(compareVersions);
}

export function compareVersions(a: TemplateVersionRecord, b: TemplateVersionRecord): number {
  return Number(a.majorVersion) - Number(b.majorVersion) || Number(a.minorVersion) - Number(b.minorVersion);
}

/** The recommended minor of a major: its highest PUBLISHED minor (undefined when none is published). */
export function recommendedMinorVersion(account: AccountState, kind: TemplateKind, name: string, major: string): string | undefined {
  return versionsOf(account, kind, name, major).filter((v) => v.status === 'PUBLISHED').pop()?.minorVersion;
}

/**
 * The template's recommended version `M.m`: the highest major with a PUBLISHED version, and that
 * major's highest PUBLISHED minor; undefined when nothing is published.
 */
export function recommendedVersion(account: AccountState, kind: TemplateKind, name: string): string | undefined {
  const latest = versionsOf(account, kind, name).filter((v) => v.status === 'PUBLISHED').pop();
  return latest ? `${latest.majorVersion}.${latest.minorVersion}` : undefined;
}

/**
 * The version a resource is created or updated with: `minor` omitted means the recommended minor
 * of `major`. The version must be PUBLISHED (ValidationException otherwise); a missing template,
 * major or minor is ResourceNotFoundException.
 */
export function resolveTemplateVersion(
  account: AccountState, kind: TemplateKind, name: string, major: string, minor?: string,
): TemplateVersionRecord {
  if (minor !== undefined) {
    const version = getTemplateVersion(account, kind, name, major, minor);
    if (version.status !== 'PUBLISHED') {
      throw validation(`The ${describeVersionName(kind, name, major, minor)} is ${version.status}; only PUBLISHED versions can be used. `
        + `Publish it with Update${KINDS[kind].opStem}Version (status PUBLISHED) once it is DRAFT.`);
    }
    return version;
  }
  getTemplate(account, kind, name);
  const inMajor = versionsOf(account, kind, name, major);
  if (inMajor.length === 0) throw notFound(`The ${describeVersionName(kind, name, major)} does not exist.`);
  const recommended = recommendedMinorVersion(account, kind, name, major);
  if (recommended === undefined) {
    const found = inMajor.map((v) => `${v.majorVersion}.${v.minorVersion} ${v.status}`).join(', ');
    throw validation(`The ${describeVersionName(kind, name, major)} has no PUBLISHED minor version (${found}); `
      + `publish one with Update${KINDS[kind].opStem}Version or give a published minor version.`);
  }
  return account.templateVersions.get(versionKey(kind, name, major, recommended))!;
}

/**
 * Keys (`templateKey` / `versionKey`) of templates and versions deleted in each account, so that
 * retrying a delete succeeds with an empty response while deleting a name that never existed is
 * ResourceNotFoundException (§6.3). A new resource with the same key clears the mark.
 */
const deletedKeys = new WeakMap<AccountState, Set<string>>();

export function markDeleted(account: AccountState, key: string): void {
  let keys = deletedKeys.get(account);
  if (!keys) deletedKeys.set(account, keys = new Set());
  keys.add(key);
}

export function clearDeleted(account: AccountState, key: string): void {
  deletedKeys.get(account)?.delete(key);
}

export function wasDeleted(account: AccountState, key: string): boolean {
  return deletedKeys.get(account)?.has(key) ?? false;
}
