/**
 * The filters of Proton's Jinja that nunjucks does not provide, or provides with other semantics:
 *
 * - Jinja2 built-ins used by public Proton templates: `tojson` (nunjucks has only `dump`), and
 *   `truncate` with Jinja2's signature `truncate(length=255, killwords=False, end='...',
 *   leeway=5)` — the result, ellipsis included, is at most `length` long (nunjucks appends `end`
 *   after `length` characters); aws-samples/aws-proton-cloudformation-sample-templates'
 *   loadbalanced-fargate-svc writes `truncate(29, true, 'zzz', 0)` for a 32-character name limit.
 * - Other Jinja2 built-ins nunjucks lacks: `format`, `items`, `map`, `min`, `max`, `unique`,
 *   `count`, `attr`, and `indent` with Jinja2's rule that blank lines are not indented.
 * - Proton's CloudFormation filters, with the behaviour the Proton user guide documents
 *   (https://docs.aws.amazon.com/proton/latest/userguide/parameter-filters.html):
 *   `proton_cfn_ecs_task_definition_formatted_env_vars`, `proton_cfn_lambda_function_formatted_env_vars`,
 *   `proton_cfn_iam_policy_arns`, `proton_cfn_sanitize`.
 *
 * How the three formatting filters lay their YAML out is inferred: the guide shows each rendered
 * as block YAML continuing the indentation of the `{{` that starts its line (for
 * `proton_cfn_iam_policy_arns`, list items continuing a list). Here, a filter result printed by a
 * `{{ }}` that starts its line is written that way; printed anywhere else it is written as flow
 * YAML (`[{"Name": "A", "Value": "b"}]`), which is the same value on one line.
 */
import { pyJsonDumps, pyStr, isPlainObject } from './python';

/** Proton's validation rule for `raw=False` and `proton_cfn_sanitize` (user guide). */
const SAFE_VALUE = /^[a-zA-Z0-9_-]*$/;
/** An ARN: `arn:partition:service:region:account:resource` (region and account may be empty). Inferred. */
const ARN = /^arn:[a-z0-9-]+:[a-zA-Z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$/;
/** `proton_cfn_iam_policy_arns` keeps the values matching this (user guide). */
const IAM_POLICY_ARN = /^arn:[a-zA-Z-]+:iam::\d{12}:policy\//;

/** YAML produced by a filter, written as a block where the print allows it, else as flow YAML. */
export class BlockYaml {
  constructor(private readonly blockLines: readonly string[], private readonly flow: string, private readonly emptyBlock: string) {}

  /** The text at a print: block lines joined at `indent` (the column of `{{`), or flow YAML when `indent` is -1. */
  public render(indent: number): string {
    if (indent < 0) return this.flow;
    if (this.blockLines.length === 0) return this.emptyBlock;
    return this.blockLines.join(`\n${' '.repeat(indent)}`);
  }

  /** Further filters (`| indent`, `~`) see the flow form. */
  public toString(): string {
    return this.flow;
  }
}

type Filter = (this: unknown, input: any, ...args: any[]) => unknown;

/** A quoted YAML scalar (JSON string syntax is valid double-quoted YAML). */
function q(value: unknown): string {
  return JSON.stringify(pyStr(value));
}

function outputsOf(filter: string, input: unknown): Array<[string, unknown]> {
  if (input === undefined || input === null) return [];
  if (!isPlainObject(input)) {
    throw new Error(`${filter} formats a mapping of outputs (e.g. service_instance.components.default.outputs), got ${describe(input)}`);
  }
  return Object.entries(input);
}

function validateRaw(raw: unknown, value: unknown): void {
  // raw defaults to True; raw=False validates each value (placeholders are checked at deploy time).
  if (raw === false && !isPlaceholder(value) && !SAFE_VALUE.test(pyStr(value))) {
    throw new Error(`Illegal character(s) detected in "${pyStr(value)}". Must match regex ^[a-zA-Z0-9_-]*$`);
  }
}

function isPlaceholder(value: unknown): boolean {
  return typeof value === 'string' && /__CDKPROTON_TOKEN_\d+__/i.test(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'an undefined value';
  if (Array.isArray(value)) return 'a list';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Jinja2's `truncate` (policy `truncate.leeway` = 5). */
function truncate(input: unknown, length = 255, killwords = false, end = '...', leeway?: number): string {
  const text = pyStr(input ?? '');
  const slack = leeway ?? 5;
  if (length < end.length) throw new Error(`expected length >= ${end.length}, got ${length}`);
  if (text.length <= length + slack) return text;
  if (killwords) return text.slice(0, length - end.length) + end;
  const cut = text.slice(0, length - end.length);
  const space = cut.lastIndexOf(' ');
  return (space >= 0 ? cut.slice(0, space) : cut) + end;
}

/** Jinja2's `indent(width=4, first=False, blank=False)`: blank lines stay blank unless `blank`. */
function indentFilter(input: unknown, width: number | string = 4, first = false, blank = false): string {
  const pad = typeof width === 'number' ? ' '.repeat(width) : width;
  return pyStr(input ?? '').split('\n').map((line, i) => {
    if (i === 0 && !first) return line;
    if (line.trim() === '' && !blank) return line;
    return pad + line;
  }).join('\n');
}

/** Python's `%` formatting for `%s`, `%r`, `%d`, `%i`, `%f` (with precision) and `%%`. */
function format(input: unknown, ...args: unknown[]): string {
  let i = 0;
  return pyStr(input).replace(/%(\.\d+)?([srdif%])/g, (_whole, precision: string | undefined, conversion: string) => {
    if (conversion === '%') return '%';
    if (i >= args.length) throw new Error(`not enough arguments for format string '${pyStr(input)}'`);
    const arg = args[i++];
    switch (conversion) {
      case 's': return pyStr(arg);
      case 'r': return typeof arg === 'string' ? `'${arg}'` : pyStr(arg);
      case 'd': case 'i': return String(Math.trunc(Number(arg)));
      default: return Number(arg).toFixed(precision ? Number(precision.slice(1)) : 6);
    }
  });
}

function attribute(item: unknown, name: string): unknown {
  return name.split('.').reduce<unknown>((value, key) => (value === undefined || value === null ? undefined : (value as any)[key]), item);
}

export const FILTERS: { readonly [name: string]: Filter } = {
  tojson: (input: unknown, indentBy?: number) => pyJsonDumps(input, indentBy),
  truncate,
  indent: indentFilter,
  format,
  items: (input: unknown) => (input === undefined || input === null ? [] : Object.entries(input as object)),
  count: (input: unknown) => (Array.isArray(input) || typeof input === 'string' ? input.length : isPlainObject(input) ? Object.keys(input).length : 0),
  attr: (input: unknown, name: string) => attribute(input, name),
  map(this: unknown, input: unknown, ...args: any[]) {
    const list = Array.isArray(input) ? input : isPlainObject(input) ? Object.keys(input) : [];
    const kwargs = args.length > 0 && isPlainObject(args[args.length - 1]) && (args[args.length - 1] as any).__keywords ? args.pop() : undefined;
    if (kwargs && typeof kwargs.attribute === 'string') {
      return list.map((item) => attribute(item, kwargs.attribute) ?? kwargs.default);
    }
    const [name, ...filterArgs] = args;
    const env = (this as { env: { getFilter(n: string): Filter } }).env;
    const filter = env.getFilter(String(name));
    return list.map((item) => filter.call(this, item, ...filterArgs));
  },
  unique: (input: unknown) => [...new Set(Array.isArray(input) ? input : [])],
  min: (input: unknown) => (Array.isArray(input) && input.length > 0 ? input.reduce((a, b) => (b < a ? b : a)) : undefined),
  max: (input: unknown) => (Array.isArray(input) && input.length > 0 ? input.reduce((a, b) => (b > a ? b : a)) : undefined),

  proton_cfn_ecs_task_definition_formatted_env_vars(input: unknown, raw: unknown = true) {
    const entries = outputsOf('proton_cfn_ecs_task_definition_formatted_env_vars', input);
    entries.forEach(([, value]) => validateRaw(raw, value));
    return new BlockYaml(
      entries.map(([key, value]) => `- Name: ${q(key)}\n  Value: ${q(value)}`).flatMap((item) => item.split('\n')),
      `[${entries.map(([key, value]) => `{"Name": ${q(key)}, "Value": ${q(value)}}`).join(', ')}]`,
      '[]',
    );
  },
  proton_cfn_lambda_function_formatted_env_vars(input: unknown, raw: unknown = true) {
    const entries = outputsOf('proton_cfn_lambda_function_formatted_env_vars', input);
    entries.forEach(([, value]) => validateRaw(raw, value));
    return new BlockYaml(
      entries.map(([key, value]) => `${q(key)}: ${q(value)}`),
      `{${entries.map(([key, value]) => `${q(key)}: ${q(value)}`).join(', ')}}`,
      '{}',
    );
  },
  proton_cfn_iam_policy_arns(input: unknown) {
    // A value known only at deploy time is kept (assumed to be a policy ARN): the selection is Proton's, at deploy time.
    const arns = outputsOf('proton_cfn_iam_policy_arns', input).map(([, value]) => pyStr(value)).filter((value) => IAM_POLICY_ARN.test(value) || isPlaceholder(value));
    return new BlockYaml(arns.map((arn) => `- ${q(arn)}`), `[${arns.map(q).join(', ')}]`, '');
  },
  proton_cfn_sanitize(input: unknown) {
    const text = pyStr(input);
    if (!isPlaceholder(text) && !SAFE_VALUE.test(text) && !ARN.test(text)) {
      throw new Error(`Illegal character(s) detected in "${text}". Must match regex ^[a-zA-Z0-9_-]*$ or be a valid ARN`);
    }
    return text;
  },
};

/**
 * Filters that may receive values holding placeholders (deploy-time values) because their result
 * does not depend on those values, only carries them (the validating filters check them when the
 * values are known; `proton_cfn_iam_policy_arns` keeps them, as if they were policy ARNs): 'any' = anywhere in the input;
 * 'collection' = inside a list or mapping, but not as the input itself (the length of a list is
 * known, the length of a deploy-time string is not). Any other filter on a placeholder is a
 * decision on a deploy-time value.
 */
export const STRUCTURAL_FILTERS: { readonly [name: string]: 'any' | 'collection' | undefined } = {
  default: 'any',
  d: 'any',
  string: 'any',
  safe: 'any',
  tojson: 'any',
  join: 'any',
  indent: 'any',
  proton_cfn_ecs_task_definition_formatted_env_vars: 'any',
  proton_cfn_lambda_function_formatted_env_vars: 'any',
  proton_cfn_sanitize: 'any',
  proton_cfn_iam_policy_arns: 'any',
  list: 'collection',
  first: 'collection',
  last: 'collection',
  length: 'collection',
  count: 'collection',
  items: 'collection',
  batch: 'collection',
  slice: 'collection',
  reverse: 'collection',
};

/**
 * Filters whose result, for an input holding a stand-in (a name rendered as a placeholder,
 * `placeholders.ts`), holds it unchanged where the result for the name holds the name — for names
 * matching `STAND_IN_VALUE`, which need no quoting, escaping or indenting: the collection filters
 * above (they move items, and decide on a stand-in that is the input itself) and those that
 * default, print, quote, join or indent it. Any other filter on a stand-in is computed for each
 * name (`proton_cfn_sanitize` validates it; `upper`, `truncate`, `replace` change it).
 */
export const STAND_IN_CARRYING_FILTERS: ReadonlySet<string> = new Set([
  ...Object.keys(STRUCTURAL_FILTERS).filter((name) => STRUCTURAL_FILTERS[name] === 'collection'),
  'default', 'd', 'string', 'safe', 'tojson', 'join', 'indent',
]);
