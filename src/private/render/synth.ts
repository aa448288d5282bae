/**
 * Rendering at synth: each construct that deploys from IaC (Environment, Service with its instances
 * and pipeline, ServiceInstance, Component) makes one call here. The call records what the
 * construct renders with and adds a validation that renders its IaC files the way Proton will —
 * with its spec, the schema's defaults, and placeholders for what is known only at deploy time
 * (token values, the outputs of environments, instances and components) — once the app is
 * complete. It fails synth with `file:line` for any problem of the template with this spec (an
 * unknown input, a decision on a token, an undefined value, invalid CloudFormation) and checks
 * every `getOutput` key against the outputs of the rendered template.
 *
 * Renders are cached by bundle content and namespace, and names (of the environment, service,
 * instance, ...) are rendered as stand-ins (`stand-ins.ts`): constructs with the same bundle and
 * spec render — and their templates are parsed — once, unless the template decides on a name,
 * which then renders for each name.
 */
import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { RenderedOutput } from './cloudformation';
import { formatIacProblem, IacProblemsError, IacRenderResult, renderIacFile } from './iac';
import { JinjaError, JinjaTemplate } from './jinja';
import { Inputs, IacNamespace, OutputValues, PipelineInstance } from './namespaces';
import { Placeholders, STAND_IN_VALUE } from './placeholders';
import { instantiateStandIns, withStandInValues } from './stand-ins';
import { InputTypeKey, TemplateSchema as ParsedSchema, parseTemplateSchema, validateSpec } from '../spec-schema';
import { IacFile } from '../template-bundle-rules';

/** What a bundle packed at synth offers for rendering, registered when a template version binds it. */
export interface BundleRendering {
  /** The bundle's content hash (renders are cached by it). */
  readonly hash: string;
  readonly schemaYaml: string;
  /** The CloudFormation file of each CloudFormation infrastructure directory. */
  readonly cloudFormationFiles: { readonly [iacDir: string]: IacFile };
  /** Output keys of each infrastructure directory (Terraform's `output` blocks). */
  readonly outputKeys: { readonly [iacDir: string]: readonly string[] };
  /** A customer-managed environment template: its spec's inputs are the environment's outputs. */
  readonly customerManaged: boolean;
}

const BUNDLES = new WeakMap<object, BundleRendering>();

/**
 * Whether constructs render at synth (only bench/render-synth.ts turns it off, to measure today's
 * synth without rendering side by side with it), and how many IaC files they have rendered (the
 * benchmark prints it).
 */
export const SYNTH_RENDERING = { enabled: true, renders: 0 };

/** Records what the bundle whose checked schema is `schema` renders (called by the bundle's bind). */
export function registerBundleRendering(schema: object, rendering: BundleRendering): void {
  BUNDLES.set(schema, rendering);
}

function bundleOf(schema: object | undefined): BundleRendering | undefined {
  return schema === undefined || !SYNTH_RENDERING.enabled ? undefined : BUNDLES.get(schema);
}


/** What renders need to know about environments, services and components of the app. */
interface EnvironmentEntry {
  readonly name: string;
  readonly account: string;
  readonly outputs: () => readonly RenderedOutput[] | undefined;
}
interface ServiceEntry {
  readonly bundle?: BundleRendering;
  readonly instances: () => ReadonlyArray<{ readonly name: string; readonly environment: IConstruct; readonly inputs: Inputs }>;
}
interface ComponentEntry {
  readonly name: string;
  readonly outputs: () => readonly RenderedOutput[] | undefined;
}

const ENVIRONMENTS = new WeakMap<IConstruct, EnvironmentEntry>();
const SERVICES = new WeakMap<IConstruct, ServiceEntry>();
/** Components by the service construct they are attached to, then the instance name. */
const COMPONENTS = new WeakMap<IConstruct, Map<string, ComponentEntry>>();

// ---------------------------------------------------------------------------------------------
// The calls of the constructs

export interface EnvironmentRenderingOptions {
  /** The template version's schema (the bundle registered with it is rendered), if known at synth. */
  readonly schema?: object;
  readonly name: string;
  readonly inputs: Inputs;
  /** The output keys the app reads (`getOutput`), checked against the rendered outputs. */
  readonly requestedOutputs: () => readonly string[];
}

/** Environment: renders `infrastructure/` with the spec; its outputs feed the instances' and components' renders. */
export function checkEnvironmentRendering(environment: IConstruct, options: EnvironmentRenderingOptions): void {
  const bundle = bundleOf(options.schema);
  const what = `Environment '${environment.node.path}'`;
  const render = memo(() => {
    if (!bundle) return undefined;
    const file = bundle.cloudFormationFiles.infrastructure;
    if (!file) return undefined;
    const placeholders = new Placeholders();
    const inputs = withDefaults(bundle, 'environment_input_type', substitute(options.inputs, 'environment.inputs', placeholders));
    const namespace: IacNamespace = { kind: 'ENVIRONMENT', environment: { name: nameOr(options.name, 'environment.name', placeholders), inputs } };
    return renderCached(environment, bundle, file, namespace, placeholders);
  });
  const outputs = () => {
    if (!bundle) return undefined;
    if (bundle.customerManaged) return Object.keys(options.inputs).map((key) => literalOutput(key, options.inputs[key]));
    const file = bundle.cloudFormationFiles.infrastructure;
    if (!file) return bundle.outputKeys.infrastructure?.map((key) => ({ key }));
    const result = render();
    return 'outputs' in result! ? result.outputs : undefined;
  };
  ENVIRONMENTS.set(environment, { name: options.name, account: Stack.of(environment).account, outputs });
  environment.node.addValidation({
    validate: () => {
      const result = render();
      if (result && 'error' in result) return [`${what}: ${result.error}`];
      return outputErrors(what, 'getOutput', options.requestedOutputs(), outputs(), 'infrastructure/');
    },
  });
}

export interface ServiceRenderingOptions {
  readonly schema?: object;
  readonly name: string;
  readonly instances: () => ReadonlyArray<{ readonly name: string; readonly environment: IConstruct; readonly inputs?: Inputs }>;
  readonly pipelineInputs?: Inputs;
  readonly branchName?: string;
  readonly repositoryId?: string;
  readonly repositoryConnectionArn?: string;
  /** `<instance>.<key>` read with `instance(name).getOutput(key)`. */
  readonly requestedInstanceOutputs: () => readonly string[];
  readonly requestedPipelineOutputs: () => readonly string[];
}

/** Service: renders each instance's `instance_infrastructure/` and the `pipeline_infrastructure/`. */
export function checkServiceRendering(service: IConstruct, options: ServiceRenderingOptions): void {
  const bundle = bundleOf(options.schema);
  const what = `Service '${service.node.path}'`;
  const instances = () => options.instances().map((i) => ({ name: i.name, environment: i.environment, inputs: i.inputs ?? {} }));
  SERVICES.set(service, { bundle, instances });
  const renderInstance = memoBy((name: string) => {
    const instance = instances().find((i) => i.name === name);
    return bundle && instance && renderInstanceFile(bundle, service, options.name, instance);
  });
  const renderPipeline = memo(() => {
    const file = bundle?.cloudFormationFiles.pipeline_infrastructure;
    if (!bundle || !file) return undefined;
    const placeholders = new Placeholders();
    const serviceInstances: PipelineInstance[] = instances().map((instance, i) => {
      const env = ENVIRONMENTS.get(instance.environment);
      const label = `service_instances[${i}]`;
      const rendered = renderInstance(instance.name);
      return {
        name: standInOr(instance.name, `${label}.name`, placeholders),
        inputs: withDefaults(bundle, 'service_input_type', substitute(instance.inputs, `${label}.inputs`, placeholders)),
        outputs: rendered && 'outputs' in rendered ? placeholderOutputs(rendered.outputs, `${label}.outputs`, placeholders, false) : undefined,
        environment: {
          name: nameOr(env?.name, `${label}.environment.name`, placeholders),
          accountId: nameOr(env?.account, `${label}.environment.account_id`, placeholders),
          outputs: env ? envOutputs(env, placeholders, `${label}.environment.outputs`) : undefined,
        },
      };
    });
    const namespace: IacNamespace = {
      kind: 'SERVICE_PIPELINE',
      service: {
        name: nameOr(options.name, 'service.name', placeholders),
        branchName: optionalName(options.branchName, 'service.branch_name', placeholders),
        repositoryId: optionalName(options.repositoryId, 'service.repository_id', placeholders),
        repositoryConnectionArn: optionalName(options.repositoryConnectionArn, 'service.repository_connection_arn', placeholders),
      },
      pipeline: { inputs: withDefaults(bundle, 'pipeline_input_type', substitute(options.pipelineInputs ?? {}, 'pipeline.inputs', placeholders)) },
      serviceInstances,
    };
    return renderCached(service, bundle, file, namespace, placeholders);
  });
  service.node.addValidation({
    validate: () => {
      if (!bundle) return [];
      const errors: string[] = [];
      for (const instance of instances()) {
        const result = renderInstance(instance.name);
        if (result && 'error' in result) errors.push(`${what}, instance '${instance.name}': ${result.error}`);
      }
      const pipeline = renderPipeline();
      if (pipeline && 'error' in pipeline) errors.push(`${what}, pipeline: ${pipeline.error}`);
      if (errors.length > 0) return errors;
      for (const requested of options.requestedInstanceOutputs()) {
        const dot = requested.indexOf('.');
        const [instance, key] = [requested.slice(0, dot), requested.slice(dot + 1)];
        const result = renderInstance(instance);
        errors.push(...outputErrors(`${what}, instance '${instance}'`, 'getOutput', [key], result && 'outputs' in result ? result.outputs : undefined, 'instance_infrastructure/'));
      }
      const pipelineOutputs = pipeline && 'outputs' in pipeline ? pipeline.outputs : undefined;
      errors.push(...outputErrors(what, 'getPipelineOutput', options.requestedPipelineOutputs(), pipelineOutputs, 'pipeline_infrastructure/'));
      return errors;
    },
  });
}

export interface ServiceInstanceRenderingOptions {
  /** The service: rendered when it is a Service of the app whose template version's bundle is known. */
  readonly service: IConstruct;
  readonly name: string;
  readonly environment: IConstruct;
  readonly inputs: Inputs;
  readonly requestedOutputs: () => readonly string[];
}

/** ServiceInstance (added to a service): renders its `instance_infrastructure/` when the service's template is known. */
export function checkServiceInstanceRendering(instance: IConstruct, options: ServiceInstanceRenderingOptions): void {
  const what = `ServiceInstance '${instance.node.path}'`;
  instance.node.addValidation({
    validate: () => {
      const service = SERVICES.get(options.service);
      if (!service?.bundle) return [];
      const serviceName = (options.service as IConstruct & { _nameAtSynth?: string })._nameAtSynth ?? '';
      const result = renderInstanceFile(service.bundle, options.service, serviceName, options);
      if (!result) return [];
      if ('error' in result) return [`${what}: ${result.error}`];
      return outputErrors(what, 'getOutput', options.requestedOutputs(), result.outputs, 'instance_infrastructure/');
    },
  });
}

export interface ComponentRenderingOptions {
  readonly name: string;
  readonly templateFile: string;
  readonly cloudFormation: boolean;
  /** The environment of a standalone component. */
  readonly environment?: IConstruct;
  /** The service and instance of an attached component. */
  readonly service?: IConstruct;
  readonly serviceInstanceName?: string;
  /** The inputs given to the component; else those of the instance when a Service of the app declares it. */
  readonly serviceInstanceInputs?: Inputs;
  readonly requestedOutputs: () => readonly string[];
}

/** Component: renders its IaC file with its environment's outputs and its instance's inputs. */
export function checkComponentRendering(component: IConstruct, options: ComponentRenderingOptions): void {
  const what = `Component '${component.node.path}'`;
  const render = memo(() => {
    if (!options.cloudFormation || Token.isUnresolved(options.templateFile)) return undefined;
    const placeholders = new Placeholders();
    const service = options.service ? SERVICES.get(options.service) : undefined;
    const instance = service?.instances().find((i) => i.name === options.serviceInstanceName);
    const environment = options.environment ?? instance?.environment;
    const env = environment ? ENVIRONMENTS.get(environment) : undefined;
    const inputs = options.serviceInstanceInputs ?? instance?.inputs;
    // An attached component whose instance inputs are unknown at synth (an imported service) renders at deploy time only.
    if (options.service && inputs === undefined) return undefined;
    const schema = service?.bundle ? parsedSchema(service.bundle.schemaYaml) : undefined;
    const namespace: IacNamespace = {
      kind: 'COMPONENT',
      component: { name: literalOr(options.name, 'component.name', placeholders) },
      ...options.service ? {
        service: { name: literalOr((options.service as IConstruct & { _nameAtSynth?: string })._nameAtSynth, 'service.name', placeholders) },
        serviceInstance: {
          name: options.serviceInstanceName!,
          inputs: inputs === undefined ? undefined
            : service?.bundle ? withDefaults(service.bundle, 'service_input_type', substitute(inputs, 'service_instance.inputs', placeholders))
              : substitute(inputs, 'service_instance.inputs', placeholders),
        },
      } : {},
      environment: { name: literalOr(env?.name, 'environment.name', placeholders), outputs: env ? envOutputs(env, placeholders, 'environment.outputs') : undefined },
    };
    return renderFile({ path: 'cloudformation.yaml', text: options.templateFile }, namespace, placeholders, schema);
  });
  if (options.service && options.serviceInstanceName) {
    const byInstance = COMPONENTS.get(options.service) ?? new Map<string, ComponentEntry>();
    COMPONENTS.set(options.service, byInstance);
    byInstance.set(options.serviceInstanceName, {
      name: options.name,
      outputs: () => {
        const result = render();
        return result && 'outputs' in result ? result.outputs : undefined;
      },
    });
  }
  component.node.addValidation({
    validate: () => {
      const result = render();
      if (!result) return [];
      if ('error' in result) return [`${what}: ${result.error}`];
      return outputErrors(what, 'getOutput', options.requestedOutputs(), result.outputs, 'IaC file');
    },
  });
}

/**
 * A directly defined component's IaC file alone (ComponentInfrastructure): its Jinja parses and
 * it renders, with sample names and the inputs and outputs it reads, into a CloudFormation
 * template. Returns its output keys when they cannot depend on the spec (no Jinja statements).
 */
export function checkComponentTemplate(where: string, text: string): readonly string[] | undefined {
  const namespace: IacNamespace = {
    kind: 'COMPONENT',
    component: { name: 'sample-component' },
    service: { name: 'sample-service' },
    serviceInstance: { name: 'sample-instance', inputs: undefined },
    environment: { name: 'sample-environment', outputs: undefined },
  };
  const fail = (problem: { readonly line?: number; readonly message: string }) => new Error(
    `${where}: the CloudFormation template${problem.line !== undefined ? `, line ${problem.line}:` : ''} ${problem.message}. `
    + "Fix the template (Jinja markup such as '{{ service_instance.inputs.name }}' is allowed).");
  // Statements decide on inputs, which are known only where the component is declared: only the syntax is checked here.
  if (/\{%/.test(text)) {
    try {
      JinjaTemplate.parse(text);
    } catch (e) {
      if (!(e instanceof JinjaError)) throw e;
      throw fail(e);
    }
    return undefined;
  }
  let result: IacRenderResult;
  try {
    result = renderIacFile({ file: 'cloudformation.yaml', text, namespace });
  } catch (e) {
    if (!(e instanceof IacProblemsError)) throw e;
    throw fail(e.problems[0]);
  }
  const keys = result.outputs.map((o) => o.key);
  return keys.every((key) => text.includes(key)) ? keys : undefined;
}

// ---------------------------------------------------------------------------------------------
// Rendering

type RenderOutcome = IacRenderResult | { readonly error: string };

function renderInstanceFile(
  bundle: BundleRendering, service: IConstruct, serviceName: string,
  instance: { readonly name: string; readonly environment: IConstruct; readonly inputs: Inputs },
): RenderOutcome | undefined {
  const file = bundle.cloudFormationFiles.instance_infrastructure;
  if (!file) return undefined;
  const placeholders = new Placeholders();
  const env = ENVIRONMENTS.get(instance.environment);
  const component = COMPONENTS.get(service)?.get(instance.name);
  const namespace: IacNamespace = {
    kind: 'SERVICE_INSTANCE',
    service: { name: nameOr(serviceName, 'service.name', placeholders) },
    serviceInstance: {
      name: standInOr(instance.name, 'service_instance.name', placeholders),
      inputs: withDefaults(bundle, 'service_input_type', substitute(instance.inputs, 'service_instance.inputs', placeholders)),
    },
    environment: { name: nameOr(env?.name, 'environment.name', placeholders), outputs: env ? envOutputs(env, placeholders, 'environment.outputs') : undefined },
    ...component ? {
      component: {
        name: nameOr(component.name, 'service_instance.components.default.name', placeholders),
        outputs: placeholderOutputs(component.outputs(), 'service_instance.components.default.outputs', placeholders, false),
      },
    } : {},
  };
  return renderCached(service, bundle, file, namespace, placeholders);
}

/** Renders per app (its root construct): nothing outlives the app. */
const RENDER_CACHES = new WeakMap<IConstruct, Map<string, RenderOutcome>>();

/**
 * One render per distinct bundle, file and namespace in an app (placeholders are numbered in a
 * fixed order, so equal namespaces are equal JSON). Names are stand-ins in the namespace: the
 * render is shared by every construct whose namespace differs only in names, and gives each its
 * result with its names — or, where the template decides on a name (the shared render fails) or
 * a name would read differently (`instantiateStandIns`), the render with its names.
 */
function renderCached(scope: IConstruct, bundle: BundleRendering, file: IacFile, namespace: IacNamespace, placeholders: Placeholders): RenderOutcome {
  const root = scope.node.root;
  let cache = RENDER_CACHES.get(root);
  if (!cache) RENDER_CACHES.set(root, cache = new Map());
  const labels = JSON.stringify(placeholders.all().map((p) => (p.standIn !== undefined ? `${p.label}=` : p.label)));
  const render = (ns: IacNamespace, standIns: boolean) => {
    const key = `${bundle.hash}\n${file.path}\n${standIns}\n${JSON.stringify(ns)}\n${labels}`;
    let outcome = cache!.get(key);
    if (!outcome) cache!.set(key, outcome = renderFile(file, ns, placeholders, parsedSchema(bundle.schemaYaml), standIns));
    return outcome;
  };
  let names = namespace;
  if (placeholders.hasStandIns()) {
    const shared = render(namespace, true);
    const result = 'error' in shared ? undefined : instantiateStandIns(shared, placeholders);
    if (result) return result;
    names = withStandInValues(namespace, placeholders);
  }
  const outcome = render(names, false);
  // Value uses name this render's placeholders (same markers, other tokens).
  return 'error' in outcome ? outcome : { ...outcome, valueUses: outcome.valueUses.map((use) => ({ ...use, value: placeholders.get(use.marker)?.value })) };
}

function renderFile(
  file: IacFile, namespace: IacNamespace, placeholders: Placeholders, schema: ParsedSchema | undefined, standIns = false,
): RenderOutcome {
  SYNTH_RENDERING.renders++;
  try {
    return renderIacFile({ file: file.path, text: file.text, namespace, placeholders, schema, standIns });
  } catch (e) {
    if (!(e instanceof IacProblemsError)) throw e;
    return { error: e.problems.map(formatIacProblem).join('; ') };
  }
}

const SCHEMAS = new Map<string, ParsedSchema | undefined>();
function parsedSchema(yaml: string): ParsedSchema | undefined {
  if (!SCHEMAS.has(yaml)) SCHEMAS.set(yaml, parseTemplateSchema(yaml).schema);
  return SCHEMAS.get(yaml);
}

/** The inputs with the schema's defaults (errors are reported by the spec checks of the constructs). */
function withDefaults(bundle: BundleRendering, key: InputTypeKey, inputs: Inputs): Inputs {
  return validateSpec(bundle.schemaYaml, key, inputs, '').withDefaults;
}

/** A copy of `value` with every token replaced by a placeholder labelled with its path. */
function substitute(value: Inputs, label: string, placeholders: Placeholders): Inputs {
  return substituteValue(value, label, placeholders) as Inputs;
}

function substituteValue(value: unknown, label: string, placeholders: Placeholders): unknown {
  if (Token.isUnresolved(value)) return placeholders.create(label, value);
  if (Array.isArray(value)) return value.map((item, i) => substituteValue(item, `${label}[${i}]`, placeholders));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteValue(v, `${label}.${k}`, placeholders)]));
  }
  return value;
}

function literalOr(value: string | undefined, label: string, placeholders: Placeholders): string {
  return value === undefined || Token.isUnresolved(value) ? placeholders.create(label, value) : value;
}

/** A name: a stand-in where it may be one (renders are then shared), else as `literalOr`. */
function nameOr(value: string | undefined, label: string, placeholders: Placeholders): string {
  return value !== undefined && !Token.isUnresolved(value) && STAND_IN_VALUE.test(value)
    ? placeholders.createStandIn(label, value)
    : literalOr(value, label, placeholders);
}

function optionalName(value: string | undefined, label: string, placeholders: Placeholders): string | undefined {
  return value === undefined ? undefined : nameOr(value, label, placeholders);
}

/** A name that is rendered as it is when it cannot be a stand-in. */
function standInOr(value: string, label: string, placeholders: Placeholders): string {
  return STAND_IN_VALUE.test(value) ? placeholders.createStandIn(label, value) : value;
}

function literalOutput(key: string, value: unknown): RenderedOutput {
  return typeof value === 'string' && !Token.isUnresolved(value) ? { key, literal: value } : { key };
}

function envOutputs(env: EnvironmentEntry, placeholders: Placeholders, label: string): OutputValues {
  return placeholderOutputs(env.outputs(), label, placeholders, true);
}

/** Outputs as a template reads them: literals where the producing template has them (if `useLiterals`), placeholders otherwise. */
function placeholderOutputs(
  outputs: readonly RenderedOutput[] | undefined, label: string, placeholders: Placeholders, useLiterals: boolean,
): OutputValues {
  if (outputs === undefined) return undefined;
  return Object.fromEntries(outputs.map((o) => [
    o.key, useLiterals && o.literal !== undefined && !/__CDKPROTON_TOKEN_/i.test(o.literal) ? o.literal : placeholders.create(`${label}.${o.key}`),
  ]));
}

function outputErrors(
  what: string, method: string, requested: readonly string[], outputs: readonly RenderedOutput[] | undefined, where: string,
): string[] {
  if (outputs === undefined) return [];
  const keys = outputs.map((o) => o.key);
  return requested.filter((key) => !keys.includes(key)).map((key) => `${what}: ${method}('${key}'): the template's ${where} rendered with this spec `
    + `has no output '${key}' (outputs: ${keys.join(', ') || 'none'}). Read one of these, or add it to the template's Outputs.`);
}

function memo<T>(fn: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = fn();
      done = true;
    }
    return value;
  };
}

function memoBy<T>(fn: (key: string) => T): (key: string) => T {
  const values = new Map<string, T>();
  return (key) => {
    if (!values.has(key)) values.set(key, fn(key));
    return values.get(key)!;
  };
}
