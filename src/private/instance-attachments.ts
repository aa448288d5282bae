import { Stack, Stage, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { nameAtSynth } from './proton-arns';

/**
 * Components attached to service instances that the same app declares with `ServiceInstance`.
 *
 * Nothing in a component's properties references that `ServiceInstance` (the component names its
 * instance by a literal), so CloudFormation would create the two in parallel (the component's
 * creation fails: its instance does not exist yet) and delete them in parallel (Proton refuses to
 * remove an instance with an attached component). Each construct registers here when it is
 * constructed and is linked to the counterparts registered before it, so the component depends
 * on its instance whichever is declared first. Dependencies cannot cross cloud assemblies, so
 * each stage has its own registry.
 */

/** A Proton service as the registry compares it: a construct and its name. */
export interface ServiceReference extends IConstruct {
  readonly serviceName: string;
}

interface Attachment {
  readonly construct: IConstruct;
  readonly service: ServiceReference;
  readonly instanceName: string;
}

interface Registry {
  readonly components: Attachment[];
  readonly instances: Attachment[];
}

const REGISTRIES = new WeakMap<IConstruct, Registry>();

/** Registers a component attached to instance `instanceName` of `service`; it depends on that instance when the app declares it. */
export function registerComponentAttachment(component: IConstruct, service: ServiceReference, instanceName: string): void {
  const attachment = { construct: component, service, instanceName };
  const registry = registryOf(component);
  for (const instance of registry.instances.filter((other) => sameInstance(other, attachment))) {
    component.node.addDependency(instance.construct);
  }
  registry.components.push(attachment);
}

/** Registers a `ServiceInstance` declaring instance `instanceName` of `service`; the components attached to it depend on it. */
export function registerServiceInstance(instance: IConstruct, service: ServiceReference, instanceName: string): void {
  const declaration = { construct: instance, service, instanceName };
  const registry = registryOf(instance);
  for (const component of registry.components.filter((other) => sameInstance(other, declaration))) {
    component.construct.node.addDependency(instance);
  }
  registry.instances.push(declaration);
}

/**
 * Whether two references designate the same Proton service: the same construct, or the same name
 * known at synth in the same account and region (as far as the stacks tell).
 */
export function sameService(a: ServiceReference, b: ServiceReference): boolean {
  if (a === b) {
    return true;
  }
  const name = nameAtSynth(a, a.serviceName);
  return !Token.isUnresolved(name) && name === nameAtSynth(b, b.serviceName) && environmentOf(a) === environmentOf(b);
}

function sameInstance(a: Attachment, b: Attachment): boolean {
  return a.instanceName === b.instanceName && sameService(a.service, b.service);
}

/** The registry of the cloud assembly (stage) of `scope`. */
function registryOf(scope: IConstruct): Registry {
  const key = Stage.of(scope) ?? scope.node.root;
  let registry = REGISTRIES.get(key);
  if (registry === undefined) {
    registry = { components: [], instances: [] };
    REGISTRIES.set(key, registry);
  }
  return registry;
}

/** The account and region of a construct's stack (the same pseudo-parameters for environment-agnostic stacks). */
function environmentOf(scope: IConstruct): string {
  const stack = Stack.of(scope);
  return JSON.stringify(stack.resolve([stack.account, stack.region]));
}
