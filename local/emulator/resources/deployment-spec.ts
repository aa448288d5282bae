import { formatSpecErrors, InputTypeKey, parseYaml, validateSpec } from '../../../src/private/spec-schema';
import { validation } from '../core/errors';
import type { TemplateVersionRecord } from '../core/store';

/**
 * The spec documents deployments are made from (proton-api.md §8.5): `proton: EnvironmentSpec`
 * with the inputs under `spec:`, and `proton: ServiceSpec` with `instances:` (each
 * `{name, environment, spec}`) and an optional `pipeline:`. Inputs are validated against the
 * template version's schema; every error names its path in the spec document.
 */

export type Inputs = Record<string, unknown>;

export interface ServiceSpecInstance {
  readonly name: string;
  readonly environment: string;
  readonly inputs: Inputs;
}

export interface ServiceSpecDocument {
  readonly instances: ServiceSpecInstance[];
  /** The `pipeline:` inputs; undefined when the spec has no `pipeline:` section. */
  readonly pipeline?: Inputs;
}

/**
 * Parses an EnvironmentSpec and checks its inputs against the version's schema; returns the
 * inputs with the schema's defaults applied.
 */
export function parseEnvironmentSpec(spec: string, version: TemplateVersionRecord): Inputs {
  const doc = parseDocument(spec, 'EnvironmentSpec');
  return checkInputs(version, 'environment_input_type', inputsAt(doc.spec, 'spec'), 'spec');
}

/** Parses a ServiceSpec (shape only; inputs are checked per instance/pipeline by the callers). */
export function parseServiceSpec(spec: string): ServiceSpecDocument {
  const doc = parseDocument(spec, 'ServiceSpec');
  const rawInstances = doc.instances ?? [];
  if (!Array.isArray(rawInstances)) {
    throw validation('The spec is invalid: instances must be a list of {name, environment, spec} entries.');
  }
  const seen = new Set<string>();
  const instances = rawInstances.map((entry: unknown, i: number): ServiceSpecInstance => {
    const path = `instances[${i}]`;
    if (!isMapping(entry) || typeof entry.name !== 'string' || typeof entry.environment !== 'string') {
      throw validation(`The spec is invalid: ${path} must have a string 'name' and a string 'environment'.`);
    }
    if (seen.has(entry.name)) {
      throw validation(`The spec is invalid: ${path}.name '${entry.name}' is listed twice; instance names must be unique.`);
    }
    seen.add(entry.name);
    return { name: entry.name, environment: entry.environment, inputs: inputsAt(entry.spec, `${path}.spec`) };
  });
  const pipeline = doc.pipeline === undefined || doc.pipeline === null ? undefined : inputsAt(doc.pipeline, 'pipeline');
  return { instances, pipeline };
}

/** Checks one instance's inputs of a ServiceSpec against the service template version. */
export function checkInstanceInputs(spec: ServiceSpecDocument, index: number, version: TemplateVersionRecord): void {
  checkInputs(version, 'service_input_type', spec.instances[index].inputs, `instances[${index}].spec`);
}

/** Checks the `pipeline:` inputs of a ServiceSpec against the service template version. */
export function checkPipelineInputs(spec: ServiceSpecDocument, version: TemplateVersionRecord): void {
  checkInputs(version, 'pipeline_input_type', spec.pipeline ?? {}, 'pipeline');
}

function parseDocument(spec: string, kind: 'EnvironmentSpec' | 'ServiceSpec'): Record<string, any> {
  const { value: doc, error } = parseYaml(spec);
  if (error) throw validation(`The spec is not valid YAML: ${error}`);
  if (!isMapping(doc) || doc.proton !== kind) {
    throw validation(`The spec is invalid: proton must be '${kind}' (a YAML document starting with 'proton: ${kind}').`);
  }
  return doc;
}

function inputsAt(value: unknown, path: string): Inputs {
  if (value === undefined || value === null) return {};
  if (!isMapping(value)) {
    throw validation(`The spec is invalid: ${path} must be a mapping of input names to values.`);
  }
  return value;
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

function isMapping(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
