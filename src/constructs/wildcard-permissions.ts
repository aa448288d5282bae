import { Stack, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ProtonProvider } from '../custom-resources/proton-provider';

/**
 * A resource of an IAM statement as cdk-nag names it in a granular finding id: references
 * become `<LogicalId>` / `<LogicalId.Attribute>` / `<AWS::Pseudo>`.
 */
function nagResource(stack: Stack, resource: string): string {
  const resolved: unknown = stack.resolve(resource);
  const render = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const p = part as Record<string, unknown>;
    if (typeof p.Ref === 'string') return `<${p.Ref}>`;
    if (Array.isArray(p['Fn::GetAtt'])) return `<${(p['Fn::GetAtt'] as string[]).join('.')}>`;
    if (Array.isArray(p['Fn::Join'])) return ((p['Fn::Join'] as [string, unknown[]])[1]).map(render).join((p['Fn::Join'] as [string])[0]);
    return JSON.stringify(part);
  };
  return render(resolved);
}

/**
 * Allows the handler `actions` on `resources` that contain a wildcard because Proton's own ids
 * are unknown at synth (connection UUIDs) or the action has no resource type (List*, account
 * settings), and acknowledges exactly these cdk-nag findings (AwsSolutions-IAM5 for each
 * resource) on the handler role with `reason`.
 */
export function allowWildcard(scope: Construct, resources: string[], actions: string[], reason: string): void {
  const provider = ProtonProvider.getOrCreate(scope);
  provider.allowManage(resources, actions);
  const stack = Stack.of(scope);
  Validations.of(provider.node.findChild('HandlerRole')).acknowledge(
    ...resources.map((resource) => ({ id: `AwsSolutions-IAM5[Resource::${nagResource(stack, resource)}]`, reason })),
  );
}
