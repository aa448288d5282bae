/**
 * One interpreter for every operation's input and output, driven by the generated model.
 *
 * From the model: which members exist, `required`, string length `min`/`max`, `pattern`, `enum`,
 * list sizes, integer ranges, unions, `sensitive`.
 * From AWS documentation / observed AWS responses: the ValidationException message format
 * (`N validation error(s) detected: Value '<v>' at '<path>' failed to satisfy constraint: <rule>`,
 * entries joined by `; `, list elements addressed as `<list>.<1-based index>.member`), and the
 * SerializationException for a member of the wrong JSON type.
 * Inferred (documented decisions):
 * - unknown input members are ignored and dropped before the handler sees the input (Smithy's
 *   awsJson rule for forward compatibility; the SDKs never send them);
 * - a sensitive member's value is left out of the message (`Value at 'spec' ...`), as AWS services
 *   do for sensitive members;
 * - `pattern` is a regular-expression search, not implicitly anchored (Smithy semantics); the
 *   model's patterns carry their own anchors;
 * - per member, length is checked before pattern, then enum;
 * - a union with zero or several members set is a SerializationException.
 * Outputs (strict mode) are checked for shape only: known members, JSON types, required members,
 * enum values, timestamps as epoch-second numbers — never lengths or patterns.
 */
import { validation } from './errors';
import { MODEL, ModelShape } from './model';
import { serialization } from './protocol-errors';

type Mode = 'input' | 'output';

interface Walk {
  readonly mode: Mode;
  readonly violations: string[];
}

const patternCache = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(pattern);
    patternCache.set(pattern, re);
  }
  return re;
}

function shapeOf(name: string): ModelShape {
  const shape = MODEL.shapes[name];
  if (!shape) throw new Error(`Shape ${name} is not in the model.`);
  return shape;
}

function render(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(render).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${k}=${render(v)}`).join(', ')}}`;
  }
  return String(value);
}

function violation(walk: Walk, path: string, value: unknown, sensitive: boolean, rule: string): void {
  const shown = value === null ? 'Value null' : sensitive ? 'Value' : `Value '${render(value)}'`;
  walk.violations.push(`${shown} at '${path}' failed to satisfy constraint: ${rule}`);
}

function typeError(walk: Walk, path: string, expected: string, value: unknown): never {
  const found = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  const message = `Expected ${expected} at '${path}', found ${found}.`;
  if (walk.mode === 'output') throw new OutputMismatch(message);
  throw serialization(message);
}

class OutputMismatch extends Error {}

function checkLength(walk: Walk, shape: ModelShape, path: string, value: unknown, length: number, sensitive: boolean) {
  if (walk.mode === 'output') return;
  if (shape.min !== undefined && length < shape.min) {
    violation(walk, path, value, sensitive, `Member must have length greater than or equal to ${shape.min}`);
  }
  if (shape.max !== undefined && length > shape.max) {
    violation(walk, path, value, sensitive, `Member must have length less than or equal to ${shape.max}`);
  }
}

/** Returns the value with unknown structure members removed. */
function walkValue(walk: Walk, shapeName: string, value: unknown, path: string, inheritedSensitive: boolean): unknown {
  const shape = shapeOf(shapeName);
  const sensitive = inheritedSensitive || !!shape.sensitive;
  switch (shape.type) {
    case 'structure':
      return walkStructure(walk, shape, value, path, sensitive);
    case 'list': {
      if (!Array.isArray(value)) typeError(walk, path, 'a list', value);
      checkLength(walk, shape, path, value, value.length, sensitive);
      return value.map((element, i) => {
        const elementPath = `${path}.${i + 1}.member`;
        if (element === null) {
          if (walk.mode === 'output') throw new OutputMismatch(`Null list element at '${elementPath}'.`);
          violation(walk, elementPath, null, sensitive, 'Member must not be null');
          return element;
        }
        return walkValue(walk, shape.member!, element, elementPath, sensitive);
      });
    }
    case 'string': {
      if (typeof value !== 'string') typeError(walk, path, 'a string', value);
      checkLength(walk, shape, path, value, value.length, sensitive);
      if (walk.mode === 'input' && shape.pattern !== undefined && !regex(shape.pattern).test(value)) {
        violation(walk, path, value, sensitive, `Member must satisfy regular expression pattern: ${shape.pattern}`);
      }
      if (shape.enum && !shape.enum.includes(value)) {
        if (walk.mode === 'output') throw new OutputMismatch(`'${value}' at '${path}' is not one of [${shape.enum.join(', ')}].`);
        violation(walk, path, value, sensitive, `Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
      }
      return value;
    }
    case 'integer':
    case 'long': {
      if (typeof value !== 'number' || !Number.isInteger(value)) typeError(walk, path, 'an integer', value);
      if (walk.mode === 'input' && shape.min !== undefined && value < shape.min) {
        violation(walk, path, value, sensitive, `Member must have value greater than or equal to ${shape.min}`);
      }
      if (walk.mode === 'input' && shape.max !== undefined && value > shape.max) {
        violation(walk, path, value, sensitive, `Member must have value less than or equal to ${shape.max}`);
      }
      return value;
    }
    case 'double':
      if (typeof value !== 'number') typeError(walk, path, 'a number', value);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') typeError(walk, path, 'a boolean', value);
      return value;
    case 'timestamp':
      if (typeof value !== 'number' || !Number.isFinite(value)) typeError(walk, path, 'a timestamp (epoch seconds)', value);
      return value;
    default:
      throw new Error(`Shape type ${shape.type} of ${shapeName} is not supported by the validator.`);
  }
}

function walkStructure(walk: Walk, shape: ModelShape, value: unknown, path: string, sensitive: boolean): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) typeError(walk, path || 'input', 'a structure', value);
  const input = value as Record<string, unknown>;
  const members = shape.members ?? {};
  const prefix = path ? `${path}.` : '';
  if (walk.mode === 'output') {
    const unknown = Object.keys(input).filter((k) => !(k in members));
    if (unknown.length) throw new OutputMismatch(`Unknown member(s) ${unknown.map((k) => `'${prefix}${k}'`).join(', ')}.`);
  }
  const out: Record<string, unknown> = {};
  const setMembers: string[] = [];
  for (const [name, target] of Object.entries(members)) {
    const memberValue = input[name];
    if (memberValue === undefined || memberValue === null) {
      if (shape.required?.includes(name)) {
        if (walk.mode === 'output') throw new OutputMismatch(`Required member '${prefix}${name}' is missing.`);
        violation(walk, `${prefix}${name}`, null, false, 'Member must not be null');
      }
      continue;
    }
    setMembers.push(name);
    out[name] = walkValue(walk, target, memberValue, `${prefix}${name}`, sensitive);
  }
  if (shape.union && setMembers.length !== 1) {
    const message = `Union '${path}' must have exactly one of [${Object.keys(members).join(', ')}] set, found ${setMembers.length}.`;
    if (walk.mode === 'output') throw new OutputMismatch(message);
    throw serialization(message);
  }
  return out;
}

function operationModel(operation: string) {
  const op = MODEL.operations[operation];
  if (!op) throw new Error(`Operation ${operation} is not in the model.`);
  return op;
}

/**
 * Validates a request body against the operation's input shape. Returns the input with unknown
 * members removed; throws a ValidationException listing every violation, or a
 * SerializationException for a member of the wrong JSON type.
 */
export function validateInput(operation: string, input: unknown): Record<string, unknown> {
  const walk: Walk = { mode: 'input', violations: [] };
  const cleaned = walkValue(walk, operationModel(operation).input, input, '', false) as Record<string, unknown>;
  const n = walk.violations.length;
  if (n > 0) {
    throw validation(`${n} validation error${n === 1 ? '' : 's'} detected: ${walk.violations.join('; ')}`);
  }
  return cleaned;
}

/**
 * Checks a handler's output against the operation's output shape (strict mode). Returns a
 * description of the first mismatch, or undefined when the output conforms.
 */
export function validateOutput(operation: string, output: unknown): string | undefined {
  const walk: Walk = { mode: 'output', violations: [] };
  try {
    walkValue(walk, operationModel(operation).output, output, '', false);
    return undefined;
  } catch (e) {
    if (e instanceof OutputMismatch) return e.message;
    throw e;
  }
}
