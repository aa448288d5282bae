import type { ProtonClient } from '@aws-sdk/client-proton';
import { ProtonClock } from './deployment';
import { failure, gaveUp, isTransient, operationOf } from './errors';
import { DEPLOYMENT_POLL_MS, FIRST_SHORT_POLL_MS, Invocation, LambdaContextLike, Pace } from './invocation';
import { log } from './log';
import { NameKeyedResource, createOrAdopt } from './name-keyed-create';
import { PropertyReader } from './properties';
import type { IsCompleteRequest, IsCompleteResponse, OnEventResponse } from './types';
import { DeploymentBookkeeping, PropertySchema } from '../../src/custom-resources/contract';

/**
 * How long after `onEvent` an isComplete call counts as the request's first, in seconds on
 * Proton's clock: the Provider calls isComplete right after onEvent, and every later call at least
 * one query interval (10 s) after the previous one returned.
 */
export const FIRST_CHECK_WINDOW_SECONDS = 5;

/**
 * Upper bound of the serialized `Data` a handler returns. CloudFormation rejects responses over
 * 4096 bytes (and a rejected Delete response ends in DELETE_FAILED); the rest of the response
 * (ids, status, reason) needs the remainder.
 */
export const MAX_DATA_BYTES = 2048;

/** How an Update event must be carried out, with the property names that decided it. */
export type UpdatePlan =
  | { readonly kind: 'no-op' }
  | { readonly kind: 'in-place'; readonly changes: readonly string[] }
  | { readonly kind: 'replacement'; readonly reasons: readonly string[] };

/**
 * Classifies an update from the names of changed properties: any change to a property in
 * `immutable` forces a replacement, any other change is applied in place.
 */
export function planUpdate<P extends object>(oldProps: P, newProps: P, immutable: ReadonlyArray<keyof P>): UpdatePlan {
  const keys = new Set([...Object.keys(oldProps), ...Object.keys(newProps)] as Array<keyof P>);
  const changed = [...keys].filter((key) => JSON.stringify(oldProps[key]) !== JSON.stringify(newProps[key])).sort();
  const reasons = changed.filter((key) => immutable.includes(key));
  if (reasons.length > 0) {
    return { kind: 'replacement', reasons: reasons.map(String) };
  }
  return changed.length > 0 ? { kind: 'in-place', changes: changed.map(String) } : { kind: 'no-op' };
}

/** What the entry point needs of a handler: the two Provider-framework calls. */
export interface LifecycleHandler {
  /** The Lambda context of the invocation (its remaining time), when run in Lambda. */
  inInvocation(context: LambdaContextLike | undefined): this;
  onEvent(): Promise<OnEventResponse>;
  isComplete(): Promise<IsCompleteResponse>;
}

/**
 * One custom resource type's lifecycle against Proton. The Provider framework calls `onEvent`
 * once per CloudFormation request and then `isComplete` until it returns `IsComplete: true`
 * (or throws, which fails the request with the error's message).
 *
 * Subclasses provide parsing, identity, the Proton calls and the status mapping; this base owns
 * the dispatch, the update classification, the refusal of same-identity replacements, the
 * "never act on an id that is not ours" rule for deletes, and how a request waits:
 *
 * - A delete calls nothing in `onEvent`: it returns the physical id CloudFormation sent, and every
 *   step of the delete is an isComplete step (`deleteStep`), which can be repeated.
 * - isComplete runs the request's step, and while the step finds Proton still working it waits
 *   and runs it again within the same invocation — from 2 s, doubling, for short operations
 *   (`pace` 'short': registration, publication), every 10 s for deployments — for up to a
 *   minute; a longer wait is handed over to the Provider's isComplete loop.
 * - A step that fails transiently (throttled, a 5xx, a timeout, after the SDK's retries) means
 *   "not complete yet", never a failed resource: the next poll reads Proton again.
 */
export abstract class ResourceHandler<P extends object, D extends { readonly [K in keyof D]: string }> implements LifecycleHandler {
  protected readonly props: P;
  protected readonly oldProps?: P;

  /**
   * What `onEvent` hands to every `isComplete` call of the request (the Provider framework passes
   * `onEvent`'s `Data` into their events, and merges it into the final `Data`). Handlers whose
   * completion depends on what `onEvent` did (e.g. a deployment it started) set it there.
   */
  protected onEventData?: Record<string, string>;

  /** What the current step waits for when it finds the request not complete (a step sets it). */
  protected pace: Pace = 'deployment';

  /** The Lambda invocation this handler runs in. */
  protected invocation = Invocation.outsideLambda();

  /** Proton's clock: the time of its latest response (deployment.ts). */
  protected readonly clock: ProtonClock;

  /** The isComplete steps this invocation ran, and when (local time) the current one started. */
  private steps = 0;
  private stepStartedAtMs?: number;

  /**
   * @param schema the kind's properties as declared in the contract: read by it (else by `parseProperties`)
   */
  constructor(protected readonly proton: ProtonClient, protected readonly event: IsCompleteRequest, schema?: PropertySchema) {
    this.clock = ProtonClock.attach(proton);
    const parse = (raw: Record<string, unknown>) => {
      const reader = new PropertyReader(event.ResourceType, raw);
      const props = schema ? reader.read(schema) as P : this.parseProperties(reader);
      this.checkProperties(props);
      return props;
    };
    this.props = parse(event.ResourceProperties);
    if (event.RequestType === 'Update') {
      this.oldProps = parse(event.OldResourceProperties);
    }
  }

  public inInvocation(context: LambdaContextLike | undefined): this {
    this.invocation = new Invocation(context);
    return this;
  }

  public async onEvent(): Promise<OnEventResponse> {
    this.logEvent('onEvent');
    // Nothing onEvent does may fail on a throttle: what it calls is repeatable, and retried while there is time.
    let physicalId: string;
    try {
      physicalId = await this.invocation.persist('onEvent', () => this.onEventPhysicalId());
    } catch (error) {
      if (isTransient(error)) throw gaveUp(`${this.event.RequestType} of ${this.event.LogicalResourceId} (${this.event.ResourceType})`, error);
      throw error;
    }
    return this.onEventData === undefined ? { PhysicalResourceId: physicalId } : { PhysicalResourceId: physicalId, Data: this.onEventData };
  }

  private async onEventPhysicalId(): Promise<string> {
    switch (this.event.RequestType) {
      case 'Create':
        return this.onCreate();
      case 'Update':
        return this.onUpdate(this.oldProps!, this.event.PhysicalResourceId);
      case 'Delete':
        if (this.isOurPhysicalId(this.event.PhysicalResourceId)) await this.recordDeleteStart();
        return this.event.PhysicalResourceId;
    }
  }

  public async isComplete(): Promise<IsCompleteResponse> {
    this.logEvent('isComplete');
    let shortWait = FIRST_SHORT_POLL_MS;
    for (;;) {
      this.pace = 'deployment';
      this.steps++;
      this.stepStartedAtMs = Date.now();
      let response: IsCompleteResponse;
      try {
        response = await this.step(this.event.PhysicalResourceId!);
      } catch (error) {
        if (!isTransient(error)) throw error;
        log('Proton did not answer; not complete yet', { operation: operationOf(error), errorName: (error as Error).name });
        return { IsComplete: false };
      }
      if (response.IsComplete) return response;
      const pace = this.pace as Pace;
      const wait = pace === 'short' ? shortWait : DEPLOYMENT_POLL_MS;
      if (!this.invocation.canWaitInline(wait)) return response;
      await this.invocation.sleep(wait);
      if (pace === 'short') shortWait = Math.min(shortWait * 2, DEPLOYMENT_POLL_MS);
    }
  }

  /** One step of the request, repeatable: complete with the `Data`, or not yet. */
  private async step(physicalId: string): Promise<IsCompleteResponse> {
    switch (this.event.RequestType) {
      case 'Create':
        return this.result(await this.isCreateComplete(physicalId));
      case 'Update':
        return this.result(await this.isUpdateComplete(physicalId));
      case 'Delete':
        if (!this.isOurPhysicalId(physicalId)) {
          log('delete skipped: physical id does not designate a resource created by this handler', { logicalId: this.event.LogicalResourceId, physicalId });
          return { IsComplete: true };
        }
        return { IsComplete: await this.deleteStep(physicalId) };
    }
  }

  /**
   * Whether this isComplete call is the request's first (right after onEvent), on Proton's clock:
   * from the request's start that onEvent recorded (`recordRequestStart`) to the start of this
   * step (Proton's latest response less the local time since the step started — so a slow,
   * throttled or retried call within the step does not age it), and only for the first step of
   * the invocation (an inline poll is never the first). A check must have called Proton before it
   * asks. When the start is unknown the call counts as the first, which asks for the most careful
   * checks.
   */
  protected isFirstCheck(): boolean {
    return this.firstCheck() ?? true;
  }

  /** {@link isFirstCheck}, undefined when it cannot be told (no Proton response yet). */
  private firstCheck(): boolean | undefined {
    if (this.steps > 1) return false;
    const startedAt = Number(this.event.Data?.[DeploymentBookkeeping.STARTED_AT]);
    const now = this.clock.secondsAt(this.stepStartedAtMs ?? Date.now());
    if (!Number.isFinite(startedAt)) return true;
    return now === undefined ? undefined : now - startedAt < FIRST_CHECK_WINDOW_SECONDS;
  }

  /**
   * A create's read of its resource in isComplete: on the first check it decides whether the
   * resource is created now, so it is retried while the invocation has time and, failing that,
   * fails the request (a later check could no longer tell a resource it must create from one
   * deleted outside CloudFormation).
   */
  protected async readForCreate<R>(read: () => Promise<R>): Promise<R> {
    try {
      return await this.invocation.persist('read before create', read);
    } catch (error) {
      if (isTransient(error) && this.firstCheck() !== false) throw gaveUp(`Could not create ${this.event.LogicalResourceId}`, error);
      throw error;
    }
  }

  /**
   * A create made by the request's first check, for kinds whose create starts a deployment: reads
   * the resource (`readForCreate`); on the first check creates it, or adopts the one an earlier
   * attempt of this resource created (`createOrAdopt`, given that read), and knows the outcome
   * before it returns; later checks return what they read.
   *
   * @param get the read (ResourceNotFound as `undefined`)
   * @param resource how to create and adopt it, made only on the first check
   */
  protected async createdOnFirstCheck<R extends { readonly arn?: string }>(
    get: () => Promise<R | undefined>,
    resource: () => Promise<NameKeyedResource<R>>,
  ): Promise<R | undefined> {
    const found = await this.readForCreate(get);
    if (!this.isFirstCheck()) return found;
    return (await createOrAdopt(this.proton, this.event, await resource(), this.invocation, { existing: found })).resource;
  }

  /**
   * What a delete's onEvent does before isComplete takes over: nothing, unless its steps ask
   * {@link isFirstCheck} (the deletes that wait for Proton do): then it records its start.
   */
  protected async recordDeleteStart(): Promise<void> {
    return undefined;
  }

  /**
   * Records when the request started on Proton's clock, in the `Data` isComplete receives (for
   * {@link isFirstCheck}, and the budget): reads the resource once (`probe`) to learn it, unless a
   * response was seen already.
   */
  protected async recordRequestStart(probe: () => Promise<unknown>): Promise<void> {
    if (this.clock.observedSeconds() === undefined) await probe();
    this.onEventData = { ...this.onEventData, [DeploymentBookkeeping.STARTED_AT]: String(this.clock.nowSeconds()) };
  }

  /** Whether the request creates the resource: a Create, or an Update whose onEvent returned another identity (a replacement). */
  protected get creating(): boolean {
    return this.event.RequestType === 'Create'
      || (this.event.RequestType === 'Update' && this.identity(this.oldProps!) !== this.event.PhysicalResourceId);
  }

  /** Reads and checks the resource's properties (CloudFormation stringifies scalars), for kinds without a schema. */
  protected parseProperties(_reader: PropertyReader): P {
    throw new Error(`${this.event.ResourceType}: the handler declares neither a property schema nor parseProperties.`);
  }

  /** Checks what a schema cannot say about the parsed properties (e.g. a value's meaning); throws with the fix. */
  protected checkProperties(_props: P): void {
    return undefined;
  }

  /** The Proton identity the properties designate (the physical id of the resource). */
  protected abstract identity(props: P): string;

  /** Replacement vs in-place vs no-op, with the properties that decided it. */
  protected abstract analyzeUpdate(oldProps: P, newProps: P): UpdatePlan;

  /**
   * Returns the physical id of the resource to create (or adopt, on a replay). Creates whose
   * identity is known before Proton is called (names) return it at once and create in isComplete:
   * the physical id is then known to CloudFormation before anything exists in Proton, so that
   * whatever happens next — a crash included — the rollback's Delete names it.
   */
  protected abstract onCreate(): Promise<string>;

  /** Applies an in-place update. */
  protected abstract onUpdateInPlace(oldProps: P, physicalId: string): Promise<void>;

  /**
   * One step of deleting the resource named by a physical id that is ours: `true` once it is
   * gone (or was never this resource's), `false` while Proton is still deleting. Repeatable.
   */
  protected abstract deleteStep(physicalId: string): Promise<boolean>;

  /** `Data` when complete, `undefined` while Proton is still working; throws on a failed state. */
  protected abstract isCreateComplete(physicalId: string): Promise<D | undefined>;

  /** As `isCreateComplete`, for an update (in place or a replacement under a new identity). */
  protected isUpdateComplete(physicalId: string): Promise<D | undefined> {
    return this.isCreateComplete(physicalId);
  }

  /** The message refusing a replacement that would reuse `identity`, with how to fix it. */
  protected abstract sameIdentityReplacementMessage(identity: string, reasons: readonly string[]): string;

  /**
   * Whether a physical id designates a resource this handler made. A Create that failed before
   * Proton was called reports some other id (e.g. the framework's marker or the request id), and
   * the Delete that follows must not act on it.
   */
  protected isOurPhysicalId(physicalId: string): boolean {
    return physicalId === this.identity(this.props);
  }

  private async onUpdate(oldProps: P, physicalId: string): Promise<string> {
    const plan = this.analyzeUpdate(oldProps, this.props);
    log('update plan', {
      logicalId: this.event.LogicalResourceId,
      physicalId,
      status: plan.kind,
      reasons: plan.kind === 'replacement' ? plan.reasons : plan.kind === 'in-place' ? plan.changes : [],
    });
    switch (plan.kind) {
      case 'no-op':
        return physicalId;
      case 'in-place':
        await this.onUpdateInPlace(oldProps, physicalId);
        return physicalId;
      case 'replacement':
        if (this.identity(this.props) === physicalId) {
          // CloudFormation would create "the new one" first (Proton returns the old one) and its
          // cleanup Delete would then destroy the only resource: refuse.
          throw failure(this.sameIdentityReplacementMessage(physicalId, plan.reasons));
        }
        return this.onCreate();
    }
  }

  private result(data: D | undefined): IsCompleteResponse {
    if (data === undefined) {
      return { IsComplete: false };
    }
    const size = Buffer.byteLength(JSON.stringify(data));
    if (size > MAX_DATA_BYTES) {
      throw failure(`${this.event.ResourceType} response Data is ${size} bytes, over the ${MAX_DATA_BYTES}-byte budget of a CloudFormation response.`);
    }
    return { IsComplete: true, Data: { ...data } as Record<string, string> };
  }

  private logEvent(phase: string): void {
    log(phase, {
      requestType: this.event.RequestType,
      resourceType: this.event.ResourceType,
      logicalId: this.event.LogicalResourceId,
      physicalId: this.event.PhysicalResourceId,
      requestId: this.event.RequestId,
    });
  }
}
