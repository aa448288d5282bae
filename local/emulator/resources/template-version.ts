import { isTemplateVersionInUse } from './deployment-engine';
import { paginate } from './pagination';
import { deleteResourceTags, setResourceTags, validateCustomerTags } from './tags';
import {
  clearDeleted, describeTemplateName, describeVersionName, getTemplate, getTemplateVersion, KINDS, markDeleted,
  recommendedMinorVersion, recommendedVersion, templateKey, versionKey, versionsOf, wasDeleted,
} from './template-common';
import { scheduleRegistration } from './template-registration';
import { conflict, notFound, quotaExceeded, validation } from '../core/errors';
import { withClientToken } from '../core/idempotency';
import type { OperationTable, RequestContext } from '../core/runtime';
import { arn, type AccountState, type Tag, type TemplateKind, type TemplateVersionRecord } from '../core/store';

export { getTemplate, getTemplateVersion, recommendedVersion, resolveTemplateVersion } from './template-common';

/**
 * Environment and service template versions (proton-api.md §2, §3, §6):
 * - create (client token, §6.1): no `majorVersion` → new major `(max+1).0`; `majorVersion` →
 *   the next minor of that existing major; REGISTRATION_IN_PROGRESS, then DRAFT or
 *   REGISTRATION_FAILED (template-registration.ts);
 * - update: description any time; status only DRAFT → PUBLISHED; service versions also
 *   compatibleEnvironmentTemplates and supportedComponentSources;
 * - list: without `majorVersion` one entry per major (its recommended minor, else its latest),
 *   with `majorVersion` that major's minors;
 * - delete in the order of §6.5, never while registering or in use, idempotent (§6.3).
 */

/** Template versions per template (ag-limits). */
export const MAX_VERSIONS_PER_TEMPLATE = 1000;

interface CompatibleEnvironmentTemplate { templateName: string; majorVersion: string }

interface CreateVersionInput {
  templateName: string;
  majorVersion?: string;
  description?: string;
  source: { s3: { bucket: string; key: string } };
  clientToken?: string;
  tags?: Tag[];
  compatibleEnvironmentTemplates?: CompatibleEnvironmentTemplate[];
  supportedComponentSources?: string[];
}

interface VersionIdInput { templateName: string; majorVersion: string; minorVersion: string }

interface UpdateVersionInput extends VersionIdInput {
  description?: string;
  status?: string;
  compatibleEnvironmentTemplates?: CompatibleEnvironmentTemplate[];
  supportedComponentSources?: string[];
}

/** The version as the API returns it (`summary`: the List shape, without schema and service members). */
export function describeTemplateVersion(account: AccountState, v: TemplateVersionRecord, summary = false) {
  const common = {
    arn: v.arn,
    createdAt: v.createdAt,
    description: v.description,
    lastModifiedAt: v.lastModifiedAt,
    majorVersion: v.majorVersion,
    minorVersion: v.minorVersion,
    recommendedMinorVersion: recommendedMinorVersion(account, v.kind, v.templateName, v.majorVersion),
    status: v.status,
    statusMessage: v.statusMessage,
    templateName: v.templateName,
  };
  if (summary) return common;
  if (v.kind === 'ENVIRONMENT') return { ...common, schema: v.schema };
  return {
    ...common,
    schema: v.schema,
    compatibleEnvironmentTemplates: v.compatibleEnvironmentTemplates ?? [],
    supportedComponentSources: v.supportedComponentSources,
  };
}

/**
 * Identifies the version a client token created: a version deleted and re-created with the same
 * number is a different version, so a retry of the first request must not return it.
 */
const creationIds = new WeakMap<TemplateVersionRecord, string>();

function createVersion(kind: TemplateKind, input: CreateVersionInput, ctx: RequestContext) {
  const { account } = ctx;
  const member = KINDS[kind].versionMember;
  const { clientToken, ...params } = input;
  return withClientToken(ctx, clientToken, params, () => {
    const template = getTemplate(account, kind, input.templateName);
    validateCustomerTags(input.tags);
    if (kind === 'SERVICE') checkCompatibleEnvironmentTemplates(account, input.compatibleEnvironmentTemplates ?? []);
    const existing = versionsOf(account, kind, template.name);
    if (existing.length >= MAX_VERSIONS_PER_TEMPLATE) {
      throw quotaExceeded(`The ${describeTemplateName(kind, template.name)} already has ${MAX_VERSIONS_PER_TEMPLATE} versions, the quota; delete unused versions first.`);
    }
    const { major, minor } = nextVersionNumber(kind, template.name, input.majorVersion, existing);
    const now = ctx.nowSeconds();
    const version: TemplateVersionRecord = {
      kind,
      templateName: template.name,
      majorVersion: major,
      minorVersion: minor,
      arn: arn(ctx, `${KINDS[kind].arnType}/${template.name}:${major}.${minor}`),
      status: 'REGISTRATION_IN_PROGRESS',
      description: input.description,
      source: { bucket: input.source.s3.bucket, key: input.source.s3.key },
      compatibleEnvironmentTemplates: kind === 'SERVICE' ? copyCompatible(input.compatibleEnvironmentTemplates ?? []) : undefined,
      supportedComponentSources: input.supportedComponentSources,
      createdAt: now,
      lastModifiedAt: now,
    };
    const key = versionKey(kind, template.name, major, minor);
    const creationId = ctx.runtime.newId();
    account.templateVersions.set(key, version);
    creationIds.set(version, creationId);
    clearDeleted(account, key);
    setResourceTags(account, version.arn, input.tags);
    scheduleRegistration(ctx.runtime, account, version);
    return { resourceKey: `${key}#${creationId}`, output: { [member]: describeTemplateVersion(account, version) } };
  }, (resourceKey) => {
    const [key, creationId] = resourceKey.split('#');
    const version = account.templateVersions.get(key);
    return version && creationIds.get(version) === creationId ? { [member]: describeTemplateVersion(account, version) } : undefined;
  });
}

function nextVersionNumber(kind: TemplateKind, name: string, major: string | undefined, existing: TemplateVersionRecord[]) {
  if (major === undefined) {
    const highest = existing.reduce((max, v) => Math.max(max, Number(v.majorVersion)), 0);
    return { major: String(highest + 1), minor: '0' };
  }
  const inMajor = existing.filter((v) => v.majorVersion === major);
  if (inMajor.length === 0) {
    const majors = [...new Set(existing.map((v) => v.majorVersion))];
    throw notFound(`The ${describeVersionName(kind, name, major)} does not exist (existing major versions: ${majors.length > 0 ? majors.join(', ') : 'none'}). `
      + 'Omit majorVersion to create a new major version.');
  }
  return { major, minor: String(Number(inMajor[inMajor.length - 1].minorVersion) + 1) };
}

/**
 * Every compatible environment template must exist with at least one version in the given major
 * (ValidationException: the request names something unusable), and appear only once.
 */
function checkCompatibleEnvironmentTemplates(account: AccountState, entries: CompatibleEnvironmentTemplate[]): void {
  const seen = new Set<string>();
  entries.forEach(({ templateName, majorVersion }, i) => {
    const where = `compatibleEnvironmentTemplates[${i}]`;
    const id = `${templateName}:${majorVersion}`;
    if (seen.has(id)) throw validation(`${where}: environment template '${templateName}' major version ${majorVersion} is listed more than once.`);
    seen.add(id);
    if (!account.templates.has(templateKey('ENVIRONMENT', templateName))) {
      throw validation(`${where}: the environment template '${templateName}' does not exist. Create it (and a version) first.`);
    }
    if (versionsOf(account, 'ENVIRONMENT', templateName, majorVersion).length === 0) {
      throw validation(`${where}: the environment template '${templateName}' has no major version ${majorVersion}.`);
    }
  });
}

function copyCompatible(entries: CompatibleEnvironmentTemplate[]): CompatibleEnvironmentTemplate[] {
  return entries.map(({ templateName, majorVersion }) => ({ templateName, majorVersion }));
}

function updateVersion(kind: TemplateKind, input: UpdateVersionInput, ctx: RequestContext) {
  const { account } = ctx;
  const version = getTemplateVersion(account, kind, input.templateName, input.majorVersion, input.minorVersion);
  const name = describeVersionName(kind, input.templateName, input.majorVersion, input.minorVersion);
  if (input.status !== undefined && !(version.status === 'DRAFT' && input.status === 'PUBLISHED')) {
    throw validation(`Cannot change the status of the ${name} from ${version.status} to ${input.status}: `
      + 'the only status change allowed is DRAFT to PUBLISHED (publish a version once its registration finished).');
  }
  if (kind === 'SERVICE' && input.compatibleEnvironmentTemplates !== undefined) {
    checkCompatibleEnvironmentTemplates(account, input.compatibleEnvironmentTemplates);
    version.compatibleEnvironmentTemplates = copyCompatible(input.compatibleEnvironmentTemplates);
  }
  if (kind === 'SERVICE' && input.supportedComponentSources !== undefined) {
    version.supportedComponentSources = input.supportedComponentSources.length > 0 ? input.supportedComponentSources : undefined;
  }
  if (input.description !== undefined) version.description = input.description;
  if (input.status !== undefined) version.status = 'PUBLISHED';
  version.lastModifiedAt = ctx.nowSeconds();
  return { [KINDS[kind].versionMember]: describeTemplateVersion(account, version) };
}

interface ListVersionsInput { templateName: string; majorVersion?: string; maxResults?: number; nextToken?: string }

function listVersions(kind: TemplateKind, input: ListVersionsInput, ctx: RequestContext) {
  const { account } = ctx;
  getTemplate(account, kind, input.templateName);
  const versions = versionsOf(account, kind, input.templateName, input.majorVersion);
  const listed = input.majorVersion !== undefined ? versions : representativesOfMajors(account, versions);
  const page = paginate(listed, input.maxResults, input.nextToken);
  return { templateVersions: page.items.map((v) => describeTemplateVersion(account, v, true)), nextToken: page.nextToken };
}

/** One version per major: its recommended minor, or its latest minor when none is published. */
function representativesOfMajors(account: AccountState, versions: TemplateVersionRecord[]): TemplateVersionRecord[] {
  const byMajor = new Map<string, TemplateVersionRecord[]>();
  for (const v of versions) byMajor.set(v.majorVersion, [...(byMajor.get(v.majorVersion) ?? []), v]);
  return [...byMajor.values()].map((minors) => {
    const first = minors[0];
    const recommended = recommendedMinorVersion(account, first.kind, first.templateName, first.majorVersion);
    return minors.find((v) => v.minorVersion === recommended) ?? minors[minors.length - 1];
  });
}

function deleteVersion(kind: TemplateKind, input: VersionIdInput, ctx: RequestContext) {
  const { account } = ctx;
  const { templateName: name, majorVersion: major, minorVersion: minor } = input;
  const key = versionKey(kind, name, major, minor);
  const version = account.templateVersions.get(key);
  if (!version) {
    if (wasDeleted(account, key)) return {};
    getTemplate(account, kind, name);
    throw notFound(`The ${describeVersionName(kind, name, major, minor)} does not exist.`);
  }
  assertDeletable(account, version);
  const output = { [KINDS[kind].versionMember]: describeTemplateVersion(account, version) };
  account.templateVersions.delete(key);
  deleteResourceTags(account, version.arn);
  markDeleted(account, key);
  return output;
}

/** The delete rules of §6.5, plus: not while registering, not while deployed resources use it. */
function assertDeletable(account: AccountState, version: TemplateVersionRecord): void {
  const { kind, templateName: name, majorVersion: major, minorVersion: minor } = version;
  const label = describeVersionName(kind, name, major, minor);
  const deleteOp = `Delete${KINDS[kind].opStem}Version`;
  if (version.status === 'REGISTRATION_IN_PROGRESS') {
    throw conflict(`The ${label} is still registering (REGISTRATION_IN_PROGRESS); wait until it is DRAFT or REGISTRATION_FAILED, then delete it.`);
  }
  if (isTemplateVersionInUse(account, kind, name, major, minor)) {
    const users = kind === 'ENVIRONMENT' ? 'environments' : 'service instances or service pipelines';
    throw conflict(`The ${label} is used by ${users}; update them to another version or delete them first.`);
  }
  if (recommendedMinorVersion(account, kind, name, major) !== minor) return;
  const otherMinors = versionsOf(account, kind, name, major).filter((v) => v !== version);
  if (otherMinors.length > 0) {
    throw conflict(`The ${label} is the recommended minor version of major version ${major} and other minor versions of that major exist `
      + `(${otherMinors.map((v) => `${v.majorVersion}.${v.minorVersion}`).join(', ')}); delete them first with ${deleteOp}.`);
  }
  if (recommendedVersion(account, kind, name) !== `${major}.${minor}`) return;
  const others = versionsOf(account, kind, name).filter((v) => v !== version);
  if (others.length > 0) {
    throw conflict(`The ${label} is the recommended version of the ${describeTemplateName(kind, name)} and other versions exist `
      + `(${others.map((v) => `${v.majorVersion}.${v.minorVersion}`).join(', ')}); delete them first with ${deleteOp}.`);
  }
}

function versionOperations(kind: TemplateKind): OperationTable {
  const stem = `${KINDS[kind].opStem}Version`;
  return {
    [`Create${stem}`]: (input: CreateVersionInput, ctx: RequestContext) => createVersion(kind, input, ctx),
    [`Get${stem}`]: (input: VersionIdInput, ctx: RequestContext) => ({
      [KINDS[kind].versionMember]: describeTemplateVersion(ctx.account,
        getTemplateVersion(ctx.account, kind, input.templateName, input.majorVersion, input.minorVersion)),
    }),
    [`List${stem}s`]: (input, ctx: RequestContext) => listVersions(kind, input, ctx),
    [`Update${stem}`]: (input: UpdateVersionInput, ctx: RequestContext) => updateVersion(kind, input, ctx),
    [`Delete${stem}`]: (input: VersionIdInput, ctx: RequestContext) => deleteVersion(kind, input, ctx),
  };
}

export const operations: OperationTable = {
  ...versionOperations('ENVIRONMENT'),
  ...versionOperations('SERVICE'),
};
