/**
 * The cloudformation backend's deployment of a rendered IaC file: a `NestedStack` whose template
 * is the file as the renderer (`../render/synth.ts`) rendered it for the resource — what Proton
 * would have deployed — in CloudFormation's JSON form.
 *
 * Values known only at deploy time (CDK tokens in a spec, the outputs of environments, instances
 * and components) were rendered as placeholders; each becomes a `String` parameter of the nested
 * stack, `CdkProtonInput<n>`, given the token by the parent: a value that is exactly a placeholder
 * becomes `{ Ref }`, a string holding some an `Fn::Join` (in an `Fn::Sub` string, `${CdkProtonInput<n>}`).
 *
 * The template is produced when the app is synthesized, not when the construct is declared: an
 * instance's render reads the outputs of the component attached to it, which may be declared
 * after the instance. (So not `CfnInclude`, which reads its template file when it is declared.)
 */
import { CfnElement, CfnResource, Lazy, NestedStack, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { renderedTemplateAsJson } from '../render/cloudformation';
import { findMarkerPositions } from '../render/placeholders';
import { RenderOutcome } from '../render/synth';

/** How a rendered nested stack is built. */
export interface RenderedStackOptions {
  /** The resource, for messages: `Environment 'App/Dev'`. */
  readonly what: string;
  /** The resource's render (memoized by the renderer); errors are reported by its synth validation. */
  readonly render: () => RenderOutcome | undefined;
  /**
   * The token of a deploy-time value the render has no value for (the outputs of environments,
   * instances and components are placeholders without one), by its label
   * (`environment.outputs.VpcId`); undefined when unknown.
   */
  readonly valueOf: (label: string) => string | undefined;
}

/** The nested template and the parent's values of its parameters. */
interface NestedTemplate {
  readonly template: { [key: string]: unknown };
  readonly parameters?: { [name: string]: string };
}

/** Prefix of the parameters that carry deploy-time values. */
export const INPUT_PARAMETER_PREFIX = 'CdkProtonInput';

/** A nested stack holding the rendered template of one resource. */
export class RenderedNestedStack {
  public readonly stack: NestedStack;

  constructor(scope: Construct, id: string, options: RenderedStackOptions) {
    this.stack = new NestedStack(scope, id);
    let built: NestedTemplate | undefined;
    const template = () => built ?? (built = nestedTemplate(options));
    new RenderedTemplate(this.stack, 'Rendered', () => template().template);
    // One source for the template and the parameters (NestedStack.parameters may be read before the render).
    this.resource.addPropertyOverride('Parameters', Lazy.any({ produce: () => template().parameters }));
  }

  /** The nested stack's `AWS::CloudFormation::Stack` resource in the parent. */
  public get resource(): CfnResource {
    return this.stack.nestedStackResource!;
  }

  /** An output of the rendered template, as `Fn::GetAtt <stack>.Outputs.<key>` in the parent. */
  public output(key: string): string {
    return Token.asString(this.resource.getAtt(`Outputs.${key}`));
  }
}

/** The whole rendered template as one element of the nested stack. */
class RenderedTemplate extends CfnElement {
  constructor(scope: Construct, id: string, private readonly produce: () => object) {
    super(scope, id);
  }

  /** @internal */
  public _toCloudFormation(): object {
    return this.produce();
  }
}

function nestedTemplate(options: RenderedStackOptions): NestedTemplate {
  const result = options.render();
  // No render (reported at construction) or a failed one (reported by the synth validation).
  if (result === undefined || 'error' in result) return { template: {} };
  const uses = new Map(result.valueUses.map((use) => [use.marker, use]));
  const parameters = new Map<string, { readonly name: string; readonly label: string; readonly value: string }>();
  const parameterOf = (marker: string): string => {
    let parameter = parameters.get(marker);
    if (!parameter) {
      const use = uses.get(marker);
      if (use === undefined) {
        throw new Error(`${options.what}: the rendered template holds ${marker}, a value the renderer did not report; this is a cdk-proton bug.`);
      }
      const value = use.value !== undefined ? tokenString(use.value) : options.valueOf(use.label);
      if (value === undefined) {
        throw new Error(`${options.what}: the rendered template uses ${use.label}, which the cloudformation backend cannot resolve at synth `
          + '(it needs the environment, instance or component that provides it declared in this app).');
      }
      parameter = { name: `${INPUT_PARAMETER_PREFIX}${parameters.size}`, label: use.label, value };
      parameters.set(marker, parameter);
    }
    return parameter.name;
  };
  const labelOf = (marker: string) => uses.get(marker)?.label ?? marker;
  const body = parameterize(renderedTemplateAsJson(result.text), parameterOf, labelOf, options.what);
  if (parameters.size === 0) return { template: body };
  const declared = Object.fromEntries([...parameters.values()].map((p) => [p.name, { Type: 'String', Description: p.label }]));
  return {
    template: { ...body, Parameters: { ...body.Parameters as object, ...declared } },
    parameters: Object.fromEntries([...parameters.values()].map((p) => [p.name, p.value])),
  };
}

/** A token (or a value holding tokens) as a string for a parameter. */
function tokenString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Token.asString(value);
  return Token.asString(Lazy.any({ produce: () => value }));
}

/** Intrinsics whose argument names a resource, parameter or condition: a deploy-time value cannot. */
const NAMING_KEYS = new Set(['Ref', 'Fn::GetAtt', 'DependsOn', 'Condition']);

function parameterize(
  value: any, parameterOf: (marker: string) => string, labelOf: (marker: string) => string, what: string, key?: string,
): any {
  if (typeof value === 'string') {
    const markers = findMarkerPositions(value);
    if (markers.length === 0) return value;
    if (key !== undefined && NAMING_KEYS.has(key)) {
      throw new Error(`${what}: ${labelOf(markers[0].marker)} is known only at deploy time, but the rendered template uses it in ${key}, `
        + 'which must name a resource, parameter or condition at deploy time. Give a literal value.');
    }
    if (key === 'Fn::Sub') return replaceAll(value, markers, (m) => `\${${parameterOf(m)}}`);
    if (markers.length === 1 && markers[0].marker === value) return { Ref: parameterOf(value) };
    const pieces: unknown[] = [];
    let at = 0;
    for (const { marker, index } of markers) {
      if (index > at) pieces.push(value.slice(at, index));
      pieces.push({ Ref: parameterOf(marker) });
      at = index + marker.length;
    }
    if (at < value.length) pieces.push(value.slice(at));
    return { 'Fn::Join': ['', pieces] };
  }
  if (Array.isArray(value)) {
    // `Fn::Sub: [text, variables]`: the text is a Sub string, the variables ordinary values.
    if (key === 'Fn::Sub') return value.map((item, i) => parameterize(item, parameterOf, labelOf, what, i === 0 ? 'Fn::Sub' : undefined));
    return value.map((item) => parameterize(item, parameterOf, labelOf, what, NAMING_KEYS.has(key ?? '') ? key : undefined));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, parameterize(v, parameterOf, labelOf, what, k)]));
  }
  return value;
}

function replaceAll(
  value: string, markers: ReadonlyArray<{ readonly marker: string; readonly index: number }>, by: (marker: string) => string,
): string {
  let out = '';
  let at = 0;
  for (const { marker, index } of markers) {
    out += value.slice(at, index) + by(marker);
    at = index + marker.length;
  }
  return out + value.slice(at);
}

/** The outputs of the component attached to each instance (by service, then instance name), for the instance's render. */
const COMPONENT_OUTPUTS = new WeakMap<IConstruct, Map<string, (key: string) => string>>();

/** Records the outputs of the component attached to instance `instanceName` of `service`. */
export function registerComponentOutputs(service: IConstruct, instanceName: string, output: (key: string) => string): void {
  const byInstance = COMPONENT_OUTPUTS.get(service) ?? new Map<string, (key: string) => string>();
  COMPONENT_OUTPUTS.set(service, byInstance);
  byInstance.set(instanceName, output);
}

/** An output of the component attached to an instance, as a token; undefined without one. */
export function componentOutput(service: IConstruct, instanceName: string, key: string): string | undefined {
  return COMPONENT_OUTPUTS.get(service)?.get(instanceName)?.(key);
}

/** The key of a label `<prefix><key>` (`environment.outputs.VpcId` → `VpcId`), else undefined. */
export function labelKey(label: string, prefix: string): string | undefined {
  return label.startsWith(prefix) ? label.slice(prefix.length) : undefined;
}
