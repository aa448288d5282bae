import { Construct } from 'constructs';
import { ProtonProvider } from '../custom-resources/proton-provider';

/**
 * Allows the handler `actions` on `resources` that contain a wildcard because Proton's own ids
 * are unknown at synth (connection UUIDs, version numbers) or the action has no resource type
 * (List*, account settings), and acknowledges exactly these cdk-nag findings (AwsSolutions-IAM5
 * for each resource) on the handler role with `reason`.
 */
export function allowWildcard(scope: Construct, resources: string[], actions: string[], reason: string): void {
  const provider = ProtonProvider.getOrCreate(scope);
  provider.allowManage(resources, actions);
  provider.acknowledgeWildcards(resources, reason);
}
