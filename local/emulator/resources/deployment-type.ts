import { getTemplateVersion, recommendedVersion, resolveTemplateVersion } from './template-common';
import { validation } from '../core/errors';
import type { AccountState, TemplateKind, TemplateVersionRecord } from '../core/store';

export interface VersionedResource {
  readonly templateName: string;
  readonly templateMajorVersion: string;
  readonly templateMinorVersion: string;
}

export interface VersionUpdateInput {
  readonly deploymentType: 'NONE' | 'CURRENT_VERSION' | 'MINOR_VERSION' | 'MAJOR_VERSION';
  readonly spec?: string;
  readonly templateMajorVersion?: string;
  readonly templateMinorVersion?: string;
}

/**
 * The `deploymentType` of UpdateEnvironment / UpdateServiceInstance / UpdateServicePipeline
 * (DeploymentUpdateType, doc):
 * - `NONE`: metadata only, no deployment — spec and version members are refused;
 * - `CURRENT_VERSION`: redeploy the version in use (optionally with a new spec) — version members
 *   are refused;
 * - `MINOR_VERSION`: the recommended minor of the major in use, or the given minor of that major;
 * - `MAJOR_VERSION`: the template's recommended version, or a given higher major (its
 *   recommended minor unless a minor is given).
 * Returns the template version to deploy, or undefined for `NONE`.
 */
export function resolveVersionUpdate(
  account: AccountState,
  kind: TemplateKind,
  description: string,
  current: VersionedResource,
  input: VersionUpdateInput,
): TemplateVersionRecord | undefined {
  const { deploymentType, templateMajorVersion: major, templateMinorVersion: minor } = input;
  const versionGiven = major !== undefined || minor !== undefined;
  const name = current.templateName;
  switch (deploymentType) {
    case 'NONE':
      if (versionGiven || input.spec !== undefined) {
        throw validation(`deploymentType NONE updates metadata only: don't pass spec, templateMajorVersion or templateMinorVersion for ${description}; use CURRENT_VERSION, MINOR_VERSION or MAJOR_VERSION to deploy.`);
      }
      return undefined;
    case 'CURRENT_VERSION':
      if (versionGiven) {
        throw validation(`deploymentType CURRENT_VERSION redeploys ${description} on ${current.templateMajorVersion}.${current.templateMinorVersion}: don't pass templateMajorVersion or templateMinorVersion (use MINOR_VERSION or MAJOR_VERSION to change the version).`);
      }
      return getTemplateVersion(account, kind, name, current.templateMajorVersion, current.templateMinorVersion);
    case 'MINOR_VERSION':
      if (major !== undefined && major !== current.templateMajorVersion) {
        throw validation(`deploymentType MINOR_VERSION keeps major version ${current.templateMajorVersion} of ${description}; templateMajorVersion '${major}' is not allowed (use MAJOR_VERSION).`);
      }
      return resolveTemplateVersion(account, kind, name, current.templateMajorVersion, minor);
    case 'MAJOR_VERSION':
      return resolveMajorUpdate(account, kind, description, current, major, minor);
  }
}

function resolveMajorUpdate(
  account: AccountState,
  kind: TemplateKind,
  description: string,
  current: VersionedResource,
  major: string | undefined,
  minor: string | undefined,
): TemplateVersionRecord {
  const name = current.templateName;
  if (major === undefined) {
    if (minor !== undefined) {
      throw validation(`templateMinorVersion '${minor}' needs templateMajorVersion with deploymentType MAJOR_VERSION for ${description}.`);
    }
    const [recommendedMajor, recommendedMinor] = (recommendedVersion(account, kind, name) ?? '0.0').split('.');
    if (Number(recommendedMajor) <= Number(current.templateMajorVersion)) {
      throw validation(`Template ${name} has no published major version higher than ${current.templateMajorVersion}, which ${description} uses; publish one or use MINOR_VERSION.`);
    }
    return resolveTemplateVersion(account, kind, name, recommendedMajor, recommendedMinor);
  }
  if (Number(major) <= Number(current.templateMajorVersion)) {
    throw validation(`deploymentType MAJOR_VERSION needs a templateMajorVersion higher than ${current.templateMajorVersion} (the one ${description} uses), got '${major}'.`);
  }
  return resolveTemplateVersion(account, kind, name, major, minor);
}
