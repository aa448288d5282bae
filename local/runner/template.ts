/**
 * The shape of a synthesized CloudFormation template, as far as the local runner reads it.
 */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly Condition?: string;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnParameter {
  readonly Type: string;
  readonly Default?: unknown;
}

export interface CfnOutput {
  readonly Value: unknown;
  readonly Condition?: string;
  readonly Export?: { readonly Name: unknown };
}

export interface CfnTemplate {
  readonly Parameters?: Record<string, CfnParameter>;
  readonly Conditions?: Record<string, unknown>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, CfnOutput>;
}

/** Resource types CloudFormation sends to a custom resource provider. */
export function isCustomResourceType(type: string): boolean {
  return type === 'AWS::CloudFormation::CustomResource' || type.startsWith('Custom::');
}

/** The logical ids a resource's DependsOn names. */
export function dependsOnList(resource: CfnResource): string[] {
  if (resource.DependsOn === undefined) return [];
  return Array.isArray(resource.DependsOn) ? resource.DependsOn : [resource.DependsOn];
}
