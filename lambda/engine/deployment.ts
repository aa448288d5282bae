/**
 * The deployment mechanism shared by every deployable Proton resource (environments, service
 * instances, service pipelines): status mapping, the deployment type an update needs, the
 * bookkeeping `onEvent` hands to `isComplete`, waiting for a deployment (and for a foreign one to
 * finish first), the time budget with cancellation, and output selection.
 *
 * Time is measured on the server's clock — the `Date` header of Proton's responses — never the
 * handler's: the request's start is the latest Proton response of `onEvent`, "now" the latest
 * response of `isComplete`. An emulator with a virtual clock announces its time in the
 * `x-emulator-clock` header (epoch ms; a virtual `Date` would trip the SDK's clock-skew retries),
 * which takes precedence, so the budget behaves identically against Proton and in deterministic
 * tests.
 */
import type { ProtonClient } from '@aws-sdk/client-proton';
import { failure, isProtonError, isTransient } from './errors';
import { log } from './log';
import { DEPLOYMENT_BUDGET_SECONDS, DeploymentBookkeeping, OUTPUT_ATTRIBUTE_PREFIX } from '../../src/custom-resources/contract';

/** Header of an emulator's (virtual) clock, epoch milliseconds; see the module comment. */
export const EMULATOR_CLOCK_HEADER = 'x-emulator-clock';

/** Proton's DeploymentUpdateType. */
export type DeploymentType = 'NONE' | 'CURRENT_VERSION' | 'MINOR_VERSION' | 'MAJOR_VERSION';

/** Where a deployment stands. `CANCELLED` is final (no AWS waiter knows it). */
export type DeploymentPhase = 'in-progress' | 'succeeded' | 'failed';

const PHASES: Record<string, DeploymentPhase> = {
  IN_PROGRESS: 'in-progress',
  CANCELLING: 'in-progress',
  DELETE_IN_PROGRESS: 'in-progress',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  CANCELLED: 'failed',
  DELETE_FAILED: 'failed',
  DELETE_COMPLETE: 'failed',
};

/** Maps Proton's DeploymentStatus; an unknown status fails the request rather than waiting forever. */
export function deploymentPhase(status: string | undefined, what: string): DeploymentPhase {
  const phase = status === undefined ? undefined : PHASES[status];
  if (phase === undefined) {
    throw failure(`${what} has deploymentStatus '${status}', which cdk-proton does not know (known: ${Object.keys(PHASES).join(', ')}).`);
  }
  return phase;
}

/** What a deployable resource deploys: its spec and template version. */
export interface DeployedVersion {
  readonly spec: string;
  readonly majorVersion: string;
  /** Absent: the recommended minor of the major. */
  readonly minorVersion?: string;
}

/**
 * The deployment type that takes a resource from `current` to `desired`: a higher major →
 * MAJOR_VERSION, another minor → MINOR_VERSION, another spec → CURRENT_VERSION, nothing of these
 * → NONE (metadata only). Proton cannot deploy a lower major version.
 */
export function deploymentTypeFor(current: DeployedVersion, desired: DeployedVersion, what: string): DeploymentType {
  if (desired.majorVersion !== current.majorVersion) {
    if (Number(desired.majorVersion) < Number(current.majorVersion)) {
      throw failure(`${what} runs template major version ${current.majorVersion}; Proton cannot deploy a lower major version (${desired.majorVersion}). `
        + `Keep major version ${current.majorVersion} or higher, or give the resource a new name to create it anew on major version ${desired.majorVersion}.`);
    }
    return 'MAJOR_VERSION';
  }
  if (desired.minorVersion !== current.minorVersion) {
    return 'MINOR_VERSION';
  }
  return desired.spec !== current.spec ? 'CURRENT_VERSION' : 'NONE';
}

/** The server time of the latest response of a Proton client, in epoch seconds. */
export class ProtonClock {
  /** Reads the `Date` header of every response `client` receives. */
  public static attach(client: ProtonClient): ProtonClock {
    const clock = new ProtonClock();
    client.middlewareStack.add((next) => async (args) => {
      try {
        const result = await next(args);
        clock.observe((result.response as { headers?: Record<string, string> } | undefined)?.headers);
        return result;
      } catch (error) {
        // An error answer (a throttle, a 5xx) carries the server's time too.
        clock.observe((error as { $response?: { headers?: Record<string, string> } }).$response?.headers);
        throw error;
      }
    }, { step: 'deserialize', name: 'cdkProtonServerClock' });
    return clock;
  }

  private latestMs?: number;
  /** The local time at which the latest response was received. */
  private latestLocalMs = 0;

  private constructor() {}

  /** Proton's time at its latest response; the local time when no response carried one. */
  public nowSeconds(): number {
    return Math.floor((this.latestMs ?? Date.now()) / 1000);
  }

  /** Proton's time at its latest response, in epoch seconds; undefined before any response. */
  public observedSeconds(): number | undefined {
    return this.latestMs === undefined ? undefined : Math.floor(this.latestMs / 1000);
  }

  /**
   * Proton's time at the local time `localMs`, in epoch seconds: its latest response's time less
   * the local time elapsed since `localMs` (a duration: no agreement between the two clocks is
   * needed); undefined before any response.
   */
  public secondsAt(localMs: number): number | undefined {
    return this.latestMs === undefined ? undefined : Math.floor((this.latestMs - (this.latestLocalMs - localMs)) / 1000);
  }

  private observe(headers: Record<string, string> | undefined): void {
    const emulated = headers?.[EMULATOR_CLOCK_HEADER];
    const date = headers?.date;
    const ms = emulated !== undefined ? Number(emulated) : date !== undefined ? Date.parse(date) : NaN;
    if (Number.isFinite(ms)) {
      this.latestMs = ms;
      this.latestLocalMs = Date.now();
    }
  }
}

/** What `onEvent` did about the deployment, for `isComplete` to carry on from. */
export type DeploymentPlan =
  /** Nothing to wait for: a metadata-only update, or nothing changed. */
  | { readonly kind: 'none' }
  /** `onEvent` started a deployment; `baseline` is the last attempted deployment before it. */
  | { readonly kind: 'started'; readonly baseline: string }
  /** The resource was busy; `isComplete` starts `type` once the deployment `baseline` is final. */
  | { readonly kind: 'deferred'; readonly type: DeploymentType; readonly baseline: string };

/** The bookkeeping `Data` of `onEvent`. */
export function bookkeepingData(startedAt: number, plan: DeploymentPlan): Record<string, string> {
  return {
    [DeploymentBookkeeping.STARTED_AT]: String(startedAt),
    [DeploymentBookkeeping.BASELINE]: plan.kind === 'none' ? '' : plan.baseline,
    [DeploymentBookkeeping.PENDING]: plan.kind === 'deferred' ? plan.type : plan.kind === 'started' ? 'STARTED' : 'NONE',
  };
}

/** Reads the bookkeeping `onEvent` returned; a request without it (a no-op update) waits for nothing. */
export function readBookkeeping(data: Record<string, string> | undefined): { startedAt?: number; plan: DeploymentPlan } {
  const pending = data?.[DeploymentBookkeeping.PENDING];
  const startedAt = data?.[DeploymentBookkeeping.STARTED_AT];
  const baseline = data?.[DeploymentBookkeeping.BASELINE] ?? '';
  const at = startedAt === undefined ? undefined : Number(startedAt);
  if (pending === undefined || pending === 'NONE') return { startedAt: at, plan: { kind: 'none' } };
  if (pending === 'STARTED') return { startedAt: at, plan: { kind: 'started', baseline } };
  return { startedAt: at, plan: { kind: 'deferred', type: pending as DeploymentType, baseline } };
}

/** A deployable resource as Proton reports it. */
export interface DeploymentView {
  readonly deploymentStatus?: string;
  readonly deploymentStatusMessage?: string;
  readonly lastAttemptedDeploymentId?: string;
}

/** How to drive one deployable resource. */
export interface DeploymentDriver {
  /** e.g. `Proton environment 'dev'`. */
  readonly what: string;
  /** Starts a deployment of `type` (NONE: metadata only). */
  start(type: DeploymentType): Promise<void>;
  /** Cancels the resource's IN_PROGRESS update deployment. */
  cancel(): Promise<void>;
}

/**
 * `onEvent` of a deploying request: starts `type` unless the resource is busy, in which case the
 * start is deferred to `isComplete`. A busy resource whose deployment is `stale` (it deploys what
 * CloudFormation is moving away from: the failed update a rollback Update undoes) is cancelled
 * first; any other busy deployment is waited for.
 */
export async function startOrDefer(driver: DeploymentDriver, view: DeploymentView, type: DeploymentType, stale: boolean): Promise<DeploymentPlan> {
  const baseline = view.lastAttemptedDeploymentId ?? '';
  if (deploymentPhase(view.deploymentStatus, driver.what) === 'in-progress') {
    if (stale && view.deploymentStatus === 'IN_PROGRESS') {
      await cancelIfPossible(driver);
    }
    log('deployment deferred: resource busy', { name: driver.what, status: view.deploymentStatus });
    return { kind: 'deferred', type, baseline };
  }
  try {
    await driver.start(type);
  } catch (error) {
    if (isProtonError(error, 'ConflictException')) {
      // Something else started a deployment between our read and our call: wait for it.
      log('deployment deferred: Proton reported a conflict', { name: driver.what, errorName: 'ConflictException' });
      return { kind: 'deferred', type, baseline };
    }
    if (isTransient(error)) {
      // No answer: the call may or may not have started the deployment. isComplete tells which by
      // the resource's last deployment (a new one is this request's) and starts it otherwise.
      log('deployment deferred: Proton did not answer', { name: driver.what, errorName: (error as Error).name });
      return { kind: 'deferred', type, baseline };
    }
    throw failure(`Could not update ${driver.what}`, error);
  }
  return type === 'NONE' ? { kind: 'none' } : { kind: 'started', baseline };
}

/** What `awaitDeployment` needs besides the driver. */
export interface AwaitOptions {
  readonly view: DeploymentView;
  readonly plan: DeploymentPlan;
  readonly startedAt?: number;
  readonly clock: ProtonClock;
  /** Self-managed provisioning: complete once Proton accepted the deployment (a pull request awaits a human). */
  readonly completeWhenAccepted?: boolean;
  /** Whether this request's deployment is an update (only an update deployment can be cancelled). */
  readonly cancellable: boolean;
}

/**
 * One `isComplete` step: `true` once this request's deployment succeeded, `false` while it (or a
 * deployment it waits for) runs; throws with Proton's message when it failed or was cancelled,
 * and cancels it (when Proton can) once it outlives the budget.
 */
export async function awaitDeployment(driver: DeploymentDriver, options: AwaitOptions): Promise<boolean> {
  const { view, plan } = options;
  if (plan.kind === 'none') return true;
  const phase = deploymentPhase(view.deploymentStatus, driver.what);
  const ours = (view.lastAttemptedDeploymentId ?? '') !== plan.baseline;
  if (!ours) {
    if (phase === 'in-progress') {
      assertWithinBudget(driver, options, `it is still busy with an earlier deployment (deploymentStatus ${view.deploymentStatus})`);
      return false;
    }
    if (plan.kind === 'started') {
      throw failure(`${driver.what} shows no deployment after cdk-proton started one (deploymentStatus ${view.deploymentStatus}); it was changed outside CloudFormation.`);
    }
    await startOrDefer(driver, view, plan.type, false);
    return plan.type === 'NONE';
  }
  switch (phase) {
    case 'succeeded':
      return true;
    case 'failed':
      throw failure(`${driver.what} deployment ${view.deploymentStatus}: ${view.deploymentStatusMessage ?? 'Proton gave no message'}`);
    case 'in-progress':
      if (options.completeWhenAccepted && view.deploymentStatus === 'IN_PROGRESS') {
        log('self-managed deployment accepted; not waiting for the pull request', { name: driver.what, status: view.deploymentStatus });
        return true;
      }
      if (overBudget(options) && options.cancellable && view.deploymentStatus === 'IN_PROGRESS') {
        await cancelIfPossible(driver);
        throw failure(`${driver.what} was still deploying after ${DEPLOYMENT_BUDGET_SECONDS / 60} minutes, the budget of one CloudFormation request: `
          + 'cdk-proton cancelled the deployment (CancelEnvironmentDeployment / CancelServiceInstanceDeployment / CancelServicePipelineDeployment / CancelComponentDeployment). '
          + 'Find out why it is slow in the Proton console, then deploy again.');
      }
      assertWithinBudget(driver, options, `its deployment is still ${view.deploymentStatus} and Proton cannot cancel it`);
      return false;
  }
}

function overBudget(options: Pick<AwaitOptions, 'startedAt' | 'clock'>): boolean {
  return options.startedAt !== undefined && options.clock.nowSeconds() - options.startedAt > DEPLOYMENT_BUDGET_SECONDS;
}

/** Fails the request once the budget is spent on something cdk-proton cannot cancel. */
export function assertWithinBudget(driver: Pick<DeploymentDriver, 'what'>, options: Pick<AwaitOptions, 'startedAt' | 'clock'>, why: string): void {
  if (overBudget(options)) {
    throw failure(`${driver.what} did not finish within ${DEPLOYMENT_BUDGET_SECONDS / 60} minutes, the budget of one CloudFormation request: ${why}. `
      + 'Check the resource in the Proton console, then deploy again.');
  }
}

/**
 * `OwnedDeletion.deleting` for a resource whose delete Proton carries out over time: whether it is
 * DELETE_IN_PROGRESS (nothing to do but wait), failing once that outlasts the request's budget.
 */
export function deletingWithinBudget<R>(
  what: string, clock: ProtonClock, status: (resource: R) => string | undefined, startedAt: (resource: R) => number | undefined,
): (resource: R) => boolean {
  return (resource) => {
    if (status(resource) !== 'DELETE_IN_PROGRESS') return false;
    assertWithinBudget({ what }, { startedAt: startedAt(resource), clock }, 'it is still DELETE_IN_PROGRESS');
    return true;
  };
}

async function cancelIfPossible(driver: DeploymentDriver): Promise<void> {
  try {
    await driver.cancel();
    log('cancelled deployment', { name: driver.what });
  } catch (error) {
    // Conflict: the deployment finished (or is a create) meanwhile — waiting for it is all that is left.
    if (!isProtonError(error, 'ConflictException')) {
      throw failure(`Could not cancel the deployment of ${driver.what}`, error);
    }
  }
}

/**
 * The requested outputs as `Data` entries (`Output.<key>`), each always present; an output the
 * template did not produce fails the request, naming the ones it did produce.
 */
export function selectOutputs(
  what: string,
  requested: readonly string[],
  produced: ReadonlyArray<{ readonly key?: string; readonly valueString?: string }>,
): Record<string, string> {
  const values = new Map(produced.filter((o) => o.key !== undefined).map((o) => [o.key!, o.valueString ?? '']));
  const missing = requested.filter((key) => !values.has(key));
  if (missing.length > 0) {
    const available = [...values.keys()].sort();
    throw failure(`${what} has no output ${missing.map((k) => `'${k}'`).join(', ')}: its template produced ${available.length > 0 ? available.join(', ') : 'no outputs'}. `
      + 'Read only outputs the template declares (getOutput), or add them to the template\'s infrastructure as code.');
  }
  return Object.fromEntries(requested.map((key) => [`${OUTPUT_ATTRIBUTE_PREFIX}${key}`, values.get(key)!]));
}
