/**
 * CloudFormation intrinsic functions and pseudo parameters, evaluated the way CloudFormation does
 * when it provisions a resource. Only the functions the CDK emits for this library's stacks are
 * supported; anything else fails with a message naming the function and where it was found.
 */

/** A template construct the runner cannot evaluate, or a reference that cannot be satisfied. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Marks a value removed by `Ref: AWS::NoValue` (dropped from the enclosing object or list). */
const NO_VALUE = Symbol('AWS::NoValue');

export interface PseudoParameters {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly urlSuffix: string;
  readonly stackName: string;
  readonly stackId: string;
}

/** What the evaluator needs from the stack being deployed. */
export interface ResolveContext {
  readonly pseudo: PseudoParameters;
  readonly mappings: Record<string, Record<string, Record<string, unknown>>>;
  /** The value of a template parameter; undefined when `name` is not a parameter. */
  parameter(name: string): unknown;
  /** The value of a named condition. */
  condition(name: string): boolean;
  /** `Ref` of a resource (its physical id). */
  ref(logicalId: string): string;
  /** `Fn::GetAtt` of a resource. */
  getAtt(logicalId: string, attribute: string): unknown;
  /** `Fn::ImportValue`: an export of another deployed stack. */
  importValue(name: string): string;
}

const PSEUDO: Record<string, (p: PseudoParameters) => string> = {
  'AWS::AccountId': (p) => p.accountId,
  'AWS::Region': (p) => p.region,
  'AWS::Partition': (p) => p.partition,
  'AWS::URLSuffix': (p) => p.urlSuffix,
  'AWS::StackName': (p) => p.stackName,
  'AWS::StackId': (p) => p.stackId,
};

/** Intrinsics whose dependencies `referencedResources` understands (and `resolve` evaluates). */
const SUPPORTED = [
  'Ref', 'Fn::GetAtt', 'Fn::Join', 'Fn::Sub', 'Fn::Select', 'Fn::Split', 'Fn::If', 'Fn::Equals',
  'Fn::Not', 'Fn::And', 'Fn::Or', 'Condition', 'Fn::FindInMap', 'Fn::ImportValue', 'Fn::GetAZs',
];

/** Resolves every intrinsic in `value`; `where` names the location for error messages. */
export function resolve(value: unknown, ctx: ResolveContext, where: string): unknown {
  const result = evaluate(value, ctx, where);
  return result === NO_VALUE ? undefined : result;
}

function evaluate(value: unknown, ctx: ResolveContext, where: string): unknown {
  if (Array.isArray(value)) {
    return value.map((v, i) => evaluate(v, ctx, `${where}[${i}]`)).filter((v) => v !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const record = value as Record<string, unknown>;
  if (keys.length === 1 && isIntrinsicName(keys[0])) {
    return evaluateIntrinsic(keys[0], record[keys[0]], ctx, `${where}.${keys[0]}`);
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const v = evaluate(record[key], ctx, `${where}.${key}`);
    if (v !== NO_VALUE) out[key] = v;
  }
  return out;
}

function isIntrinsicName(key: string): boolean {
  return key === 'Ref' || key === 'Condition' || key.startsWith('Fn::');
}

function evaluateIntrinsic(name: string, arg: unknown, ctx: ResolveContext, where: string): unknown {
  switch (name) {
    case 'Ref':
      return evaluateRef(expectString(arg, where), ctx);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = getAttArgs(arg, where);
      return ctx.getAtt(logicalId, asString(evaluate(attribute, ctx, where), where));
    }
    case 'Fn::Join': {
      const [delimiter, list] = expectArray(arg, 2, where);
      const items = evaluate(list, ctx, where);
      if (!Array.isArray(items)) throw new TemplateError(`${where}: Fn::Join needs a list, got ${JSON.stringify(items)}.`);
      return items.map((item) => asString(item, where)).join(expectString(delimiter, where));
    }
    case 'Fn::Sub':
      return evaluateSub(arg, ctx, where);
    case 'Fn::Select': {
      const [index, list] = expectArray(arg, 2, where);
      const items = evaluate(list, ctx, where);
      const i = Number(evaluate(index, ctx, where));
      if (!Array.isArray(items) || !Number.isInteger(i) || i < 0 || i >= items.length) {
        throw new TemplateError(`${where}: Fn::Select index ${i} is out of range for ${JSON.stringify(items)}.`);
      }
      return items[i];
    }
    case 'Fn::Split': {
      const [delimiter, source] = expectArray(arg, 2, where);
      return asString(evaluate(source, ctx, where), where).split(expectString(delimiter, where));
    }
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = expectArray(arg, 3, where);
      return evaluate(ctx.condition(expectString(condition, where)) ? whenTrue : whenFalse, ctx, where);
    }
    case 'Fn::FindInMap': {
      const [map, top, second] = expectArray(arg, 3, where).map((a) => asString(evaluate(a, ctx, where), where));
      const found = ctx.mappings[map]?.[top]?.[second];
      if (found === undefined) throw new TemplateError(`${where}: Fn::FindInMap found no value at ${map}.${top}.${second}.`);
      return found;
    }
    case 'Fn::ImportValue':
      return ctx.importValue(asString(evaluate(arg, ctx, where), where));
    case 'Fn::GetAZs': {
      // The region's zones ('' is the stack's region). Stand-in names: a, b and c of the region (inferred, not AWS's list).
      const region = asString(evaluate(arg, ctx, where), where) || ctx.pseudo.region;
      return ['a', 'b', 'c'].map((zone) => `${region}${zone}`);
    }
    case 'Condition':
      return ctx.condition(expectString(arg, where));
    case 'Fn::Equals':
    case 'Fn::Not':
    case 'Fn::And':
    case 'Fn::Or':
      return evaluateCondition({ [name]: arg }, ctx, where);
    default:
      throw new TemplateError(
        `${where}: the local runner does not support the intrinsic function ${name} (supported: ${SUPPORTED.join(', ')}).`,
      );
  }
}

/** Evaluates a condition expression (the values of the template's `Conditions` section). */
export function evaluateCondition(expr: unknown, ctx: ResolveContext, where: string): boolean {
  if (typeof expr === 'boolean') return expr;
  if (expr === null || typeof expr !== 'object' || Array.isArray(expr) || Object.keys(expr).length !== 1) {
    throw new TemplateError(`${where}: ${JSON.stringify(expr)} is not a condition expression.`);
  }
  const [name, arg] = Object.entries(expr)[0];
  switch (name) {
    case 'Fn::Equals': {
      const [a, b] = expectArray(arg, 2, where).map((x) => evaluate(x, ctx, where));
      return JSON.stringify(a) === JSON.stringify(b);
    }
    case 'Fn::Not':
      return !evaluateCondition(expectArray(arg, 1, where)[0], ctx, where);
    case 'Fn::And':
      return (arg as unknown[]).every((c) => evaluateCondition(c, ctx, where));
    case 'Fn::Or':
      return (arg as unknown[]).some((c) => evaluateCondition(c, ctx, where));
    case 'Condition':
      return ctx.condition(expectString(arg, where));
    default:
      throw new TemplateError(`${where}: ${name} is not a condition function (use Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition).`);
  }
}

function evaluateRef(name: string, ctx: ResolveContext): unknown {
  if (name === 'AWS::NoValue') return NO_VALUE;
  const pseudo = PSEUDO[name];
  if (pseudo) return pseudo(ctx.pseudo);
  if (name.startsWith('AWS::')) {
    throw new TemplateError(`Ref ${name}: unsupported pseudo parameter (supported: ${Object.keys(PSEUDO).join(', ')}, AWS::NoValue).`);
  }
  return ctx.parameter(name) ?? ctx.ref(name);
}

const SUB_PATTERN = /\$\{([^}]*)\}/g;

function evaluateSub(arg: unknown, ctx: ResolveContext, where: string): string {
  const [template, variables] = typeof arg === 'string' ? [arg, {}] : expectArray(arg, 2, where);
  const vars = evaluate(variables, ctx, where) as Record<string, unknown>;
  return expectString(template, where).replace(SUB_PATTERN, (_match, expr: string) => {
    if (expr.startsWith('!')) return `\${${expr.slice(1)}}`;
    if (expr in vars) return asString(vars[expr], where);
    const dot = expr.indexOf('.');
    if (dot > 0 && !expr.startsWith('AWS::')) return asString(ctx.getAtt(expr.slice(0, dot), expr.slice(dot + 1)), where);
    return asString(evaluateRef(expr, ctx), where);
  });
}

/**
 * The logical ids of the resources `value` refers to (Ref, Fn::GetAtt, Fn::Sub variables), i.e.
 * the resources that must exist before it can be resolved. `known` is the set of resource ids.
 */
export function referencedResources(value: unknown, known: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(visit);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    for (const [key, arg] of Object.entries(v)) {
      if (key === 'Ref' && typeof arg === 'string' && known.has(arg)) found.add(arg);
      if (key === 'Fn::GetAtt') {
        const target = Array.isArray(arg) ? arg[0] : typeof arg === 'string' ? arg.split('.')[0] : undefined;
        if (typeof target === 'string' && known.has(target)) found.add(target);
      }
      if (key === 'Fn::Sub') {
        const template = typeof arg === 'string' ? arg : Array.isArray(arg) ? arg[0] : undefined;
        for (const match of typeof template === 'string' ? template.matchAll(SUB_PATTERN) : []) {
          const target = match[1].split('.')[0];
          if (known.has(target)) found.add(target);
        }
      }
      visit(arg);
    }
  };
  visit(value);
  return found;
}

function getAttArgs(arg: unknown, where: string): [string, unknown] {
  if (typeof arg === 'string') {
    const dot = arg.indexOf('.');
    if (dot > 0) return [arg.slice(0, dot), arg.slice(dot + 1)];
  }
  const [logicalId, attribute] = expectArray(arg, 2, where);
  return [expectString(logicalId, where), attribute];
}

function expectArray(arg: unknown, length: number, where: string): unknown[] {
  if (!Array.isArray(arg) || arg.length !== length) {
    throw new TemplateError(`${where}: expected a list of ${length} arguments, got ${JSON.stringify(arg)}.`);
  }
  return arg;
}

function expectString(arg: unknown, where: string): string {
  if (typeof arg !== 'string') throw new TemplateError(`${where}: expected a string, got ${JSON.stringify(arg)}.`);
  return arg;
}

function asString(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(`${where}: expected a string value, got ${JSON.stringify(value)}.`);
}
