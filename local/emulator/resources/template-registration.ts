import { templateKey, versionKey, versionsOf } from './template-common';
import { isBackwardCompatible, type InputTypeKey } from '../../../src/private/spec-schema';
import {
  formatBundleProblems, ParsedTemplateBundle, SCHEMA_FILE, unpackTemplateBundle, validateTemplateBundle,
} from '../../../src/private/template-bundle-rules';
import type { EmulatorRuntime, ObjectStore } from '../core/runtime';
import type { AccountState, TemplateKind, TemplateRecord, TemplateVersionRecord } from '../core/store';

/**
 * Template version registration (proton-api.md §2, §8): `REGISTRATION_IN_PROGRESS` for the
 * simulated registration duration, then the bundle is read from the emulator's S3 store (at that
 * moment, as Proton copies it when it registers), unpacked, checked with the shared bundle rules
 * (layout, manifests, schema, limits; the IaC files' Jinja is rendered by deployments, when the
 * spec is known — inferred: Proton registers templates whose Jinja only parses as YAML once
 * rendered) and, for a new minor version, checked for schema backward compatibility with the earlier
 * registered minors of its major → `DRAFT`, or `REGISTRATION_FAILED` with a statusMessage that
 * names the bundle and every problem.
 */

const INPUT_TYPE_KEYS_OF: { readonly [kind in TemplateKind]: InputTypeKey[] } = {
  ENVIRONMENT: ['environment_input_type'],
  SERVICE: ['service_input_type', 'pipeline_input_type'],
};

/** Schedules the registration of a just-created version. */
export function scheduleRegistration(runtime: EmulatorRuntime, account: AccountState, version: TemplateVersionRecord): void {
  const key = versionKey(version.kind, version.templateName, version.majorVersion, version.minorVersion);
  runtime.scheduler.after(runtime.scenario.durations.registrationMs, `register ${version.arn}`, () => {
    // Deleted (or replaced by a new version with the same number) meanwhile: nothing to do.
    if (account.templateVersions.get(key) !== version) return;
    // A template cannot be deleted while it has versions.
    const template = account.templates.get(templateKey(version.kind, version.templateName))!;
    const outcome = registerBundle(runtime.s3, template, version, versionsOf(account, version.kind, version.templateName, version.majorVersion));
    if ('bundle' in outcome) {
      version.status = 'DRAFT';
      version.schema = outcome.bundle.schema;
      version.bundle = outcome.bundle;
    } else {
      version.status = 'REGISTRATION_FAILED';
      version.statusMessage = outcome.failure;
    }
    version.lastModifiedAt = runtime.clock.nowMs() / 1000;
  });
}

/**
 * Fetches, unpacks and checks the bundle of `version`.
 *
 * @param sameMajor the versions of the version's major (for the backward-compatibility check)
 */
export function registerBundle(
  s3: ObjectStore,
  template: TemplateRecord,
  version: TemplateVersionRecord,
  sameMajor: readonly TemplateVersionRecord[],
): { bundle: ParsedTemplateBundle } | { failure: string } {
  const { bucket, key } = version.source;
  const location = `s3://${bucket}/${key}`;
  const object = s3.get(bucket, key);
  if (!object) {
    const why = s3.hasBucket(bucket) ? `there is no object with key '${key}' in bucket '${bucket}'` : `the bucket '${bucket}' does not exist`;
    return { failure: `Could not read the template bundle ${location}: ${why}. Upload the bundle, then create a new template version.` };
  }
  let files: Map<string, Buffer>;
  try {
    files = unpackTemplateBundle(object.body);
  } catch (e) {
    return { failure: `The template bundle ${location} could not be unpacked: ${(e as Error).message}` };
  }
  // The IaC files' content is rendered (and so checked) by each deployment, with its spec.
  const result = validateTemplateBundle(files, {
    templateType: template.kind,
    customerManaged: template.kind === 'ENVIRONMENT' && template.provisioning === 'CUSTOMER_MANAGED',
    hasPipeline: template.kind === 'SERVICE' && template.provisioning !== 'CUSTOMER_MANAGED',
  }, { checkIac: false });
  if (!result.parsed) return { failure: `The template bundle ${location} is invalid: ${formatBundleProblems(result.problems)}` };
  const incompatible = sameMajor
    .filter((v) => Number(v.minorVersion) < Number(version.minorVersion) && v.schema !== undefined)
    .flatMap((v) => isBackwardCompatible(v.schema!, result.parsed!.schema, INPUT_TYPE_KEYS_OF[template.kind])
      .map((problem) => `${problem} (compared with version ${v.majorVersion}.${v.minorVersion})`));
  if (incompatible.length > 0) {
    return {
      failure: `The template bundle ${location} is invalid: ${SCHEMA_FILE}: the schema of a minor version must be backward compatible `
        + `with the earlier minor versions of major version ${version.majorVersion}, but ${incompatible.join('; ')}. `
        + 'Create a new major version instead (omit majorVersion).',
    };
  }
  return { bundle: result.parsed };
}
