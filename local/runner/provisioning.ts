/**
 * Create, update and delete of one resource: custom resources through their provider, everything
 * else as a stand-in (Lambda functions additionally check their code is published and get a
 * container when invoked).
 */
import { callCustomResource, CustomResourceContext, RequestRecord, ResourceRecord } from './custom-resource';
import { LambdaFunctionProperties } from './functions';
import { PseudoParameters } from './intrinsics';
import { standIn } from './stand-ins';
import { isCustomResourceType } from './template';

export interface ProvisioningContext extends CustomResourceContext {
  readonly pseudo: PseudoParameters;
  recordRequest(record: RequestRecord): void;
}

/** What a resource is declared as, apart from its properties. */
export interface ResourceDeclaration {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
  readonly dependencies: string[];
  readonly deletionPolicy?: string;
  readonly updateReplacePolicy?: string;
}

export type ProvisionResult =
  | { readonly ok: true; readonly record: ResourceRecord }
  /** `physicalId`: what CloudFormation knows the failed resource as ('' = nothing to delete). */
  | { readonly ok: false; readonly reason: string; readonly physicalId: string };

export async function createResource(decl: ResourceDeclaration, ctx: ProvisioningContext): Promise<ProvisionResult> {
  if (!isCustomResourceType(decl.type)) return provisionStandIn(decl, ctx);
  const { response } = await send({ requestType: 'Create', decl }, ctx);
  if (response.Status === 'FAILED') return { ok: false, reason: response.Reason, physicalId: response.PhysicalResourceId };
  return { ok: true, record: recordOf(decl, response.PhysicalResourceId, response.Data ?? {}) };
}

/** Updates `old` to `decl` (or rolls it back: `decl` = the old declaration). */
export async function updateResource(decl: ResourceDeclaration, old: ResourceRecord, ctx: ProvisioningContext): Promise<ProvisionResult> {
  if (!isCustomResourceType(decl.type)) return provisionStandIn(decl, ctx);
  if (decl.properties.ServiceToken !== old.properties.ServiceToken) {
    return { ok: false, reason: 'Modifying service token is not allowed.', physicalId: old.physicalId };
  }
  const { response } = await send({ requestType: 'Update', decl, old }, ctx);
  if (response.Status === 'FAILED') return { ok: false, reason: response.Reason, physicalId: old.physicalId };
  return { ok: true, record: recordOf(decl, response.PhysicalResourceId, response.Data ?? {}) };
}

/** Deletes a resource; returns the failure reason, or undefined on success. */
export async function deleteResource(logicalId: string, record: ResourceRecord, ctx: ProvisioningContext): Promise<string | undefined> {
  if (!isCustomResourceType(record.type)) {
    const arn = record.attributes.Arn;
    if (record.type === 'AWS::Lambda::Function' && typeof arn === 'string') ctx.functions.remove(arn);
    return undefined;
  }
  const decl = { logicalId, type: record.type, properties: record.properties, dependencies: record.dependencies };
  const { response } = await send({ requestType: 'Delete', decl, old: record }, ctx);
  return response.Status === 'FAILED' ? response.Reason : undefined;
}

async function provisionStandIn(decl: ResourceDeclaration, ctx: ProvisioningContext): Promise<ProvisionResult> {
  const identity = standIn(decl.type, decl.logicalId, decl.properties, ctx.pseudo);
  if (decl.type === 'AWS::Lambda::Function') {
    try {
      const properties = decl.properties as LambdaFunctionProperties;
      await ctx.functions.validateCode({ physicalId: identity.physicalId, arn: identity.attributes.Arn, properties });
    } catch (e) {
      return { ok: false, reason: (e as Error).message, physicalId: '' };
    }
  }
  return { ok: true, record: recordOf(decl, identity.physicalId, identity.attributes) };
}

interface Send {
  readonly requestType: 'Create' | 'Update' | 'Delete';
  readonly decl: ResourceDeclaration;
  readonly old?: ResourceRecord;
}

async function send({ requestType, decl, old }: Send, ctx: ProvisioningContext): Promise<RequestRecord> {
  const record = await callCustomResource(
    {
      requestType,
      stackId: ctx.pseudo.stackId,
      logicalId: decl.logicalId,
      resourceType: decl.type,
      properties: decl.properties,
      oldProperties: requestType === 'Update' ? old?.properties : undefined,
      physicalId: old?.physicalId,
    },
    ctx,
  );
  ctx.recordRequest(record);
  return record;
}

export function recordOf(decl: ResourceDeclaration, physicalId: string, attributes: Record<string, unknown>): ResourceRecord {
  return {
    type: decl.type,
    physicalId,
    properties: decl.properties,
    attributes,
    dependencies: decl.dependencies,
    ...(decl.deletionPolicy ? { deletionPolicy: decl.deletionPolicy } : {}),
    ...(decl.updateReplacePolicy ? { updateReplacePolicy: decl.updateReplacePolicy } : {}),
  };
}
