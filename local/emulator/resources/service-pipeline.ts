import {
  assertNotInFlight, cancel, deploy, DeploymentTarget, describeDeploymentState, listOutputs, SettledHook,
} from './deployment-engine';
import { checkPipelineInputs, requireServiceSpec } from './deployment-spec';
import { resolveVersionUpdate } from './deployment-type';
import { renderPipelineIac } from './iac-rendering';
import { getServiceRecord } from './service-instance';
import { getTemplateVersion } from './template-common';
import { notFound } from '../core/errors';
import type { OperationTable, RequestContext } from '../core/runtime';
import type { AccountState, ServicePipelineRecord, ServiceRecord, TemplateVersionRecord } from '../core/store';
import { arn } from '../core/store';

/**
 * Service pipelines (proton-api.md §2 ServicePipeline): one per service whose template version
 * has a `pipeline_infrastructure`, created and deleted with the service, ARN
 * `service/<name>/pipeline`. Self-managed when the account settings name a
 * pipelineProvisioningRepository (inferred from the doc's pipeline provisioning settings).
 */

const IAC_DIR = 'pipeline_infrastructure';

export function getPipelineRecord(service: ServiceRecord): ServicePipelineRecord {
  if (!service.pipeline) throw notFound(`Service ${service.name} has no pipeline (its template version has no pipeline_infrastructure).`);
  return service.pipeline;
}

/**
 * The engine's view of a pipeline. A Deployment needs an environmentName (required by the model):
 * a pipeline's deployments name the environment of the service's first instance (inferred).
 */
export function pipelineTarget(account: AccountState, service: ServiceRecord, pipeline: ServicePipelineRecord): DeploymentTarget {
  const version = () => getTemplateVersion(account, 'SERVICE', pipeline.templateName, pipeline.templateMajorVersion, pipeline.templateMinorVersion);
  return {
    record: pipeline,
    resourceType: 'SERVICE_PIPELINE',
    targetKey: `service/${service.name}/pipeline`,
    environmentName: [...service.instances.values()][0]?.environmentName ?? '',
    serviceName: service.name,
    state: () => ({
      servicePipeline: {
        spec: pipeline.spec,
        templateName: pipeline.templateName,
        templateMajorVersion: pipeline.templateMajorVersion,
        templateMinorVersion: pipeline.templateMinorVersion,
      },
    }),
    renderIac: () => renderPipelineIac(account, service, pipeline, version()),
    provisioningEngine: version().bundle?.engines[IAC_DIR] ?? 'CLOUDFORMATION',
    selfManaged: account.accountSettings?.pipelineProvisioningRepository !== undefined,
  };
}

/** Creates the service's pipeline record and starts its first deployment. */
export function launchPipeline(
  ctx: RequestContext,
  service: ServiceRecord,
  version: TemplateVersionRecord,
  onSettled: SettledHook,
): ServicePipelineRecord {
  const pipeline: ServicePipelineRecord = {
    arn: arn(ctx, `service/${service.name}/pipeline`),
    templateName: version.templateName,
    templateMajorVersion: version.majorVersion,
    templateMinorVersion: version.minorVersion,
    spec: service.spec,
    deploymentStatus: 'IN_PROGRESS',
    outputs: [],
    provisionedResources: [],
    createdAt: ctx.nowSeconds(),
  };
  service.pipeline = pipeline;
  deploy(ctx, pipelineTarget(ctx.account, service, pipeline), { isNew: true, onSettled });
  return pipeline;
}

export function describePipeline(pipeline: ServicePipelineRecord) {
  return { ...describeDeploymentState(pipeline), spec: pipeline.spec };
}

function updateServicePipeline(input: any, ctx: RequestContext) {
  const account = ctx.account;
  const service = getServiceRecord(account, input.serviceName);
  const pipeline = getPipelineRecord(service);
  const description = `The pipeline of service ${service.name}`;
  assertNotInFlight(pipeline, description);
  // The model requires spec even with deploymentType NONE, which deploys nothing: it is ignored then.
  const ignoredSpec = input.deploymentType === 'NONE' ? { spec: undefined } : {};
  const version = resolveVersionUpdate(account, 'SERVICE', description, pipeline, { ...input, ...ignoredSpec });
  const spec = requireServiceSpec(input.spec);
  service.modifiedSinceCreate = true;
  if (version) {
    checkPipelineInputs(spec, version);
    deploy(ctx, pipelineTarget(account, service, pipeline), {
      isNew: false,
      apply: () => {
        pipeline.templateMajorVersion = version.majorVersion;
        pipeline.templateMinorVersion = version.minorVersion;
        pipeline.spec = input.spec;
      },
    });
  }
  return { pipeline: describePipeline(pipeline) };
}

export const operations: OperationTable = {
  UpdateServicePipeline: updateServicePipeline,
  CancelServicePipelineDeployment: (input, ctx) => {
    const service = getServiceRecord(ctx.account, input.serviceName);
    const pipeline = getPipelineRecord(service);
    cancel(ctx, pipelineTarget(ctx.account, service, pipeline), `The pipeline of service ${service.name}`);
    return { pipeline: describePipeline(pipeline) };
  },
  ListServicePipelineOutputs: (input, ctx) => {
    const service = getServiceRecord(ctx.account, input.serviceName);
    return { outputs: listOutputs(ctx.account, pipelineTarget(ctx.account, service, getPipelineRecord(service)), input.deploymentId) };
  },
  ListServicePipelineProvisionedResources: (input, ctx) => ({
    provisionedResources: getPipelineRecord(getServiceRecord(ctx.account, input.serviceName)).provisionedResources,
  }),
};
