/**
 * The versions of a template, for both kinds: what the template-version handlers and the template
 * handlers (whose delete removes the versions this stack left behind) read and delete, and
 * Proton's delete order.
 */
import {
  DeleteEnvironmentTemplateVersionCommand,
  DeleteServiceTemplateVersionCommand,
  GetEnvironmentTemplateCommand,
  GetEnvironmentTemplateVersionCommand,
  GetServiceTemplateCommand,
  GetServiceTemplateVersionCommand,
  paginateListEnvironmentTemplateVersions,
  paginateListServiceTemplateVersions,
} from '@aws-sdk/client-proton';
import type { ProtonClient } from '@aws-sdk/client-proton';
import { getOrUndefined } from './engine/name-keyed-create';

/** What the handlers read of a Proton template version (both kinds share these members). */
export interface VersionRecord {
  readonly arn?: string;
  readonly templateName?: string;
  readonly majorVersion?: string;
  readonly minorVersion?: string;
  readonly recommendedMinorVersion?: string;
  readonly status?: string;
  readonly statusMessage?: string;
  readonly description?: string;
}

/** A version's identity, as in its physical id `templateName:M.m`. */
export interface VersionId {
  readonly templateName: string;
  readonly majorVersion: string;
  readonly minorVersion: string;
}

/** Proton's version calls of one template kind. */
export interface TemplateVersionCalls {
  /** `environment template` or `service template`. */
  readonly kind: string;
  get(id: VersionId): Promise<VersionRecord>;
  delete(id: VersionId): Promise<void>;
  /** The versions of `majorVersion`, or one per major without it; none when the template is gone. */
  list(templateName: string, majorVersion?: string): Promise<VersionRecord[]>;
  /** The template's recommended version `M.m` (undefined: none published, or the template is gone). */
  recommendedVersion(templateName: string): Promise<string | undefined>;
}

export function physicalIdOf(id: VersionId): string {
  return `${id.templateName}:${id.majorVersion}.${id.minorVersion}`;
}

const PHYSICAL_ID = /^(.+):(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

export function parsePhysicalId(physicalId: string): VersionId | undefined {
  const match = PHYSICAL_ID.exec(physicalId);
  return match ? { templateName: match[1], majorVersion: match[2], minorVersion: match[3] } : undefined;
}

/** The identity of a version record. */
export function idOf(version: VersionRecord): VersionId {
  return { templateName: version.templateName!, majorVersion: version.majorVersion!, minorVersion: version.minorVersion! };
}

/** Every version of a listing's pages; none when the template is gone (ResourceNotFound). */
async function allVersionsOf(pages: AsyncIterable<{ readonly templateVersions?: VersionRecord[] }>): Promise<VersionRecord[]> {
  return (await getOrUndefined(async () => {
    const versions: VersionRecord[] = [];
    for await (const page of pages) versions.push(...(page.templateVersions ?? []));
    return versions;
  })) ?? [];
}

export function environmentTemplateVersionCalls(proton: ProtonClient): TemplateVersionCalls {
  return {
    kind: 'environment template',
    get: async (id) => (await proton.send(new GetEnvironmentTemplateVersionCommand(id))).environmentTemplateVersion!,
    delete: async (id) => {
      await proton.send(new DeleteEnvironmentTemplateVersionCommand(id));
    },
    list: (templateName, majorVersion) => allVersionsOf(paginateListEnvironmentTemplateVersions({ client: proton }, { templateName, majorVersion })),
    recommendedVersion: async (templateName) => (await getOrUndefined(async () =>
      (await proton.send(new GetEnvironmentTemplateCommand({ name: templateName }))).environmentTemplate))?.recommendedVersion,
  };
}

export function serviceTemplateVersionCalls(proton: ProtonClient): TemplateVersionCalls {
  return {
    kind: 'service template',
    get: async (id) => (await proton.send(new GetServiceTemplateVersionCommand(id))).serviceTemplateVersion!,
    delete: async (id) => {
      await proton.send(new DeleteServiceTemplateVersionCommand(id));
    },
    list: (templateName, majorVersion) => allVersionsOf(paginateListServiceTemplateVersions({ client: proton }, { templateName, majorVersion })),
    recommendedVersion: async (templateName) => (await getOrUndefined(async () =>
      (await proton.send(new GetServiceTemplateCommand({ name: templateName }))).serviceTemplate))?.recommendedVersion,
  };
}

/** Every version (all minors of all majors) of a template, lowest first; none when it is gone. */
export async function allVersions(calls: TemplateVersionCalls, templateName: string): Promise<VersionRecord[]> {
  const all: VersionRecord[] = [];
  for (const major of await calls.list(templateName)) {
    all.push(...await calls.list(templateName, major.majorVersion));
  }
  return all.sort(byVersion);
}

export function byVersion(a: VersionRecord, b: VersionRecord): number {
  return Number(a.majorVersion) - Number(b.majorVersion) || Number(a.minorVersion) - Number(b.minorVersion);
}

/**
 * `versions` of one template in the order Proton deletes them (proton-api.md §6.5): within a
 * major, the minors that are not its recommended one first, then its recommended minor; the major
 * holding the template's recommended version (`templateRecommended`, `M.m`) last.
 */
export function inDeletionOrder(versions: readonly VersionRecord[], templateRecommended: string | undefined): VersionRecord[] {
  const recommendedMajor = templateRecommended?.split('.')[0];
  const rank = (v: VersionRecord) => [
    v.majorVersion === recommendedMajor ? 1 : 0,
    Number(v.majorVersion),
    v.minorVersion === v.recommendedMinorVersion && v.status === 'PUBLISHED' ? 1 : 0,
    Number(v.minorVersion),
  ];
  return [...versions].sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    return ra.map((x, i) => x - rb[i]).find((d) => d !== 0) ?? 0;
  });
}
