/**
 * Spec documents at synth time: rendering (tokens included) and checking inputs against a
 * template schema, shared by the constructs that deploy from templates.
 */
import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { stringify } from 'yaml';
import { InputTypeKey, SpecError, validateSpec } from './spec-schema';

/**
 * Renders a spec document: YAML when every value is known at synth, else JSON (YAML's subset)
 * built by `Stack.toJsonString`, which quotes each token's value correctly at deploy time.
 */
export function renderSpecDocument(scope: IConstruct, document: { [key: string]: unknown }): string {
  if (!containsToken(document)) {
    return stringify(document);
  }
  return Stack.of(scope).toJsonString(document);
}

/**
 * Checks inputs against a template schema's input type (types, required, enums, patterns,
 * lengths, bounds; defaults count as given). Values that are tokens are skipped, not guessed.
 *
 * @returns the problems, each naming its path (`spec.vpc_cidr must match ...`)
 */
export function checkSpecInputs(
  schemaYaml: string,
  inputTypeKey: InputTypeKey,
  inputs: { [name: string]: unknown },
  pathPrefix: string,
): SpecError[] {
  const tokenPaths = new Set<string>();
  collectTokenPaths(inputs, pathPrefix, tokenPaths);
  const { errors } = validateSpec(schemaYaml, inputTypeKey, inputs, pathPrefix);
  return errors.filter((e) => ![...tokenPaths].some((p) => e.path === p || e.path.startsWith(`${p}.`) || e.path.startsWith(`${p}[`)));
}

/** Whether a value holds a token anywhere. */
export function containsToken(value: unknown): boolean {
  if (Token.isUnresolved(value)) return true;
  if (Array.isArray(value)) return value.some(containsToken);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsToken);
  return false;
}

function collectTokenPaths(value: unknown, path: string, into: Set<string>): void {
  if (Token.isUnresolved(value)) {
    into.add(path);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => collectTokenPaths(item, `${path}[${i}]`, into));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) collectTokenPaths(item, path ? `${path}.${key}` : key, into);
  }
}
