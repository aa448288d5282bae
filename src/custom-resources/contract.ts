/**
 * The wire contract between the constructs (synth time) and the custom-resource handler
 * (deploy time): resource-type names, the `ResourceProperties` each construct writes and the
 * `Data` each handler returns.
 *
 * Both sides import these types, so a property renamed on one side fails to compile on the other.
 * This module must stay free of aws-cdk-lib imports: it is bundled into the handler.
 *
 * CloudFormation delivers every scalar property as a string (booleans and numbers included);
 * the handler parses them back with one shared parser (`lambda/engine/properties.ts`).
 */

/** CloudFormation resource types of the custom resources, one per Proton resource. */
export const ProtonResourceType = {
  ENVIRONMENT_TEMPLATE: 'Custom::ProtonEnvironmentTemplate',
} as const;

/** Any of the resource types the handler dispatches on. */
export type ProtonResourceTypeName = typeof ProtonResourceType[keyof typeof ProtonResourceType];

/**
 * Tags the handler writes on every Proton resource it creates. A resource carrying this stack's
 * values is recognised (adopted) when a create is replayed; any other resource with the same name
 * is foreign and never adopted, updated or deleted.
 */
export const OwnershipTag = {
  STACK_ID: 'cdk-proton:stack-id',
  LOGICAL_ID: 'cdk-proton:logical-id',
} as const;

/** `provisioning` of a template whose infrastructure is provisioned outside Proton. */
export const CUSTOMER_MANAGED_PROVISIONING = 'CUSTOMER_MANAGED';

/** `ResourceProperties` of `Custom::ProtonEnvironmentTemplate` (besides `ServiceToken`). */
export interface EnvironmentTemplateProperties {
  /** Template name (immutable; the physical id). */
  readonly Name: string;
  /** Display name (mutable). */
  readonly DisplayName?: string;
  /** Description (mutable; never logged nor returned). */
  readonly Description?: string;
  /** Customer managed KMS key ARN (immutable). */
  readonly EncryptionKey?: string;
  /** `CUSTOMER_MANAGED`, or absent for a standard template (immutable). */
  readonly Provisioning?: string;
  /** Customer tags (mutable: applied with TagResource / UntagResource). */
  readonly Tags?: Record<string, string>;
}

/** `Data` of `Custom::ProtonEnvironmentTemplate`: every key is always present. */
export interface EnvironmentTemplateData {
  readonly Arn: string;
  readonly Name: string;
}
