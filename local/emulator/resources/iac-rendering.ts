import type { RenderedOutput } from '../../../src/private/render/cloudformation';
import { formatIacProblem, IacProblemsError, renderIacFile } from '../../../src/private/render/iac';
import type { IacNamespace, OutputValues } from '../../../src/private/render/namespaces';
import { InputTypeKey, parseServiceSpec, parseTemplateSchema, validateSpec, type TemplateSchema } from '../../../src/private/spec-schema';
import type { IacFile } from '../../../src/private/template-bundle-rules';
import type {
  AccountState, ComponentRecord, EnvironmentRecord, Output, ServicePipelineRecord, ServiceInstanceRecord, ServiceRecord, TemplateVersionRecord,
} from '../core/store';

/**
 * What a deployment renders (proton-api.md §8.4): the CloudFormation IaC file of the template
 * version (or the component's file), rendered with the shared renderer of
 * `src/private/render/` — the same one the construct library renders with at synth — with the
 * resource's real spec (the schema's defaults applied), names, and the outputs of the
 * environment, the attached component and (for a pipeline) the service instances, as they are
 * when the deployment starts.
 *
 * A render failure ends the deployment FAILED with a `deploymentStatusMessage` naming the file
 * and line (the wording is inferred). The outputs are those of the rendered template: an output
 * whose value is a literal gets that value; others the engine's deterministic value. Terraform
 * files are not rendered (Terraform reads Proton's generated variables): their outputs are their
 * `output` blocks.
 */

/** The rendered IaC's outputs, or why it could not be rendered. */
export type IacOutcome = {
  readonly outputs: readonly RenderedOutput[];
  /** The rendered CloudFormation template (absent for Terraform), e.g. for the cloudformation backend's parity test. */
  readonly text?: string;
} | { readonly failure: string };

const FAILURE_PREFIX = 'Template rendering failed: ';

function render(file: IacFile | undefined, namespace: IacNamespace, schema: TemplateSchema | undefined, fallbackKeys: readonly string[]): IacOutcome {
  if (!file) return { outputs: fallbackKeys.map((key) => ({ key })) };
  try {
    const { outputs, text } = renderIacFile({ file: file.path, text: file.text, namespace, schema });
    return { outputs, text };
  } catch (e) {
    if (!(e instanceof IacProblemsError)) throw e;
    return { failure: `${FAILURE_PREFIX}${e.problems.map(formatIacProblem).join('; ')}` };
  }
}

function schemaOf(version: TemplateVersionRecord): TemplateSchema | undefined {
  const text = version.schema ?? version.bundle?.schema;
  return text === undefined ? undefined : parseTemplateSchema(text).schema;
}

function withDefaults(version: TemplateVersionRecord | undefined, key: InputTypeKey, inputs: { readonly [name: string]: unknown }) {
  const schema = version?.schema ?? version?.bundle?.schema;
  return schema === undefined ? inputs : validateSpec(schema, key, inputs, '').withDefaults;
}

function outputMap(outputs: readonly Output[]): OutputValues {
  return Object.fromEntries(outputs.map((o) => [o.key, o.valueString ?? '']));
}

/** The inputs of instance `name` in a ServiceSpec document (none when absent or unparsable). */
function instanceInputs(spec: string | undefined, name: string): { readonly [name: string]: unknown } {
  const parsed = spec === undefined ? undefined : parseServiceSpec(spec).value;
  return parsed?.instances.find((i) => i.name === name)?.inputs ?? {};
}

export function renderEnvironmentIac(
  env: EnvironmentRecord, version: TemplateVersionRecord, inputs: { readonly [name: string]: unknown },
): IacOutcome {
  const dir = 'infrastructure';
  return render(version.bundle?.cloudFormationFiles[dir], { kind: 'ENVIRONMENT', environment: { name: env.name, inputs } }, schemaOf(version),
    version.bundle?.outputKeys[dir] ?? []);
}

export function renderInstanceIac(
  account: AccountState, service: ServiceRecord, instance: ServiceInstanceRecord, version: TemplateVersionRecord,
): IacOutcome {
  const dir = 'instance_infrastructure';
  const env = account.environments.get(instance.environmentName);
  const component = [...account.components.values()].find((c) => c.serviceName === service.name && c.serviceInstanceName === instance.name);
  const namespace: IacNamespace = {
    kind: 'SERVICE_INSTANCE',
    service: { name: service.name },
    serviceInstance: { name: instance.name, inputs: withDefaults(version, 'service_input_type', instanceInputs(instance.spec ?? service.spec, instance.name)) },
    environment: { name: instance.environmentName, outputs: outputMap(env?.outputs ?? []) },
    ...component ? { component: { name: component.name, outputs: outputMap(component.outputs) } } : {},
  };
  return render(version.bundle?.cloudFormationFiles[dir], namespace, schemaOf(version), version.bundle?.outputKeys[dir] ?? []);
}

export function renderPipelineIac(
  account: AccountState, service: ServiceRecord, pipeline: ServicePipelineRecord, version: TemplateVersionRecord,
): IacOutcome {
  const dir = 'pipeline_infrastructure';
  const spec = parseServiceSpec(pipeline.spec ?? service.spec).value;
  const namespace: IacNamespace = {
    kind: 'SERVICE_PIPELINE',
    service: {
      name: service.name,
      branchName: service.branchName,
      repositoryId: service.repositoryId,
      repositoryConnectionArn: service.repositoryConnectionArn,
    },
    pipeline: { inputs: withDefaults(version, 'pipeline_input_type', spec?.pipeline ?? {}) },
    serviceInstances: [...service.instances.values()].map((instance) => {
      const env = account.environments.get(instance.environmentName);
      return {
        name: instance.name,
        inputs: withDefaults(version, 'service_input_type', instanceInputs(instance.spec ?? service.spec, instance.name)),
        outputs: outputMap(instance.outputs),
        environment: {
          name: instance.environmentName, accountId: env?.environmentAccountId ?? account.accountId, outputs: outputMap(env?.outputs ?? []),
        },
      };
    }),
  };
  return render(version.bundle?.cloudFormationFiles[dir], namespace, schemaOf(version), version.bundle?.outputKeys[dir] ?? []);
}

export function renderComponentIac(
  account: AccountState, component: ComponentRecord, instanceVersion: TemplateVersionRecord | undefined,
): IacOutcome {
  const env = account.environments.get(component.environmentName);
  const instance = component.serviceName === undefined ? undefined
    : account.services.get(component.serviceName)?.instances.get(component.serviceInstanceName!);
  const service = component.serviceName === undefined ? undefined : account.services.get(component.serviceName);
  const namespace: IacNamespace = {
    kind: 'COMPONENT',
    component: { name: component.name },
    ...component.serviceName !== undefined ? {
      service: { name: component.serviceName },
      serviceInstance: {
        name: component.serviceInstanceName!,
        inputs: withDefaults(instanceVersion, 'service_input_type',
          instanceInputs(component.serviceSpec ?? instance?.spec ?? service?.spec, component.serviceInstanceName!)),
      },
    } : {},
    environment: { name: component.environmentName, outputs: outputMap(env?.outputs ?? []) },
  };
  return render({ path: 'cloudformation.yaml', text: component.templateFile }, namespace, instanceVersion && schemaOf(instanceVersion), []);
}
