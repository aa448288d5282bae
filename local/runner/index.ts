/**
 * The local CloudFormation runner: deploy a CDK app's stacks against the Proton emulator (or any
 * endpoint), with Provider-framework custom resources run through their real bundled handlers.
 */
export { LocalRunner } from './runner';
export type { LocalRunnerOptions, ManualClockEmulator, OperationResult } from './runner';
export type { AppSource, SynthOptions } from './assembly';
export type { StackEvent } from './events';
export { formatEvent } from './events';
export type { StackState } from './operation-context';
export type { RequestRecord, ResourceRecord } from './custom-resource';
export type { FunctionLogLine } from './lambda-container';
export type { SessionCredentials } from './identities';
export { consoleReporter, summarize } from './report';
