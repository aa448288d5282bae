/**
 * Template version numbers in the cloudformation backend, resolved at synth: what Proton assigns
 * to the versions of a fresh template registered in declaration order — a version without
 * `majorVersion` is the next major version's `.0`, one with `majorVersion: 'M'` the next minor of
 * M (https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateEnvironmentTemplateVersion.html:
 * "To create a new minor version ... include major Version. To create a new major and minor
 * version, don't include major version."). The recommended version of a major version is its
 * highest published minor; the template's is that of its highest major version having one.
 */
import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

interface NumberedVersion {
  readonly version: IConstruct;
  readonly major: number;
  readonly minor: number;
  readonly published: boolean;
}

const NUMBERED = new WeakMap<IConstruct, NumberedVersion[]>();

/** Numbers the next version of `template` (declared in the app, in declaration order). */
export function numberVersion(
  template: IConstruct, version: IConstruct, what: string, majorVersion: string | undefined, published: boolean,
): { major: string; minor: string } {
  const versions = NUMBERED.get(template) ?? [];
  NUMBERED.set(template, versions);
  let major: number;
  if (majorVersion === undefined) {
    major = Math.max(0, ...versions.map((v) => v.major)) + 1;
  } else {
    if (Token.isUnresolved(majorVersion)) {
      throw new Error(`${what}: majorVersion is a token; the cloudformation backend numbers versions at synth: give the major version's number, `
        + 'or the majorVersion of a version declared before this one (e.g. majorVersion: v1.majorVersion).');
    }
    major = Number(majorVersion);
    if (!versions.some((v) => v.major === major)) {
      throw new Error(`${what}: majorVersion '${majorVersion}' of template '${template.node.path}' has no version declared before this one, `
        + 'so Proton would refuse a minor version of it. Declare its first version (addVersion without majorVersion) first.');
    }
  }
  const minor = Math.max(-1, ...versions.filter((v) => v.major === major).map((v) => v.minor)) + 1;
  versions.push({ version, major, minor, published });
  return { major: String(major), minor: String(minor) };
}

/**
 * The recommended version of `template` (`M.m`), or of its major version `major` (the minor), as
 * numbered at synth; undefined when no version of it is published.
 */
export function recommendedVersion(template: IConstruct, major?: string): { major: string; minor: string } | undefined {
  const published = (NUMBERED.get(template) ?? []).filter((v) => v.published && (major === undefined || String(v.major) === major));
  if (published.length === 0) return undefined;
  const highestMajor = Math.max(...published.map((v) => v.major));
  const minor = Math.max(...published.filter((v) => v.major === highestMajor).map((v) => v.minor));
  return { major: String(highestMajor), minor: String(minor) };
}

/** Whether versions of `template` were numbered at synth (it is a template of this app in the cloudformation backend). */
export function hasNumberedVersions(template: IConstruct): boolean {
  return NUMBERED.has(template);
}

/** The version of `template` numbered `major.minor` at synth (`minor` defaults to the major version's recommended one). */
export function numberedVersion(template: IConstruct, major: string, minor?: string): IConstruct | undefined {
  const wanted = minor ?? recommendedVersion(template, major)?.minor;
  return (NUMBERED.get(template) ?? []).find((v) => String(v.major) === major && String(v.minor) === wanted)?.version;
}
