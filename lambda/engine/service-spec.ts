/**
 * Proton's `proton: ServiceSpec` documents as the handlers write and read them: composed from
 * per-instance inputs (JSON texts in the properties, tokens already resolved by CloudFormation),
 * and read back from what Proton deployed, for comparison.
 */
import type { ServicePipeline } from '@aws-sdk/client-proton';
import { parse, stringify } from 'yaml';
import { failure } from './errors';

export type Inputs = Record<string, unknown>;

/** Parses a JSON object of inputs; `property` names it in the error (`<type> property <name>`). */
export function parseInputs(text: string, property: string): Inputs {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw failure(`${property} must be a JSON object of inputs.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw failure(`${property} must be a JSON object of inputs.`);
  }
  return value as Inputs;
}

/** Proton's `proton: ServiceSpec` document. */
export function specDocument(instances: ReadonlyArray<{ Name: string; Environment: string; inputs: Inputs }>, pipeline: Inputs | undefined): string {
  return stringify({
    proton: 'ServiceSpec',
    ...pipeline !== undefined ? { pipeline } : {},
    instances: instances.map((i) => ({ name: i.Name, environment: i.Environment, spec: i.inputs })),
  });
}

/** The inputs of instance `name` in a deployed ServiceSpec document (undefined: no such entry). */
export function instanceInputsIn(spec: string | undefined, name: string): Inputs | undefined {
  const doc = spec === undefined ? undefined : parse(spec);
  const entry = (doc?.instances ?? []).find((i: { name?: string }) => i?.name === name);
  return entry?.spec ?? (entry ? {} : undefined);
}

/** The `pipeline:` inputs a pipeline was deployed with. */
export function pipelineInputsIn(pipeline: ServicePipeline): Inputs {
  const doc = pipeline.spec === undefined ? undefined : parse(pipeline.spec);
  return doc?.pipeline ?? {};
}

/** Inputs as canonical JSON (sorted keys), for comparison. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v));
}
