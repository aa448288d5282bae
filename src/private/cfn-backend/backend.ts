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

/** The message of the CodeBuild refusal (CodeBuild provisioning, or a bundle directory provisioned by CodeBuild). */
export function codeBuildRefusal(what: string): string {
  return `${what}: CodeBuild provisioning is not supported by the cloudformation backend yet: run the bundle's provision commands `
    + 'from your own pipeline, or keep this stack on the proton backend (BackendSetting.set(stack, Backend.PROTON)).';
}

/**
 * Why a bundle directory that has no CloudFormation file cannot be deployed: it is Terraform, or
 * provisioned by CodeBuild (no engine).
 *
 * @param version `'<template>' <major>.<minor>` as messages name it
 */
export function nonCloudFormationRefusal(what: string, version: string, dir: string, engine: string | undefined): string {
  if (engine === undefined) return codeBuildRefusal(`${what} (${dir}/ of template ${version})`);
  return `${what}: template ${version} is a Terraform bundle (${dir}/, rendering_engine hcl); the cloudformation backend deploys CloudFormation only. `
    + 'Apply its .tf files with Terraform (npx cdk-proton render prints the variables Proton generated).';
}
