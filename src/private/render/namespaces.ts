/**
 * The parameter namespaces AWS Proton renders each kind of IaC file with
 * (https://docs.aws.amazon.com/proton/latest/userguide/parameters.html; proton-api.md §8.4):
 *
 * - environment: `environment.name`, `environment.inputs.<input>`;
 * - service instance: `service.name`, `service_instance.name`, `service_instance.inputs.<input>`,
 *   `service_instance.components.default.{name, outputs.<output>}` (when a component is attached),
 *   `environment.name`, `environment.outputs.<output>`;
 * - pipeline: `service.{name, branch_name, repository_id, repository_connection_arn}`,
 *   `pipeline.inputs.<input>`, `service_instances` — a list with, for each instance, `name`,
 *   `inputs`, `outputs` and `environment.{name, account_id, outputs}` (inferred from public
 *   templates: aws-samples/aws-proton-cloudformation-sample-templates loops
 *   `{% for service_instance in service_instances %}` and reads `service_instance.name` and
 *   `service_instance.environment.account_id`);
 * - component: `component.name`, `service.name`, `service_instance.name`,
 *   `service_instance.inputs.<input>`, `environment.name`, `environment.outputs.<output>`.
 */
import { InputTypeKey } from '../spec-schema';

export type IacKind = 'ENVIRONMENT' | 'SERVICE_INSTANCE' | 'SERVICE_PIPELINE' | 'COMPONENT';

export type Inputs = { readonly [name: string]: unknown };

/**
 * Outputs of another resource as a template reads them: key → value (a literal, or a placeholder
 * for a value known at deploy time). `undefined` when the keys are unknown: every key the
 * template reads is then given a value by the caller's `unknownValue`.
 */
export type OutputValues = { readonly [key: string]: string } | undefined;

export interface EnvironmentNamespace {
  readonly kind: 'ENVIRONMENT';
  readonly environment: { readonly name: string; readonly inputs: Inputs };
}

export interface ServiceInstanceNamespace {
  readonly kind: 'SERVICE_INSTANCE';
  readonly service: { readonly name: string };
  readonly serviceInstance: { readonly name: string; readonly inputs: Inputs };
  readonly environment: { readonly name: string; readonly outputs: OutputValues };
  /** The component attached to the instance, if any. */
  readonly component?: { readonly name: string; readonly outputs: OutputValues };
}

export interface PipelineInstance {
  readonly name: string;
  readonly inputs: Inputs;
  readonly outputs: OutputValues;
  readonly environment: { readonly name: string; readonly accountId?: string; readonly outputs?: OutputValues };
}

export interface ServicePipelineNamespace {
  readonly kind: 'SERVICE_PIPELINE';
  readonly service: {
    readonly name: string; readonly branchName?: string; readonly repositoryId?: string; readonly repositoryConnectionArn?: string;
  };
  readonly pipeline: { readonly inputs: Inputs };
  readonly serviceInstances: readonly PipelineInstance[];
}

export interface ComponentNamespace {
  readonly kind: 'COMPONENT';
  readonly component: { readonly name: string };
  /** The instance the component is attached to (absent for a standalone component). */
  readonly service?: { readonly name: string };
  /** The instance's inputs are `undefined` when unknown: every input the template reads then gets the caller's `unknownValue`. */
  readonly serviceInstance?: { readonly name: string; readonly inputs: Inputs | undefined };
  readonly environment: { readonly name: string; readonly outputs: OutputValues };
}

/** The values one IaC file is rendered with. */
export type IacNamespace = EnvironmentNamespace | ServiceInstanceNamespace | ServicePipelineNamespace | ComponentNamespace;

/** Which `<namespace>.inputs` each kind of file reads, and the schema input type they are declared by. */
export const INPUT_NAMESPACES: { readonly [kind in IacKind]: { readonly [namespace: string]: InputTypeKey } } = {
  ENVIRONMENT: { environment: 'environment_input_type' },
  SERVICE_INSTANCE: { service_instance: 'service_input_type' },
  // service_instance: the conventional loop variable over service_instances (inferred).
  SERVICE_PIPELINE: { pipeline: 'pipeline_input_type', service_instance: 'service_input_type' },
  COMPONENT: { service_instance: 'service_input_type' },
};

export const KIND_DESCRIPTIONS: { readonly [kind in IacKind]: string } = {
  ENVIRONMENT: 'an environment template',
  SERVICE_INSTANCE: 'a service instance template',
  SERVICE_PIPELINE: 'a pipeline template',
  COMPONENT: 'a component',
};

/** The keys a template reads after `outputs.` and after `inputs.`, to give unknown ones a value. */
export interface ReferencedKeys {
  readonly outputs: ReadonlySet<string>;
  readonly inputs: ReadonlySet<string>;
}

/**
 * The Jinja context of a namespace. Unknown outputs (and a component's unknown inputs) get a
 * value from `unknownValue` for every key the template reads.
 */
export function jinjaContext(ns: IacNamespace, referenced: ReferencedKeys, unknownValue: (label: string) => string): object {
  const outputs = (values: OutputValues, label: string) => {
    if (values !== undefined) return { ...values };
    return Object.fromEntries([...referenced.outputs].map((key) => [key, unknownValue(`${label}.${key}`)]));
  };
  const inputs = (values: Inputs | undefined, label: string) => {
    if (values !== undefined) return values;
    return Object.fromEntries([...referenced.inputs].map((key) => [key, unknownValue(`${label}.${key}`)]));
  };
  switch (ns.kind) {
    case 'ENVIRONMENT':
      return { environment: { name: ns.environment.name, inputs: ns.environment.inputs } };
    case 'SERVICE_INSTANCE':
      return {
        service: { name: ns.service.name },
        service_instance: {
          name: ns.serviceInstance.name,
          inputs: ns.serviceInstance.inputs,
          components: ns.component
            ? { default: { name: ns.component.name, outputs: outputs(ns.component.outputs, 'service_instance.components.default.outputs') } }
            : {},
        },
        environment: { name: ns.environment.name, outputs: outputs(ns.environment.outputs, 'environment.outputs') },
      };
    case 'SERVICE_PIPELINE':
      return {
        service: {
          name: ns.service.name,
          branch_name: ns.service.branchName,
          repository_id: ns.service.repositoryId,
          repository_connection_arn: ns.service.repositoryConnectionArn,
        },
        pipeline: { inputs: ns.pipeline.inputs },
        service_instances: ns.serviceInstances.map((instance, i) => ({
          name: instance.name,
          inputs: instance.inputs,
          outputs: outputs(instance.outputs, `service_instances[${i}].outputs`),
          environment: {
            name: instance.environment.name,
            account_id: instance.environment.accountId,
            outputs: outputs(instance.environment.outputs, `service_instances[${i}].environment.outputs`),
          },
        })),
      };
    case 'COMPONENT':
      return {
        component: { name: ns.component.name },
        ...ns.service ? { service: { name: ns.service.name } } : {},
        ...ns.serviceInstance ? { service_instance: { name: ns.serviceInstance.name, inputs: inputs(ns.serviceInstance.inputs, 'service_instance.inputs') } } : {},
        environment: { name: ns.environment.name, outputs: outputs(ns.environment.outputs, 'environment.outputs') },
      };
  }
}
