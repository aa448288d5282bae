/**
 * The renderer's API: render one IaC file of a template bundle (or a component) the way AWS Proton
 * does, for a namespace (`namespaces.ts`), and check it. Shared by the construct library (synth:
 * a bundle alone with sample inputs, or a resource with its spec), the emulator (deployments, with
 * the real spec and outputs) and the `cdk-proton render` command.
 *
 * `renderIacFile` — a CloudFormation (Jinja) file:
 *   1. parses the Jinja (syntax errors, unknown filters and tests, with their line);
 *   2. checks every `<namespace>.inputs.<name>` it reads against the schema's input type;
 *   3. renders it with the namespace; values known only at deploy time are placeholders
 *      (`placeholders.ts`): printed as values they are reported in `valueUses` with their line; a
 *      decision on one (`if`, `for`, comparison, filter) is an error naming the value and line;
 *   4. parses the result as a CloudFormation template and returns its outputs (with the values of
 *      those that are literals).
 * `checkTerraformFile` — a Terraform file: its `var.<namespace>.inputs.<name>` against the schema.
 *
 * Problems are `{file, line?, message}` and print as `file:line: message`.
 */
import { parseRenderedCloudFormation, RenderedOutput, StandInSites } from './cloudformation';
import { DECISION_PREFIX, JinjaError, JinjaTemplate, Reference, StandIns } from './jinja';
import { IacKind, IacNamespace, INPUT_NAMESPACES, jinjaContext, KIND_DESCRIPTIONS } from './namespaces';
import { Placeholder, Placeholders, replaceMarkers } from './placeholders';
import { terraformInputReferences } from './terraform';
import { InputType, JsonObject, TemplateSchema } from '../spec-schema';

/** A problem of one IaC file. */
export interface IacProblem {
  /** The file, as named in the bundle (`instance_infrastructure/cloudformation.yaml`). */
  readonly file: string;
  /** 1-based line of the file, when the problem has one. */
  readonly line?: number;
  readonly message: string;
}

/** `file:line: message` (or `file: message`). */
export function formatIacProblem(problem: IacProblem): string {
  return `${problem.file}${problem.line !== undefined ? `:${problem.line}` : ''}: ${problem.message}`;
}

/** Thrown by `renderIacFile`: every problem found (at least one). */
export class IacProblemsError extends Error {
  constructor(public readonly problems: readonly IacProblem[]) {
    super(problems.map(formatIacProblem).join('; '));
    this.name = 'IacProblemsError';
  }
}

/** A deploy-time value printed into the rendered template. */
export interface IacValueUse {
  /** What the value is, e.g. `service_instance.inputs.vpc_id`. */
  readonly label: string;
  /** The value the placeholder stands for (e.g. the CDK token), as given to `Placeholders.create`. */
  readonly value?: unknown;
  /** The placeholder's text in `text`. */
  readonly marker: string;
  /** 1-based line of the source file. */
  readonly line: number;
}

export interface IacRenderRequest {
  /** The file's name in the bundle, for messages. */
  readonly file: string;
  /** The Jinja CloudFormation source. */
  readonly text: string;
  readonly namespace: IacNamespace;
  /**
   * The schema's input types, by the key that names them, for the input check.
   * @default - inputs are not checked (e.g. a component of a service whose template is not known)
   */
  readonly schema?: TemplateSchema;
  /**
   * The placeholders of values known at deploy time that the namespace holds; outputs whose keys
   * are unknown get new ones. Without it, unknown outputs get sample values (`sample-<Key>`) and
   * the render is a check of the template alone.
   * @default - no placeholders
   */
  readonly placeholders?: Placeholders;
  /**
   * Whether the namespace holds stand-ins (`placeholders.ts`, names rendered as placeholders): the
   * result then says where they are, for `stand-ins.ts` to give each resource sharing the render
   * its result.
   * @default false
   */
  readonly standIns?: boolean;
}

/** What `stand-ins.ts` needs to know about a render with stand-ins. */
export interface IacStandIns {
  /** Where the stand-ins are in the rendered template (undefined: none is). */
  readonly sites?: StandInSites;
  /** The derived stand-ins the render created (filters applied to stand-ins), in order. */
  readonly derived: readonly Placeholder[];
}

export interface IacRenderResult {
  /** The rendered CloudFormation template. */
  readonly text: string;
  /** Its `Outputs`, in order, with the values of literal ones. */
  readonly outputs: readonly RenderedOutput[];
  /** Where deploy-time values (placeholders) were printed. */
  readonly valueUses: readonly IacValueUse[];
  /** Set when rendered with stand-ins (the text, outputs and value uses then hold them). */
  readonly standIns?: IacStandIns;
}

/** Renders and checks one CloudFormation IaC file; throws IacProblemsError. */
export function renderIacFile(request: IacRenderRequest): IacRenderResult {
  const { file } = request;
  let template: JinjaTemplate;
  try {
    template = JinjaTemplate.parse(request.text);
  } catch (e) {
    throw new IacProblemsError([jinjaProblem(file, e, request.placeholders)]);
  }
  const inputProblems = checkInputReferences(file, template.references, request.namespace.kind, request.schema);
  if (inputProblems.length > 0) throw new IacProblemsError(inputProblems);

  const keysAfter = (segment: string) => new Set(template.references.flatMap((r) => {
    const i = r.path.lastIndexOf(segment);
    return i >= 0 && i === r.path.length - 2 ? [r.path[i + 1]] : [];
  }));
  const placeholders = request.placeholders;
  const unknownValue = placeholders
    ? (label: string) => placeholders.create(label)
    : (label: string) => `sample-${label.slice(label.lastIndexOf('.') + 1)}`;
  const context = jinjaContext(request.namespace, { outputs: keysAfter('outputs'), inputs: keysAfter('inputs') }, unknownValue);
  const standIns = request.standIns && placeholders ? jinjaStandIns(placeholders) : undefined;
  const derivedBefore = placeholders?.all().length ?? 0;
  let rendered;
  try {
    rendered = template.render(context, standIns);
  } catch (e) {
    throw new IacProblemsError([jinjaProblem(file, e, placeholders)]);
  }
  const parsed = parseRenderedCloudFormation(rendered.text, standIns && ((marker) => standIns.isStandIn(marker)));
  if ('problem' in parsed) {
    const { message, line, column } = parsed.problem;
    if (line === undefined) throw new IacProblemsError([{ file, message: `${message} once rendered` }]);
    // Where the rendered lines are the source's, the position is the source's too.
    const sameLines = rendered.text.split('\n').length === request.text.split('\n').length && !/\{%|\{#/.test(request.text);
    const where = sameLines ? `line ${line}, column ${column}` : `line ${line}, column ${column} of the rendered template`;
    throw new IacProblemsError([{ file, message: `is not valid YAML: ${message} (${where})` }]);
  }
  const valueUses = rendered.valueUses.map((use) => {
    const placeholder = placeholders?.get(use.marker);
    return { label: placeholder?.label ?? use.marker, value: placeholder?.value, marker: use.marker, line: use.line };
  });
  if (!standIns) return { text: rendered.text, outputs: parsed.outputs, valueUses };
  const derived = placeholders!.all().slice(derivedBefore).filter((p) => p.derivation !== undefined);
  return { text: rendered.text, outputs: parsed.outputs, valueUses, standIns: { sites: parsed.standInSites, derived } };
}

function jinjaStandIns(placeholders: Placeholders): StandIns {
  return {
    isStandIn: (marker) => placeholders.isStandIn(marker),
    derive: (filter, input, args) => placeholders.createDerived(
      `${replaceMarkers(input, (marker) => placeholders.get(marker)?.label)} | ${filter}`, { filter, input, args }),
  };
}

function jinjaProblem(file: string, e: unknown, placeholders: Placeholders | undefined): IacProblem {
  if (!(e instanceof JinjaError)) throw e;
  let message = e.message;
  if (message.startsWith(DECISION_PREFIX)) {
    const [marker, ...what] = message.slice(DECISION_PREFIX.length).split(' in ');
    const label = placeholders?.get(marker)?.label ?? marker;
    message = `the template decides on ${label} (in ${what.join(' in ')}), whose value is known only at deploy time, `
      + 'so it cannot be rendered before then. Give it a value known at synth, or use it only as a value.';
  }
  return e.line === undefined ? { file, message } : { file, line: e.line, message };
}

/** Every `<namespace>.inputs.<name>` that the kind's namespace lacks or the schema does not declare. */
function checkInputReferences(file: string, references: readonly Reference[], kind: IacKind, schema: TemplateSchema | undefined): IacProblem[] {
  const problems: IacProblem[] = [];
  const seen = new Set<string>();
  const namespaces = INPUT_NAMESPACES[kind];
  for (const { path, line } of references) {
    if (path.length < 3 || path[1] !== 'inputs' || !['environment', 'service_instance', 'pipeline'].includes(path[0])) continue;
    const name = `${path[0]}.inputs.${path[2]}`;
    const key = namespaces[path[0]];
    let message: string | undefined;
    if (key === undefined) {
      message = `${path[0]}.inputs is not in the namespace of ${KIND_DESCRIPTIONS[kind]} (it reads ${Object.keys(namespaces).map((n) => `${n}.inputs`).join(' and ')}); `
        + `remove the reference to ${name}`;
    } else if (schema !== undefined) {
      const inputType: InputType | undefined = schema.inputTypes[key];
      if (inputType === undefined) {
        message = `${name} is read, but the schema declares no ${key}`;
      } else if (!(path[2] in inputType.properties)) {
        const known = Object.keys(inputType.properties);
        message = `${name} is not an input of ${inputType.name} (inputs: ${known.length > 0 ? known.join(', ') : 'none'}); `
          + 'declare it in schema/schema.yaml or fix the name';
      }
    }
    if (message !== undefined && !seen.has(`${line}:${message}`)) {
      seen.add(`${line}:${message}`);
      problems.push({ file, line, message });
    }
  }
  return problems;
}

/** The input references of a Terraform file that its kind's namespace or the schema lacks. */
export function checkTerraformFile(file: string, hcl: string, kind: IacKind, schema: TemplateSchema | undefined): IacProblem[] {
  return checkInputReferences(file, terraformInputReferences(hcl), kind, schema);
}

/**
 * Inputs for rendering a template alone: the schema's defaults, plus a sample value of the right
 * type for each required input without one (the first enum value, the minimum, a string of the
 * minimum length, one item of a list). Optional inputs without a default stay undefined.
 */
export function sampleInputs(inputType: InputType | undefined): { [name: string]: unknown } {
  if (!inputType) return {};
  const out: { [name: string]: unknown } = {};
  for (const [name, schema] of Object.entries(inputType.properties)) {
    if (schema.default !== undefined) out[name] = structuredClone(schema.default);
    else if (inputType.required.includes(name)) out[name] = sampleValue(schema);
  }
  return out;
}

function sampleValue(schema: JsonObject): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  switch (schema.type) {
    case 'number':
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : typeof schema.maximum === 'number' ? Math.min(1, schema.maximum) : 1;
    case 'boolean':
      return true;
    case 'array': {
      const count = Math.max(1, typeof schema.minItems === 'number' ? schema.minItems : 1);
      return Array.from({ length: count }, () => sampleValue((schema.items ?? { type: 'string' }) as JsonObject));
    }
    case 'object': {
      const properties = (schema.properties ?? {}) as { [name: string]: JsonObject };
      return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, v.default ?? sampleValue(v)]));
    }
    default: {
      const min = typeof schema.minLength === 'number' ? schema.minLength : 1;
      const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
      const candidates = ['sample', 'sample-value', 'a', '1', '10.0.0.0/16', 'arn:aws:iam::123456789012:root', 'sample@example.com'];
      const pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern, 'u') : undefined;
      const fits = (s: string) => s.length >= min && s.length <= max && (!pattern || pattern.test(s));
      return candidates.find(fits) ?? 'sample'.padEnd(min, 'x').slice(0, Math.max(min, Math.min(max, 6)));
    }
  }
}
