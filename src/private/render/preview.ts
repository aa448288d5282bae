/**
 * Rendering a bundle directory for a spec, as a preview (`TemplateBundle.render`, `cdk-proton
 * render`): every CloudFormation file the spec deploys — the environment's, or each instance's and
 * the pipeline's — rendered as Proton would render it, so it can be read and `cfn-lint`ed before
 * the bundle is published.
 */
import { formatIacProblem, IacProblemsError, renderIacFile, IacRenderResult } from './iac';
import { IacNamespace, OutputValues } from './namespaces';
import { formatSpecErrors, InputTypeKey, parseEnvironmentSpec, parseServiceSpec, parseTemplateSchema, validateSpec } from '../spec-schema';
import { formatBundleProblem, IacFile, ParsedTemplateBundle, SCHEMA_FILE, TemplateBundleKind, validateTemplateBundle } from '../template-bundle-rules';

export interface PreviewOptions {
  readonly spec: string;
  readonly instanceName?: string;
  readonly environmentName?: string;
  readonly serviceName?: string;
  readonly environmentOutputs?: { readonly [key: string]: string };
  readonly componentOutputs?: { readonly [key: string]: string };
  readonly environmentAccountId?: string;
}

export interface PreviewFile {
  readonly path: string;
  readonly instanceName?: string;
  readonly content: string;
  readonly outputs: string[];
}

/** Renders the files of a bundle (unpacked: path → content) for a spec; throws an Error listing every problem. */
export function previewBundle(directory: string, files: ReadonlyMap<string, Buffer>, options: PreviewOptions): PreviewFile[] {
  const kind = kindOf(files);
  const validation = validateTemplateBundle(files, kind, { checkIac: false });
  if (!validation.parsed) {
    throw new Error(`Invalid template bundle '${directory}':\n${validation.problems.map((p) => `  ${formatBundleProblem(p)}`).join('\n')}`);
  }
  const bundle = validation.parsed;
  const schema = parseTemplateSchema(bundle.schema).schema;
  const environmentName = options.environmentName ?? 'my-environment';
  const serviceName = options.serviceName ?? 'my-service';
  const environment = { name: environmentName, outputs: options.environmentOutputs as OutputValues };
  const render = (file: IacFile, namespace: IacNamespace, instanceName?: string): PreviewFile => {
    let result: IacRenderResult;
    try {
      result = renderIacFile({ file: file.path, text: file.text, namespace, schema });
    } catch (e) {
      if (!(e instanceof IacProblemsError)) throw e;
      throw new Error(`Rendering '${directory}'${instanceName ? ` for instance '${instanceName}'` : ''} failed:\n${e.problems.map((p) => `  ${formatIacProblem(p)}`).join('\n')}`);
    }
    return { path: file.path, ...instanceName ? { instanceName } : {}, content: result.text, outputs: result.outputs.map((o) => o.key) };
  };

  if (kind.templateType === 'ENVIRONMENT') {
    const parsed = parseEnvironmentSpec(options.spec);
    if (!parsed.value) throw new Error(`The spec is not an environment spec: ${formatSpecErrors(parsed.errors)}`);
    const inputs = inputsWithDefaults(bundle, 'environment_input_type', parsed.value.inputs, 'spec');
    const file = bundle.cloudFormationFiles.infrastructure;
    if (!file) return [];
    return [render(file, { kind: 'ENVIRONMENT', environment: { name: environmentName, inputs } })];
  }

  const parsed = parseServiceSpec(options.spec);
  if (!parsed.value) throw new Error(`The spec is not a service spec: ${formatSpecErrors(parsed.errors)}`);
  const spec = parsed.value;
  const instances = spec.instances.map((instance, i) => ({
    ...instance, inputs: inputsWithDefaults(bundle, 'service_input_type', instance.inputs, `instances[${i}].spec`),
  }));
  const selected = options.instanceName === undefined ? instances : instances.filter((i) => i.name === options.instanceName);
  if (selected.length === 0) {
    throw new Error(`The spec has no instance '${options.instanceName}' (instances: ${instances.map((i) => i.name).join(', ') || 'none'}).`);
  }
  const out: PreviewFile[] = [];
  const instanceFile = bundle.cloudFormationFiles.instance_infrastructure;
  const component = options.componentOutputs && { name: `${serviceName}-component`, outputs: options.componentOutputs };
  for (const instance of instanceFile ? selected : []) {
    out.push(render(instanceFile!, {
      kind: 'SERVICE_INSTANCE',
      service: { name: serviceName },
      serviceInstance: { name: instance.name, inputs: instance.inputs },
      environment: { ...environment, name: options.environmentName ?? instance.environment },
      ...component ? { component } : {},
    }, instance.name));
  }
  const pipelineFile = bundle.cloudFormationFiles.pipeline_infrastructure;
  if (pipelineFile && options.instanceName === undefined) {
    out.push(render(pipelineFile, {
      kind: 'SERVICE_PIPELINE',
      service: { name: serviceName },
      pipeline: { inputs: inputsWithDefaults(bundle, 'pipeline_input_type', spec.pipeline ?? {}, 'pipeline') },
      serviceInstances: instances.map((instance) => ({
        name: instance.name,
        inputs: instance.inputs,
        outputs: undefined,
        environment: { name: options.environmentName ?? instance.environment, accountId: options.environmentAccountId ?? '123456789012', outputs: environment.outputs },
      })),
    }));
  }
  return out;
}

function kindOf(files: ReadonlyMap<string, Buffer>): TemplateBundleKind {
  const tops = new Set([...files.keys()].map((p) => p.split('/')[0]));
  if (tops.has('instance_infrastructure')) return { templateType: 'SERVICE', hasPipeline: tops.has('pipeline_infrastructure') };
  return { templateType: 'ENVIRONMENT', customerManaged: !tops.has('infrastructure') && tops.has(SCHEMA_FILE.split('/')[0]) };
}

function inputsWithDefaults(bundle: ParsedTemplateBundle, key: InputTypeKey, inputs: { readonly [name: string]: unknown }, path: string) {
  const { errors, withDefaults } = validateSpec(bundle.schema, key, inputs, path);
  if (errors.length > 0) throw new Error(`The spec does not match the bundle's schema: ${formatSpecErrors(errors)}.`);
  return withDefaults;
}
