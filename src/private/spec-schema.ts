/**
 * Proton template schemas (`schema/schema.yaml`, an OpenAPI 3.0 "Schema Object" subset) and spec
 * files (`proton: EnvironmentSpec` / `proton: ServiceSpec`): parsing, spec validation with
 * defaults, and the backward-compatibility rule for minor template versions.
 *
 * Shared by the emulator (registration, deployments) and the construct library (synth-time
 * checks), so it depends only on `yaml` and `ajv`.
 */
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';

/** The schema keys that name the input type of an environment, a service instance or a pipeline. */
export type InputTypeKey = 'environment_input_type' | 'service_input_type' | 'pipeline_input_type';

export const INPUT_TYPE_KEYS: readonly InputTypeKey[] = ['environment_input_type', 'service_input_type', 'pipeline_input_type'];

/** The OpenAPI keywords a property schema may use; each is enforced when a spec is validated. */
const VALIDATED_KEYWORDS = [
  'type', 'properties', 'required', 'default', 'pattern', 'enum', 'minLength', 'maxLength',
  'minimum', 'maximum', 'items', 'minItems', 'maxItems',
] as const;
/** Annotation keywords that are accepted and not enforced. */
const ANNOTATION_KEYWORDS = ['description', 'title', 'example', 'format'] as const;
const PROPERTY_TYPES = ['string', 'number', 'integer', 'boolean', 'array', 'object'];

/** A parsed YAML mapping. */
export type JsonObject = { [key: string]: unknown };

/** One input type of a template schema (a `schema.types` entry referenced by an input type key). */
export interface InputType {
  readonly name: string;
  /** Property name -> OpenAPI property schema, as written. */
  readonly properties: { readonly [name: string]: JsonObject };
  readonly required: readonly string[];
}

export interface TemplateSchema {
  /** The input types the schema declares, by input type key. */
  readonly inputTypes: { readonly [key in InputTypeKey]?: InputType };
}

export interface ParsedTemplateSchema {
  /** Present when `problems` is empty. */
  readonly schema?: TemplateSchema;
  /** Each problem starts with the location in the schema file, e.g. `schema.types.SvcInput.required: ...`. */
  readonly problems: string[];
}

/** A problem in a spec; `path` locates the value (`spec.vpc_cidr`, `instances[0].spec.port`, or '' for the document). */
export interface SpecError {
  readonly path: string;
  readonly message: string;
}

/** Renders spec errors as one line each: `instances[0].spec.port must be <= 65535`. */
export function formatSpecErrors(errors: readonly SpecError[]): string {
  return errors.map((e) => (e.path ? `${e.path} ${e.message}` : e.message)).join('; ');
}

/**
 * Parses YAML text; returns the value or the first syntax error with its position. Silent: a
 * collection used as a mapping key (unquoted Jinja such as `Key: {{ x }}`) becomes its string form
 * without the `yaml` package's process warning; errors are returned, never logged.
 */
export function parseYaml(text: string): { value?: unknown; error?: string } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter, logLevel: 'error' });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const { line, col } = lineCounter.linePos(e.pos[0]);
    return { error: `${e.message.split('\n')[0]} (line ${line}, column ${col})` };
  }
  return { value: doc.toJS() };
}

/** Whether a parsed YAML value is a mapping (not a list, not a scalar, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Parses and checks a template schema: `schema.format.openapi: "3.0.0"`, a `schema.types`
 * mapping, every declared `*_input_type` defined in `types` as `type: object` with valid
 * property schemas, `required` naming existing properties, defaults matching their schema.
 * Which input type keys a template needs is checked by the bundle rules.
 */
export function parseTemplateSchema(schemaYaml: string): ParsedTemplateSchema {
  const { value, error } = parseYaml(schemaYaml);
  if (error) return { problems: [`is not valid YAML: ${error}`] };
  if (!isObject(value) || !isObject(value.schema)) {
    return { problems: ["must have a top-level 'schema' mapping (schema.format, schema.types and the *_input_type keys)"] };
  }
  const root = value.schema;
  const problems: string[] = [];
  const openapi = isObject(root.format) ? root.format.openapi : undefined;
  if (openapi !== '3.0.0') {
    problems.push(`schema.format.openapi must be "3.0.0" (found ${describeValue(openapi)})`);
  }
  const types = root.types;
  if (!isObject(types)) {
    problems.push(`schema.types must be a mapping of type names to object schemas (found ${describeValue(types)})`);
    return { problems };
  }
  const inputTypes: { [key in InputTypeKey]?: InputType } = {};
  for (const key of INPUT_TYPE_KEYS) {
    const typeName = root[key];
    if (typeName === undefined) continue;
    if (typeof typeName !== 'string' || typeName.length === 0) {
      problems.push(`schema.${key} must be the name of a type in schema.types (found ${describeValue(typeName)})`);
      continue;
    }
    if (!(typeName in types)) {
      problems.push(`schema.${key} '${typeName}' is not defined in schema.types`);
      continue;
    }
    const inputType = checkInputType(typeName, types[typeName], problems);
    if (inputType) inputTypes[key] = inputType;
  }
  return problems.length > 0 ? { problems } : { schema: { inputTypes }, problems };
}

function checkInputType(name: string, definition: unknown, problems: string[]): InputType | undefined {
  const where = `schema.types.${name}`;
  if (!isObject(definition)) {
    problems.push(`${where} must be a mapping with 'type: object' and 'properties' (found ${describeValue(definition)})`);
    return undefined;
  }
  if (definition.type !== 'object') {
    problems.push(`${where}.type must be 'object' (found ${describeValue(definition.type)})`);
  }
  const properties = definition.properties ?? {};
  if (!isObject(properties)) {
    problems.push(`${where}.properties must be a mapping of input names to property schemas (found ${describeValue(properties)})`);
    return undefined;
  }
  const required = definition.required ?? [];
  if (!Array.isArray(required) || !required.every((r) => typeof r === 'string')) {
    problems.push(`${where}.required must be a list of property names (found ${describeValue(required)})`);
    return undefined;
  }
  for (const r of required as string[]) {
    if (!(r in properties)) problems.push(`${where}.required names '${r}', which is not a property of ${name}`);
  }
  const checked: { [name: string]: JsonObject } = {};
  for (const [prop, schema] of Object.entries(properties)) {
    const before = problems.length;
    checkPropertySchema(`${where}.properties.${prop}`, schema, problems);
    if (problems.length === before) checked[prop] = schema as JsonObject;
  }
  return { name, properties: checked, required: required as string[] };
}

function checkPropertySchema(where: string, schema: unknown, problems: string[]): void {
  const before = problems.length;
  if (!isObject(schema)) {
    problems.push(`${where} must be a mapping with at least 'type' (found ${describeValue(schema)})`);
    return;
  }
  const known = new Set<string>([...VALIDATED_KEYWORDS, ...ANNOTATION_KEYWORDS]);
  for (const keyword of Object.keys(schema)) {
    if (!known.has(keyword)) {
      problems.push(`${where}: keyword '${keyword}' is not supported (supported: ${[...VALIDATED_KEYWORDS, ...ANNOTATION_KEYWORDS].join(', ')})`);
    }
  }
  if (typeof schema.type !== 'string' || !PROPERTY_TYPES.includes(schema.type)) {
    problems.push(`${where}.type must be one of ${PROPERTY_TYPES.join(', ')} (found ${describeValue(schema.type)})`);
    return;
  }
  if (typeof schema.pattern === 'string') {
    try {
      new RegExp(schema.pattern, 'u');
    } catch (e) {
      problems.push(`${where}.pattern '${schema.pattern}' is not a valid regular expression: ${(e as Error).message}`);
      return;
    }
  }
  if (schema.type === 'array' && !isObject(schema.items)) {
    problems.push(`${where}.items is required when type is array`);
    return;
  }
  if (isObject(schema.items)) checkPropertySchema(`${where}.items`, schema.items, problems);
  if (isObject(schema.properties)) {
    for (const [prop, sub] of Object.entries(schema.properties)) checkPropertySchema(`${where}.properties.${prop}`, sub, problems);
  }
  if (problems.length > before) return;
  let validate: ValidateFunction;
  try {
    validate = propertyAjv.compile(toJsonSchema(schema));
  } catch (e) {
    problems.push(`${where} is not a valid schema: ${(e as Error).message}`);
    return;
  }
  if (schema.default !== undefined && !validate(schema.default)) {
    problems.push(`${where}.default does not match the property's own schema: ${describeAjvErrors(validate.errors ?? [])}`);
  }
}

function describeAjvErrors(errors: ErrorObject[]): string {
  return errors.map((e) => `${e.instancePath ? e.instancePath + ' ' : ''}${errorMessage(e)}`).join(', ');
}

/** Checks property schemas and their defaults. */
const propertyAjv = new Ajv({ allErrors: true, strict: true });
/** Validates spec inputs, filling in defaults. */
const specAjv = new Ajv({ allErrors: true, useDefaults: true, strict: true });

/** OpenAPI property schema -> JSON Schema for ajv (annotation keywords dropped, `description` kept). */
function toJsonSchema(schema: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const keyword of [...VALIDATED_KEYWORDS, 'description']) {
    const v = schema[keyword];
    if (v === undefined) continue;
    if (keyword === 'items' && isObject(v)) {out.items = toJsonSchema(v);} else if (keyword === 'properties' && isObject(v)) {
      out.properties = Object.fromEntries(Object.entries(v).map(([k, sub]) => [k, toJsonSchema(sub as JsonObject)]));
    } else {out[keyword] = v;}
  }
  return out;
}

function inputTypeJsonSchema(inputType: InputType): JsonObject {
  return {
    type: 'object',
    properties: Object.fromEntries(Object.entries(inputType.properties).map(([k, s]) => [k, toJsonSchema(s)])),
    required: [...inputType.required],
    additionalProperties: false,
  };
}

const validatorCache = new Map<string, { validate: ValidateFunction; inputType: InputType }>();
const VALIDATOR_CACHE_LIMIT = 200;

function inputTypeValidator(schemaYaml: string, inputTypeKey: InputTypeKey) {
  const cacheKey = `${inputTypeKey}\n${schemaYaml}`;
  const cached = validatorCache.get(cacheKey);
  if (cached) return cached;
  const parsed = parseTemplateSchema(schemaYaml);
  if (!parsed.schema) throw new Error(`The template schema is invalid: ${parsed.problems.join('; ')}`);
  const inputType = parsed.schema.inputTypes[inputTypeKey];
  if (!inputType) return undefined;
  const entry = { validate: specAjv.compile(inputTypeJsonSchema(inputType)), inputType };
  if (validatorCache.size >= VALIDATOR_CACHE_LIMIT) validatorCache.clear();
  validatorCache.set(cacheKey, entry);
  return entry;
}

/**
 * Validates spec inputs against the schema's input type and fills in defaults.
 *
 * @param schemaYaml the template version's schema (already accepted by `parseTemplateSchema`)
 * @param inputTypeKey which input type the inputs are for
 * @param specInputs the inputs (the `spec:` mapping, an instance's `spec`, or `pipeline:`)
 * @param pathPrefix how error paths start (`spec`, `instances[0].spec`, `pipeline`)
 * @returns errors (empty when valid) and a copy of the inputs with defaults applied
 */
export function validateSpec(
  schemaYaml: string,
  inputTypeKey: InputTypeKey,
  specInputs: unknown,
  pathPrefix: string = 'spec',
): { errors: SpecError[]; withDefaults: { [name: string]: unknown } } {
  const inputs = specInputs ?? {};
  if (!isObject(inputs)) {
    return { errors: [{ path: pathPrefix, message: `must be a mapping of input names to values (found ${describeValue(inputs)})` }], withDefaults: {} };
  }
  const entry = inputTypeValidator(schemaYaml, inputTypeKey);
  if (!entry) {
    const errors = Object.keys(inputs).length > 0
      ? [{ path: pathPrefix, message: `has inputs, but the template schema declares no ${inputTypeKey}` }]
      : [];
    return { errors, withDefaults: {} };
  }
  const withDefaults = structuredClone(inputs);
  if (entry.validate(withDefaults)) return { errors: [], withDefaults };
  const errors = (entry.validate.errors ?? []).map((e) => specError(e, pathPrefix, entry.inputType));
  return { errors, withDefaults };
}

function specError(e: ErrorObject, prefix: string, inputType: InputType): SpecError {
  const path = e.instancePath.split('/').slice(1).reduce(joinPath, prefix);
  if (e.keyword === 'required') {
    return { path: joinPath(path, e.params.missingProperty), message: `is required by ${inputType.name} and has no default` };
  }
  if (e.keyword === 'additionalProperties' && e.instancePath === '') {
    const known = Object.keys(inputType.properties);
    return {
      path: joinPath(path, e.params.additionalProperty),
      message: `is not an input of ${inputType.name} (inputs: ${known.length > 0 ? known.join(', ') : 'none'})`,
    };
  }
  return { path, message: errorMessage(e) };
}

/** `spec` + `port` -> `spec.port`; `items` + `0` -> `items[0]`; '' + `port` -> `port`. */
function joinPath(prefix: string, segment: string): string {
  if (/^\d+$/.test(segment)) return `${prefix}[${segment}]`;
  return prefix ? `${prefix}.${segment}` : segment;
}

function errorMessage(e: ErrorObject): string {
  const p = e.params as { [k: string]: unknown };
  switch (e.keyword) {
    case 'type': return `must be of type ${p.type}`;
    case 'enum': return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern': return `must match the pattern ${p.pattern}`;
    case 'minLength': return `must be at least ${p.limit} characters long`;
    case 'maxLength': return `must be at most ${p.limit} characters long`;
    case 'minimum': case 'maximum': return `must be ${p.comparison} ${p.limit}`;
    case 'minItems': return `must have at least ${p.limit} items`;
    case 'maxItems': return `must have at most ${p.limit} items`;
    case 'required': return `must have the property '${p.missingProperty}'`;
    default: return e.message ?? `fails the ${e.keyword} rule`;
  }
}

/** An environment spec: `proton: EnvironmentSpec` and the inputs under `spec:`. */
export interface EnvironmentSpec {
  readonly inputs: { readonly [name: string]: unknown };
}

/** One entry of a service spec's `instances:`. */
export interface ServiceInstanceSpec {
  readonly name: string;
  readonly environment: string;
  readonly inputs: { readonly [name: string]: unknown };
}

/** A service spec: `proton: ServiceSpec`, `instances:` and optional `pipeline:` inputs. */
export interface ServiceSpec {
  readonly instances: readonly ServiceInstanceSpec[];
  readonly pipeline?: { readonly [name: string]: unknown };
}

export interface SpecParseResult<T> {
  /** Present when `errors` is empty. */
  readonly value?: T;
  readonly errors: SpecError[];
}

const NAME_PATTERN = /^[0-9A-Za-z]+[0-9A-Za-z_-]*$/;

function parseSpecDocument(specYaml: string, header: string, allowedKeys: string[]): { doc?: JsonObject; errors: SpecError[] } {
  const { value, error } = parseYaml(specYaml);
  if (error) return { errors: [{ path: '', message: `The spec is not valid YAML: ${error}` }] };
  if (!isObject(value)) return { errors: [{ path: '', message: `The spec must be a YAML mapping starting with 'proton: ${header}' (found ${describeValue(value)})` }] };
  const errors: SpecError[] = [];
  if (value.proton !== header) errors.push({ path: 'proton', message: `must be '${header}' (found ${describeValue(value.proton)})` });
  for (const key of Object.keys(value)) {
    if (!allowedKeys.includes(key)) errors.push({ path: key, message: `is not allowed in a ${header} (allowed keys: ${allowedKeys.join(', ')})` });
  }
  return { doc: value, errors };
}

function inputsAt(value: unknown, path: string, errors: SpecError[]): { [name: string]: unknown } {
  if (value === undefined || value === null) return {};
  if (isObject(value)) return value;
  errors.push({ path, message: `must be a mapping of input names to values (found ${describeValue(value)})` });
  return {};
}

/** Parses an environment spec (`proton: EnvironmentSpec`, optional `spec:` mapping). */
export function parseEnvironmentSpec(specYaml: string): SpecParseResult<EnvironmentSpec> {
  const { doc, errors } = parseSpecDocument(specYaml, 'EnvironmentSpec', ['proton', 'spec']);
  if (!doc) return { errors };
  const inputs = inputsAt(doc.spec, 'spec', errors);
  return errors.length > 0 ? { errors } : { value: { inputs }, errors };
}

/** Parses a service spec (`proton: ServiceSpec`, `instances: [{name, environment, spec}]`, optional `pipeline:`). */
export function parseServiceSpec(specYaml: string): SpecParseResult<ServiceSpec> {
  const { doc, errors } = parseSpecDocument(specYaml, 'ServiceSpec', ['proton', 'instances', 'pipeline']);
  if (!doc) return { errors };
  const instances: ServiceInstanceSpec[] = [];
  if (!Array.isArray(doc.instances)) {
    errors.push({ path: 'instances', message: `must be a list of {name, environment, spec} entries (found ${describeValue(doc.instances)})` });
  } else {
    const seen = new Map<string, number>();
    doc.instances.forEach((entry: unknown, i: number) => {
      const at = `instances[${i}]`;
      if (!isObject(entry)) {
        errors.push({ path: at, message: `must be a mapping with name, environment and spec (found ${describeValue(entry)})` });
        return;
      }
      for (const key of Object.keys(entry)) {
        if (!['name', 'environment', 'spec'].includes(key)) errors.push({ path: `${at}.${key}`, message: 'is not allowed (allowed keys: name, environment, spec)' });
      }
      const { name, environment } = entry;
      if (typeof name !== 'string' || !NAME_PATTERN.test(name) || name.length > 100) {
        errors.push({ path: `${at}.name`, message: `must be a resource name of 1-100 letters, digits, '_' and '-' starting with a letter or digit (found ${describeValue(name)})` });
      } else if (seen.has(name)) {
        errors.push({ path: `${at}.name`, message: `'${name}' is already used by instances[${seen.get(name)}]` });
      } else {
        seen.set(name, i);
      }
      if (typeof environment !== 'string' || environment.length === 0) {
        errors.push({ path: `${at}.environment`, message: `must be the name of an environment (found ${describeValue(environment)})` });
      }
      const inputs = inputsAt(entry.spec, `${at}.spec`, errors);
      instances.push({ name: String(name), environment: String(environment), inputs });
    });
  }
  const pipeline = doc.pipeline === undefined ? undefined : inputsAt(doc.pipeline, 'pipeline', errors);
  if (errors.length > 0) return { errors };
  return { value: pipeline === undefined ? { instances } : { instances, pipeline }, errors };
}

/**
 * The backward-compatibility rule for a new minor version: compared with `oldSchemaYaml`, the new
 * schema must keep every input type key and every input with its type, and must not require an
 * input (new or existing) that has no default.
 *
 * @returns the incompatibilities (empty = compatible)
 */
export function isBackwardCompatible(oldSchemaYaml: string, newSchemaYaml: string, inputTypeKeys: readonly InputTypeKey[]): string[] {
  const before = parseTemplateSchema(oldSchemaYaml).schema;
  const after = parseTemplateSchema(newSchemaYaml).schema;
  if (!before || !after) throw new Error('isBackwardCompatible needs two valid template schemas');
  const problems: string[] = [];
  for (const key of inputTypeKeys) {
    const oldType = before.inputTypes[key];
    const newType = after.inputTypes[key];
    if (!oldType) continue;
    if (!newType) {
      problems.push(`schema.${key} was removed`);
      continue;
    }
    for (const [prop, oldSchema] of Object.entries(oldType.properties)) {
      const newSchema = newType.properties[prop];
      if (!newSchema) {
        problems.push(`input '${prop}' of ${key} was removed`);
      } else if (newSchema.type !== oldSchema.type) {
        problems.push(`input '${prop}' of ${key} changed type from ${oldSchema.type} to ${newSchema.type}`);
      }
    }
    for (const prop of newType.required) {
      if (oldType.required.includes(prop) || newType.properties[prop]?.default !== undefined) continue;
      problems.push(prop in oldType.properties
        ? `input '${prop}' of ${key} became required without a default`
        : `new input '${prop}' of ${key} is required and has no default`);
    }
  }
  return problems;
}
