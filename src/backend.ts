import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * What deploys the declarations of a cdk-proton app.
 *
 * Select it for the whole app with the context key `cdk-proton:backend`
 * (`cdk synth -c cdk-proton:backend=cloudformation`), or for one stack with
 * {@link BackendSetting.set}, which wins over the context.
 */
export enum Backend {
  /**
   * AWS Proton, through the cdk-proton custom resources (the default): Proton renders the
   * templates and deploys them with its service role.
   */
  PROTON = 'proton',

  /**
   * Plain CloudFormation, without any Proton API: the library renders each environment, service
   * instance, pipeline and component at synth, as Proton would, and deploys it as a nested stack
   * of the stack that declares it. Nested stacks deploy with the deploying principal (or the
   * stack's CloudFormation execution role), not with Proton's service role. Templates, versions
   * and Proton-only resources (repositories, sync configs, account settings, environment account
   * connections) create nothing.
   */
  CLOUDFORMATION = 'cloudformation',
}

/** The context key that selects the backend of the whole app. */
const CONTEXT_KEY = 'cdk-proton:backend';

/** The backend set per root stack with {@link BackendSetting.set}. */
const SETTINGS = new WeakMap<Stack, Backend>();

/** The first cdk-proton construct that read the backend of each root stack (for the error of a late `set`). */
const FIRST_READER = new WeakMap<Stack, IConstruct>();

/**
 * Selects and reads the backend ({@link Backend}) of a stack.
 *
 * The backend of a construct is the one set on its root stack (a nested stack inherits its
 * parent's) with `BackendSetting.set`, else the context key `cdk-proton:backend` (`proton` or
 * `cloudformation`), else `Backend.PROTON`.
 */
export class BackendSetting {
  /**
   * Sets the backend of `stack` (and of its nested stacks), overriding the context key
   * `cdk-proton:backend`. Call it before declaring any cdk-proton construct in the stack.
   *
   * @param stack a stack that is not nested
   * @param backend the backend its cdk-proton constructs deploy with
   */
  public static set(stack: Stack, backend: Backend): void {
    if (stack.nestedStackParent !== undefined) {
      throw new Error(`BackendSetting.set(${stack.node.path}, ${backend}): '${stack.node.path}' is a nested stack, which deploys with its parent: `
        + `set the backend of its root stack '${rootStack(stack).node.path}'.`);
    }
    const reader = FIRST_READER.get(stack);
    if (reader !== undefined && BackendSetting.of(stack) !== backend) {
      throw new Error(`BackendSetting.set(${stack.node.path}, ${backend}): stack '${stack.node.path}' already holds cdk-proton constructs `
        + `(${reader.node.path}): set the backend before declaring them.`);
    }
    SETTINGS.set(stack, backend);
  }

  /**
   * The backend of `scope`: the one set on its root stack, else the context key
   * `cdk-proton:backend`, else `Backend.PROTON`.
   */
  public static of(scope: IConstruct): Backend {
    const stack = rootStack(Stack.of(scope));
    return SETTINGS.get(stack) ?? contextBackend(scope);
  }

  /**
   * @internal The backend a cdk-proton construct deploys with; from then on, the backend of its
   * root stack can no longer change.
   */
  public static _read(construct: IConstruct): Backend {
    const backend = BackendSetting.of(construct);
    const stack = rootStack(Stack.of(construct));
    if (!FIRST_READER.has(stack)) FIRST_READER.set(stack, construct);
    return backend;
  }

  private constructor() {}
}

function rootStack(stack: Stack): Stack {
  let root = stack;
  while (root.nestedStackParent !== undefined) root = root.nestedStackParent;
  return root;
}

function contextBackend(scope: IConstruct): Backend {
  const value: unknown = scope.node.tryGetContext(CONTEXT_KEY);
  if (value === undefined) return Backend.PROTON;
  const backend = Object.values(Backend).find((b) => b === value);
  if (backend === undefined) {
    throw new Error(`${CONTEXT_KEY} '${String(value)}' is not a backend: use 'proton' or 'cloudformation' `
      + `(e.g. cdk synth -c ${CONTEXT_KEY}=cloudformation).`);
  }
  return backend;
}
