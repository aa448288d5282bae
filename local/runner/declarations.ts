/**
 * A template's resources and outputs resolved against the deployed state: what each resource is
 * declared as now, and whether anything differs from what is deployed.
 */
import { ResourceRecord, stringifyProperties } from './custom-resource';
import { resolve, ResolveContext, TemplateError } from './intrinsics';
import { ResourceDeclaration } from './provisioning';
import { CfnResource, CfnTemplate, isCustomResourceType } from './template';

export interface ResolvedOutputs {
  readonly outputs: Record<string, unknown>;
  readonly exports: Record<string, string>;
}

/** The resource's resolved declaration (custom resource properties as CloudFormation sends them). */
export function declaration(id: string, resource: CfnResource, dependencies: string[], resolver: ResolveContext): ResourceDeclaration {
  const resolved = resolve(resource.Properties ?? {}, resolver, `${id}.Properties`) as Record<string, unknown>;
  return {
    logicalId: id,
    type: resource.Type,
    properties: isCustomResourceType(resource.Type) ? stringifyProperties(resolved) : resolved,
    dependencies,
    ...(resource.DeletionPolicy ? { deletionPolicy: resource.DeletionPolicy } : {}),
    ...(resource.UpdateReplacePolicy ? { updateReplacePolicy: resource.UpdateReplacePolicy } : {}),
  };
}

/** Whether the resource's properties differ from the deployed ones (what makes CloudFormation update it). */
export function propertiesChanged(old: ResourceRecord, decl: ResourceDeclaration): boolean {
  return JSON.stringify(old.properties) !== JSON.stringify(decl.properties);
}

/** The deployed record with the new declaration's dependencies and policies (no update needed). */
export function withDeclaredPolicies(old: ResourceRecord, decl: ResourceDeclaration): ResourceRecord {
  const { deletionPolicy: _d, updateReplacePolicy: _u, ...rest } = old;
  return {
    ...rest,
    dependencies: decl.dependencies,
    ...(decl.deletionPolicy ? { deletionPolicy: decl.deletionPolicy } : {}),
    ...(decl.updateReplacePolicy ? { updateReplacePolicy: decl.updateReplacePolicy } : {}),
  };
}

export function resolveOutputs(template: CfnTemplate, resolver: ResolveContext): ResolvedOutputs {
  const outputs: Record<string, unknown> = {};
  const exports: Record<string, string> = {};
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition !== undefined && !resolver.condition(output.Condition)) continue;
    outputs[name] = resolve(output.Value, resolver, `Outputs.${name}.Value`);
    if (output.Export) exports[String(resolve(output.Export.Name, resolver, `Outputs.${name}.Export.Name`))] = String(outputs[name]);
  }
  return { outputs, exports };
}

/**
 * Whether deploying `resources` over `deployed` has anything to do. A property that references a
 * resource not deployed yet cannot be compared, so it counts as a change.
 */
export function hasChanges(
  template: CfnTemplate,
  resources: CfnTemplate['Resources'],
  deployed: Record<string, ResourceRecord>,
  deployedOutputs: Record<string, unknown>,
  resolver: ResolveContext,
): boolean {
  if (Object.keys(deployed).some((id) => !(id in resources))) return true;
  try {
    for (const [id, resource] of Object.entries(resources)) {
      const old = deployed[id];
      if (!old || old.type !== resource.Type) return true;
      const decl = declaration(id, resource, old.dependencies, resolver);
      const policiesChanged = old.deletionPolicy !== decl.deletionPolicy || old.updateReplacePolicy !== decl.updateReplacePolicy;
      if (propertiesChanged(old, decl) || policiesChanged) return true;
    }
    return JSON.stringify(resolveOutputs(template, resolver).outputs) !== JSON.stringify(deployedOutputs);
  } catch (e) {
    if (e instanceof TemplateError) return true;
    throw e;
  }
}
