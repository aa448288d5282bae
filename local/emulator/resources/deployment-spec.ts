import {
  formatSpecErrors, InputTypeKey, parseEnvironmentSpec, parseServiceSpec, ServiceSpec, SpecParseResult, validateSpec,
} from '../../../src/private/spec-schema';
import { validation } from '../core/errors';
import type { TemplateVersionRecord } from '../core/store';

/**
 * The spec documents deployments are made from (proton-api.md §8.5), parsed by the shared
 * `parseEnvironmentSpec` / `parseServiceSpec` of `src/private/spec-schema.ts` (the library checks
 * specs with the same rules at synth time): `proton: EnvironmentSpec` with the inputs under
 * `spec:`, and `proton: ServiceSpec` with `instances:` (each `{name, environment, spec}`) and an
 * optional `pipeline:`. Inputs are validated against the template version's schema; every error
 * names its path in the spec document.
 */

export type Inputs = { readonly [name: string]: unknown };

/**
 * Parses an EnvironmentSpec and checks its inputs against the version's schema; returns the
 * inputs with the schema's defaults applied.
 */
export function requireEnvironmentSpec(spec: string, version: TemplateVersionRecord): Inputs {
  const { inputs } = requireParsed(parseEnvironmentSpec(spec));
  return checkInputs(version, 'environment_input_type', inputs, 'spec');
}

/** Parses a ServiceSpec (shape only; inputs are checked per instance/pipeline by the callers). */
export function requireServiceSpec(spec: string): ServiceSpec {
  return requireParsed(parseServiceSpec(spec));
}

/** Checks one instance's inputs of a ServiceSpec against the service template version. */
export function checkInstanceInputs(spec: ServiceSpec, index: number, version: TemplateVersionRecord): void {
  checkInputs(version, 'service_input_type', spec.instances[index].inputs, `instances[${index}].spec`);
}

/** Checks the `pipeline:` inputs of a ServiceSpec against the service template version. */
export function checkPipelineInputs(spec: ServiceSpec, version: TemplateVersionRecord): void {
  checkInputs(version, 'pipeline_input_type', spec.pipeline ?? {}, 'pipeline');
}

/** The parsed spec, or a ValidationException listing the problems with their paths. */
function requireParsed<T>(result: SpecParseResult<T>): T {
  if (result.value !== undefined) return result.value;
  const [first] = result.errors;
  // Document-level errors (not YAML, not a mapping) are whole sentences; others name a path.
  if (result.errors.length === 1 && first.path === '') throw validation(first.message);
  throw validation(`The spec is invalid: ${formatSpecErrors(result.errors)}.`);
}

function checkInputs(version: TemplateVersionRecord, key: InputTypeKey, inputs: Inputs, path: string): Inputs {
  const schema = version.schema ?? version.bundle?.schema;
  if (schema === undefined) return inputs;
  const { errors, withDefaults } = validateSpec(schema, key, inputs, path);
  if (errors.length > 0) {
    throw validation(`The spec is invalid for template ${version.templateName} version ${version.majorVersion}.${version.minorVersion}: ${formatSpecErrors(errors)}`);
  }
  return withDefaults;
}
