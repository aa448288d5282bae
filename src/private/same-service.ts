import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { nameAtSynth } from './proton-arns';

/**
 * A Proton service as compared here: a construct and its name. A component finds at synth the
 * instance the app declares for it by {@link sameService} (`src/constructs/component.ts`), and a
 * service sync configuration the constructs of its service.
 */
export interface ServiceReference extends IConstruct {
  readonly serviceName: string;
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

/** The account and region of a construct's stack (the same pseudo-parameters for environment-agnostic stacks). */
function environmentOf(scope: IConstruct): string {
  const stack = Stack.of(scope);
  return JSON.stringify(stack.resolve([stack.account, stack.region]));
}
