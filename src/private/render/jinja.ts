/**
 * Proton's Jinja: the engine AWS Proton renders CloudFormation IaC files with, on nunjucks (the
 * maintained Jinja2 port for JavaScript), configured and extended where nunjucks differs from
 * Jinja2 so a template renders as Proton renders it:
 *
 * - no autoescaping (Proton renders YAML, not HTML);
 * - nunjucks' Jinja compatibility mode: `True`/`False`/`None`, slices, Python methods on dicts,
 *   lists and strings (`d.items()`, `s.split(',')`, `s.lower()`, ...);
 * - `{{ value }}` prints as Python's `str()` does (`True`, `None`, `['a', 'b']`), not as JavaScript;
 * - printing an undefined value fails the render, naming it, while lookups through undefined
 *   values chain and `default` replaces them — as the Proton user guide describes for
 *   `service_instance.components.default.outputs.<name>` (inferred from
 *   https://docs.aws.amazon.com/proton/latest/userguide/parameter-filters.html, "Provide default
 *   values for nonexistent references");
 * - an unknown filter or test is an error wherever it is written, as Jinja2 reports it when it
 *   compiles the template (nunjucks would only fail when the line runs);
 * - the Jinja2 built-in filters nunjucks lacks or implements differently, and Proton's own
 *   CloudFormation filters (see `filters.ts`).
 *
 * Every template is parsed once into nunjucks' syntax tree, which the renderer reads (the
 * `<namespace>.<...>` paths it references, with their lines) and instruments before compiling it:
 * each print, condition, loop, comparison, operator and filter call goes through a check that
 * knows its line. That is how placeholders (values known only at deploy time, `placeholders.ts`)
 * used in a decision are reported with the file's line, and how every render error names a line.
 * Stand-ins (names rendered as placeholders so that one render serves many resources) are held
 * to more: a filter on one gives a derived stand-in, and a call with one as argument is a decision.
 */
import * as nunjucks from 'nunjucks';
import { BlockYaml, FILTERS, STAND_IN_CARRYING_FILTERS, STRUCTURAL_FILTERS } from './filters';
import { findMarker, findMarkerDeep, findMarkers } from './placeholders';
import { pyStr } from './python';

/* eslint-disable @typescript-eslint/no-require-imports */
// nunjucks' parser, syntax tree, compiler and transformer: documented as internal, stable in 3.x.
const nj = nunjucks as unknown as NunjucksInternals;
const transformer: { transform(ast: AstNode, asyncFilters: string[], name: string): AstNode } = require('nunjucks/src/transformer');
/* eslint-enable @typescript-eslint/no-require-imports */

interface AstNode {
  readonly typename: string;
  readonly fields: readonly string[];
  readonly lineno: number;
  readonly colno: number;
  [field: string]: any;
}

interface NunjucksInternals {
  parser: { parse(src: string, extensions?: unknown[], opts?: object): AstNode };
  nodes: { [type: string]: new (lineno: number, colno: number, ...args: any[]) => AstNode };
  compiler: { Compiler: new (name: string, throwOnUndefined: boolean) => { compile(ast: AstNode): void; getCode(): string } };
  runtime: { memberLookup(obj: unknown, val: unknown, autoescape?: boolean): unknown };
  installJinjaCompat(): void;
}

/**
 * Python's string methods that Jinja2 templates call and nunjucks' compatibility mode lacks
 * (it adds dict and list methods): `s.upper()`, `s.strip()`, `s.startswith('x')`, ...
 */
const STRING_METHODS: { readonly [name: string]: (s: string, ...args: any[]) => unknown } = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  strip: (s, chars?: string) => stripChars(stripChars(s, chars, 'start'), chars, 'end'),
  lstrip: (s, chars?: string) => stripChars(s, chars, 'start'),
  rstrip: (s, chars?: string) => stripChars(s, chars, 'end'),
  startswith: (s, prefix: string) => s.startsWith(prefix),
  endswith: (s, suffix: string) => s.endsWith(suffix),
  replace: (s, old: string, replacement: string) => s.split(old).join(replacement),
  split: (s, separator?: string) => (separator === undefined || separator === null ? s.split(/\s+/).filter((p) => p !== '') : s.split(separator)),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  title: (s) => s.replace(/\w\S*/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()),
  join: (s, items: unknown[]) => items.map((i) => pyStr(i)).join(s),
  isdigit: (s) => /^\d+$/.test(s),
  find: (s, sub: string) => s.indexOf(sub),
  count: (s, sub: string) => (sub === '' ? s.length + 1 : s.split(sub).length - 1),
};

function stripChars(s: string, chars: string | undefined, side: 'start' | 'end'): string {
  const set = chars ?? ' \t\n\r\f\v';
  let start = 0;
  let end = s.length;
  if (side === 'start') while (start < end && set.includes(s[start])) start++;
  else while (end > start && set.includes(s[end - 1])) end--;
  return s.slice(start, end);
}

/** A template problem: a message, and the line (1-based) when it has one. */
export class JinjaError extends Error {
  constructor(message: string, public readonly line?: number) {
    super(message);
    this.name = 'JinjaError';
  }

  /** nunjucks calls `Update(path)` on its own errors: ours keep their message. */
  public Update(): JinjaError {
    return this;
  }

  /** nunjucks' `handleError` keeps errors that already carry a line. */
  public get lineno(): number | undefined {
    return this.line;
  }
}

/** A `namespace.key.key` path the template reads, e.g. `['environment', 'inputs', 'vpc_cidr']`. */
export interface Reference {
  readonly path: readonly string[];
  /** 1-based line. */
  readonly line: number;
}

/** A placeholder printed into the rendered text (a deploy-time value used as a value). */
export interface ValueUse {
  readonly marker: string;
  /** 1-based line of the template. */
  readonly line: number;
}

/**
 * The stand-ins of a render (`placeholders.ts`): markers for values known at synth, replaced by
 * each resource's values once rendered. The render must give, for every value, what rendering
 * with the value gives: a stand-in may be printed, concatenated (`~`) and passed through filters
 * that carry it unchanged (`STAND_IN_CARRYING_FILTERS`); any other filter on it gives a derived
 * stand-in (`derive`); every other use (a decision, a lookup, a method, a call argument) is a
 * decision error, on which the caller renders with the values instead.
 */
export interface StandIns {
  isStandIn(marker: string): boolean;
  /** A derived stand-in for `input | filter(args...)`; `input` holds stand-ins and no other placeholder. */
  derive(filter: string, input: string, args: readonly unknown[]): string;
}

/** What one render produced. */
export interface JinjaRenderResult {
  readonly text: string;
  readonly valueUses: readonly ValueUse[];
}

let compatInstalled = false;

function environment(): nunjucks.Environment {
  if (!compatInstalled) {
    // Patches nunjucks' own runtime (this package bundles its copy): Python literals and methods.
    nj.installJinjaCompat();
    const lookup = nj.runtime.memberLookup;
    nj.runtime.memberLookup = function memberLookup(obj: unknown, val: unknown, autoescape?: boolean) {
      if (typeof obj === 'string' && typeof val === 'string' && Object.prototype.hasOwnProperty.call(STRING_METHODS, val)) {
        return (...args: unknown[]) => STRING_METHODS[val](obj, ...args);
      }
      return lookup.call(this, obj, val, autoescape);
    };
    compatInstalled = true;
  }
  // dev: keep our errors as thrown (with their line) instead of re-wrapping them.
  const created = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: false, dev: true } as nunjucks.ConfigureOptions);
  for (const [name, filter] of Object.entries(FILTERS)) created.addFilter(name, filter);
  created.addGlobal(PRINT, printValue);
  created.addGlobal(CHECK, checkValue);
  created.addGlobal(FILTER, callFilter);
  created.addGlobal(ARGUMENT, checkArgument);
  return created;
}

let sharedEnv: nunjucks.Environment | undefined;
function env(): nunjucks.Environment {
  return sharedEnv ??= environment();
}

const PRINT = '__cdkproton_print';
const CHECK = '__cdkproton_check';
const FILTER = '__cdkproton_filter';
const ARGUMENT = '__cdkproton_argument';

/** Tests that only ask whether a value exists: fine on a placeholder (it exists). */
const EXISTENCE_TESTS = new Set(['defined', 'undefined', 'none', 'null']);

/** A parsed Jinja template, ready to render any number of times. */
export class JinjaTemplate {
  /**
   * Parses `text`; throws a JinjaError with the line of the first syntax error, unknown filter or
   * unknown test.
   */
  public static parse(text: string): JinjaTemplate {
    const cached = TEMPLATE_CACHE.get(text);
    if (cached) return cached;
    const parsed = new JinjaTemplate(text);
    if (TEMPLATE_CACHE.size >= TEMPLATE_CACHE_LIMIT) TEMPLATE_CACHE.clear();
    TEMPLATE_CACHE.set(text, parsed);
    return parsed;
  }

  /** Every `a.b.c` path the template reads (literal keys only), in source order. */
  public readonly references: readonly Reference[];

  private readonly template: nunjucks.Template;

  private constructor(text: string) {
    let ast: AstNode;
    try {
      ast = nj.parser.parse(text, [], {});
    } catch (e) {
      throw syntaxError(e as Error & { lineno?: number }, text);
    }
    const environmentInstance = env();
    this.references = collectReferences(ast);
    checkNames(ast, environmentInstance);
    const lines = text.split('\n');
    const instrumented = instrument(ast, lines);
    const compiler = new nj.compiler.Compiler('template', false);
    compiler.compile(transformer.transform(instrumented, [], 'template'));
    // The compiled module, as nunjucks' own precompiled loader evaluates it.
    const props = new Function(compiler.getCode())();
    this.template = new nunjucks.Template({ type: 'code', obj: props } as unknown as string, environmentInstance, 'template', true);
  }

  /**
   * Renders with `context` (whose stand-ins are `standIns`); throws a JinjaError (with a line when
   * known) when rendering fails.
   */
  public render(context: object, standIns?: StandIns): JinjaRenderResult {
    const state: RenderState = { valueUses: [], standIns };
    const outer = current;
    current = state;
    try {
      const text = this.template.render(context);
      return { text, valueUses: state.valueUses };
    } catch (e) {
      if (e instanceof JinjaError) throw e;
      const err = e as Error & { lineno?: number };
      throw new JinjaError(cleanNunjucksMessage(err.message), err.lineno && err.lineno > 0 ? err.lineno : undefined);
    } finally {
      current = outer;
    }
  }
}

const TEMPLATE_CACHE = new Map<string, JinjaTemplate>();
const TEMPLATE_CACHE_LIMIT = 500;

interface RenderState {
  readonly valueUses: ValueUse[];
  readonly standIns?: StandIns;
}

/** The render in progress (renders are synchronous; nested renders restore the outer state). */
let current: RenderState | undefined;

/** The message of a nunjucks error without its `(path) [Line n, Column m]` prefix. */
function cleanNunjucksMessage(message: string): string {
  return message.replace(/^\([^)]*\)(\s*\[Line \d+, Column \d+\])?\s*/, '').replace(/^Template render error:\s*/, '').trim();
}

function syntaxError(e: Error & { lineno?: number }, text: string): JinjaError {
  const message = cleanNunjucksMessage(e.message);
  // "unexpected end of file" carries no position: it is at the end.
  const line = e.lineno && e.lineno > 0 ? e.lineno : text.split('\n').length;
  return new JinjaError(`Jinja syntax error: ${message}`, line);
}

// ---------------------------------------------------------------------------------------------
// Reading the syntax tree

function children(node: AstNode): AstNode[] {
  const out: AstNode[] = [];
  for (const field of node.fields) {
    const value = node[field];
    if (Array.isArray(value)) value.forEach((v) => isNode(v) && out.push(v));
    else if (isNode(value)) out.push(value);
  }
  return out;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as AstNode).typename === 'string';
}

/** `a.b['c']` → ['a', 'b', 'c']; undefined for anything else (calls, computed keys). */
function pathOf(node: AstNode): string[] | undefined {
  if (node.typename === 'Symbol') return [String(node.value)];
  if (node.typename === 'LookupVal' && node.val.typename === 'Literal' && (typeof node.val.value === 'string' || typeof node.val.value === 'number')) {
    const target = pathOf(node.target);
    return target && [...target, String(node.val.value)];
  }
  return undefined;
}

function collectReferences(root: AstNode): Reference[] {
  const out: Reference[] = [];
  const walk = (node: AstNode) => {
    if (node.typename === 'LookupVal') {
      const path = pathOf(node);
      if (path) {
        out.push({ path, line: node.lineno + 1 });
        return;
      }
    }
    children(node).forEach(walk);
  };
  walk(root);
  return out;
}

/** Unknown filters and tests fail wherever they are written, as Jinja2 reports them at compile time. */
function checkNames(root: AstNode, environmentInstance: nunjucks.Environment): void {
  const walk = (node: AstNode) => {
    if (node.typename === 'Filter') {
      const name = String(node.name.value);
      if (!hasFilter(environmentInstance, name)) {
        throw new JinjaError(`unknown filter '${name}' (Proton's Jinja has the Jinja2 built-in filters and ${Object.keys(FILTERS).filter((f) => f.startsWith('proton_')).join(', ')})`, node.lineno + 1);
      }
    }
    if (node.typename === 'Is') {
      const test = node.right.typename === 'FunCall' ? node.right.name : node.right;
      const name = String(test.value);
      if (!(name in (environmentInstance as unknown as { tests: object }).tests)) {
        throw new JinjaError(`unknown test '${name}'`, node.lineno + 1);
      }
    }
    children(node).forEach(walk);
  };
  walk(root);
}

function hasFilter(environmentInstance: nunjucks.Environment, name: string): boolean {
  return name in (environmentInstance as unknown as { filters: object }).filters;
}

/** How an expression reads in messages: its path, or `<path> | filter`. */
function expressionText(node: AstNode): string {
  const path = pathOf(node);
  if (path) return path.join('.');
  if (node.typename === 'Filter') return `${expressionText(node.args.children[0])} | ${node.name.value}`;
  if (node.typename === 'Group' && node.children.length === 1) return expressionText(node.children[0]);
  return 'the expression';
}

// ---------------------------------------------------------------------------------------------
// Instrumenting the syntax tree

function literal(like: AstNode, value: unknown): AstNode {
  return new nj.nodes.Literal(like.lineno, like.colno, value);
}

function call(like: AstNode, fn: string, args: AstNode[]): AstNode {
  const list = new nj.nodes.NodeList(like.lineno, like.colno, args);
  return new nj.nodes.FunCall(like.lineno, like.colno, new nj.nodes.Symbol(like.lineno, like.colno, fn), list);
}

/** `check(expr)`: the value of `expr`, or a decision error when it is (or, with deep, holds) a placeholder. */
function check(node: AstNode, what: string, deep = false): AstNode {
  return call(node, CHECK, [node, literal(node, node.lineno + 1), literal(node, what), literal(node, deep)]);
}

/** `argument(expr)`: the value of `expr`, or a decision error when it holds a stand-in. */
function argument(node: AstNode): AstNode {
  return call(node, ARGUMENT, [node, literal(node, node.lineno + 1)]);
}

const BINARY_OPERATORS: { [type: string]: string } = {
  Add: 'addition', Sub: 'subtraction', Mul: 'multiplication', Div: 'division', FloorDiv: 'division', Mod: 'a modulo', Pow: 'a power',
};

function instrument(node: AstNode, lines: string[]): AstNode {
  if (node.typename === 'Output') {
    // What a print reads in messages comes from the expression as written, before it is instrumented.
    node.children = node.children.map((child: AstNode) => (child.typename === 'TemplateData' ? child : printCall(node, child, lines)));
    return node;
  }
  // Children first (their positions are the source's); then this node's own checks.
  for (const field of node.fields) {
    const value = node[field];
    if (Array.isArray(value)) node[field] = value.map((v) => (isNode(v) ? instrument(v, lines) : v));
    else if (isNode(value)) node[field] = instrument(value, lines);
  }
  switch (node.typename) {
    case 'If':
    case 'IfAsync':
      node.cond = check(node.cond, 'an if condition');
      return node;
    case 'InlineIf':
      node.cond = check(node.cond, 'an inline if condition');
      return node;
    case 'For':
    case 'AsyncEach':
    case 'AsyncAll':
      node.arr = check(node.arr, 'a for loop');
      return node;
    case 'Not':
      node.target = check(node.target, "a 'not'");
      return node;
    case 'And':
    case 'Or':
      node.left = check(node.left, `an '${node.typename.toLowerCase()}'`);
      node.right = check(node.right, `an '${node.typename.toLowerCase()}'`);
      return node;
    case 'Compare':
      node.expr = check(node.expr, 'a comparison', true);
      node.ops.forEach((op: AstNode) => (op.expr = check(op.expr, 'a comparison', true)));
      return node;
    case 'In':
      node.left = check(node.left, "an 'in' test", true);
      node.right = check(node.right, "an 'in' test", true);
      return node;
    case 'Is': {
      const test = node.right.typename === 'FunCall' ? node.right.name : node.right;
      if (!EXISTENCE_TESTS.has(String(test.value))) node.left = check(node.left, `the test '${test.value}'`, true);
      return node;
    }
    case 'Neg':
    case 'Pos':
      node.target = check(node.target, 'arithmetic', true);
      return node;
    case 'LookupVal':
      node.target = check(node.target, 'a lookup into it');
      if (node.val.typename !== 'Literal') node.val = check(node.val, 'a lookup key');
      return node;
    case 'Filter': {
      const [input, ...rest] = node.args.children as AstNode[];
      return call(node, FILTER, [literal(node, String(node.name.value)), literal(node, node.lineno + 1), input, ...rest]);
    }
    case 'FunCall':
      // Calls (macros, methods, globals) are not followed: a stand-in passed to one is a decision.
      node.args.children = (node.args.children as AstNode[]).map((arg) => {
        if (arg.typename !== 'KeywordArgs') return argument(arg);
        (arg.children as AstNode[]).forEach((pair) => (pair.value = argument(pair.value)));
        return arg;
      });
      return node;
    default:
      if (node.typename in BINARY_OPERATORS) {
        node.left = check(node.left, BINARY_OPERATORS[node.typename], true);
        node.right = check(node.right, BINARY_OPERATORS[node.typename], true);
      }
      return node;
  }
}

/**
 * `print(value, line, text, parent, key, indent)`: what `{{ expr }}` prints. `parent`/`key` are
 * the object `expr` was looked up in and the key, to say what is missing when it is undefined;
 * `indent` is the column of `{{` when it starts its line (-1 otherwise), where filters that
 * produce YAML blocks continue their lines.
 */
function printCall(output: AstNode, expr: AstNode, lines: string[]): AstNode {
  const line = output.lineno + 1;
  const sourceLine = lines[output.lineno] ?? '';
  const startsLine = sourceLine.slice(0, output.colno).trim() === '';
  const path = pathOf(expr);
  const text = expressionText(expr);
  let parent: AstNode = literal(expr, undefined);
  let parentText = '';
  let key = '';
  if (path && path.length > 1 && expr.typename === 'LookupVal') {
    // The object the value is looked up in (evaluated once more, side-effect free), to say what is missing.
    parentText = path.slice(0, -1).join('.');
    key = path[path.length - 1];
    parent = instrument(expr.target, lines);
    return call(expr, PRINT, [
      new nj.nodes.LookupVal(expr.lineno, expr.colno, parent, instrument(expr.val, lines)), literal(expr, line), literal(expr, text),
      parent, literal(expr, parentText), literal(expr, key), literal(expr, startsLine ? output.colno : -1),
    ]);
  }
  return call(expr, PRINT, [
    instrument(expr, lines), literal(expr, line), literal(expr, text), parent, literal(expr, parentText), literal(expr, key),
    literal(expr, startsLine ? output.colno : -1),
  ]);
}

// ---------------------------------------------------------------------------------------------
// The checks, run while rendering

function decisionError(marker: string, line: number, what: string): JinjaError {
  return new JinjaError(`${DECISION_PREFIX}${marker} in ${what}`, line);
}

/** Decision errors name the marker; the caller (iac.ts) replaces it with what it stands for. */
export const DECISION_PREFIX = 'decision on deploy-time value ';

function checkValue(value: unknown, line: number, what: string, deep: boolean): unknown {
  const marker = deep ? findMarkerDeep(value) : findMarker(value);
  if (marker) throw decisionError(marker, line, what);
  return value;
}

function printValue(value: unknown, line: number, text: string, parent: unknown, parentText: string, key: string, indent: number): string {
  if (value === undefined) {
    throw new JinjaError(undefinedMessage(text, parent, parentText, key), line);
  }
  const printed = value instanceof BlockYaml ? value.render(indent) : pyStr(value);
  for (const marker of findMarkers(printed)) current?.valueUses.push({ marker, line });
  return printed;
}

function undefinedMessage(text: string, parent: unknown, parentText: string, key: string): string {
  const fix = 'Give it a default (| default(...)) or reference a value that exists.';
  if (!parentText) return `${text} is undefined. ${fix}`;
  if (parent === undefined || parent === null) return `${text} is undefined: ${parentText} is undefined. ${fix}`;
  if (typeof parent === 'object') {
    const keys = Object.keys(parent as object);
    return `${text} is undefined: ${parentText} has no '${key}' (it has: ${keys.length > 0 ? keys.join(', ') : 'nothing'}). ${fix}`;
  }
  return `${text} is undefined. ${fix}`;
}

function checkArgument(value: unknown, line: number): unknown {
  const standIns = current?.standIns;
  const standIn = standIns && findStandIn(value, standIns);
  if (standIn) throw decisionError(standIn, line, 'an argument of a call');
  return value;
}

/** The first stand-in anywhere in a value. */
function findStandIn(value: unknown, standIns: StandIns): string | undefined {
  if (typeof value === 'string') return findMarkers(value).find((marker) => standIns.isStandIn(marker));
  if (typeof value !== 'object' || value === null) return undefined;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    const found = findStandIn(item, standIns);
    if (found) return found;
  }
  return undefined;
}

function callFilter(this: unknown, name: string, line: number, input: unknown, ...args: unknown[]): unknown {
  const standIns = current?.standIns;
  const standIn = standIns && !STAND_IN_CARRYING_FILTERS.has(name) ? findStandIn(input, standIns) : undefined;
  if (standIn) {
    // Computed for each resource's values (stand-ins.ts), when the input is a string of stand-ins and text.
    const derivable = typeof input === 'string' && findMarkers(input).every((marker) => standIns!.isStandIn(marker))
      && args.every((arg) => findMarkerDeep(arg) === undefined);
    if (!derivable) throw decisionError(standIn, line, `the filter '${name}'`);
    return standIns!.derive(name, input, args);
  }
  for (const arg of args) {
    const marker = findMarkerDeep(arg);
    if (marker) throw decisionError(marker, line, `an argument of the filter '${name}'`);
  }
  const structural = STRUCTURAL_FILTERS[name];
  const marker = structural === 'any' ? undefined : structural === 'collection' ? findMarker(input) : findMarkerDeep(input);
  if (marker) throw decisionError(marker, line, `the filter '${name}'`);
  const filter = (env() as unknown as { getFilter(n: string): (...a: unknown[]) => unknown }).getFilter(name);
  try {
    return filter.call(this, input, ...args);
  } catch (e) {
    if (e instanceof JinjaError) throw e.line === undefined ? new JinjaError(e.message, line) : e;
    throw new JinjaError(`the filter '${name}' failed: ${(e as Error).message}`, line);
  }
}

/** `input | name(args...)` as a template would compute it (for derived stand-ins). */
export function applyFilter(name: string, input: unknown, args: readonly unknown[]): unknown {
  const environmentInstance = env();
  const filter = (environmentInstance as unknown as { getFilter(n: string): (...a: unknown[]) => unknown }).getFilter(name);
  return filter.call({ env: environmentInstance }, input, ...args);
}
