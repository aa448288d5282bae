import { Annotations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { Backend, BackendSetting } from '../../backend';

/** Whether `construct` deploys with the cloudformation backend (the read fixes its root stack's backend). */
export function usesCloudFormationBackend(construct: IConstruct): boolean {
  return BackendSetting._read(construct) === Backend.CLOUDFORMATION;
}

/** The id of the warnings about what the cloudformation backend ignores or omits. */
export const BACKEND_IGNORED = 'cdk-proton:backend-ignored';

/** Warns that `prop` of `construct` has no meaning in the cloudformation backend, and why. */
export function warnIgnored(construct: IConstruct, prop: string, given: unknown, why: string): void {
  if (given === undefined) return;
  Annotations.of(construct).addWarningV2(BACKEND_IGNORED, `${prop} of '${construct.node.path}' is not used by the cloudformation backend: ${why}`);
}

/** Warns that a Proton-only construct creates nothing in the cloudformation backend. */
export function warnOmitted(construct: IConstruct, kind: string): void {
  Annotations.of(construct).addWarningV2(BACKEND_IGNORED, `The ${kind} '${construct.node.path}' is Proton-only and is omitted by the cloudformation backend.`);
}
