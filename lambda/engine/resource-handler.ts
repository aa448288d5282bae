import type { ProtonClient } from '@aws-sdk/client-proton';
import { failure } from './errors';
import { log } from './log';
import { PropertyReader } from './properties';
import type { IsCompleteRequest, IsCompleteResponse, OnEventResponse } from './types';

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
  onEvent(): Promise<OnEventResponse>;
  isComplete(): Promise<IsCompleteResponse>;
}

/**
 * One custom resource type's lifecycle against Proton. The Provider framework calls `onEvent`
 * once per CloudFormation request and then `isComplete` until it returns `IsComplete: true`
 * (or throws, which fails the request with the error's message).
 *
 * Subclasses provide parsing, identity, the Proton calls and the status mapping; this base owns
 * the dispatch, the update classification, the refusal of same-identity replacements and the
 * "never act on an id that is not ours" rule for deletes.
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

  constructor(protected readonly proton: ProtonClient, protected readonly event: IsCompleteRequest) {
    this.props = this.parseProperties(new PropertyReader(event.ResourceType, event.ResourceProperties));
    if (event.RequestType === 'Update') {
      this.oldProps = this.parseProperties(new PropertyReader(event.ResourceType, event.OldResourceProperties));
    }
  }

  public async onEvent(): Promise<OnEventResponse> {
    this.logEvent('onEvent');
    const physicalId = await this.onEventPhysicalId();
    return this.onEventData === undefined ? { PhysicalResourceId: physicalId } : { PhysicalResourceId: physicalId, Data: this.onEventData };
  }

  private async onEventPhysicalId(): Promise<string> {
    switch (this.event.RequestType) {
      case 'Create':
        return this.onCreate();
      case 'Update':
        return this.onUpdate(this.oldProps!, this.event.PhysicalResourceId);
      case 'Delete':
        await this.onDelete(this.event.PhysicalResourceId);
        return this.event.PhysicalResourceId;
    }
  }

  public async isComplete(): Promise<IsCompleteResponse> {
    this.logEvent('isComplete');
    const physicalId = this.event.PhysicalResourceId!;
    switch (this.event.RequestType) {
      case 'Create':
        return this.result(await this.isCreateComplete(physicalId));
      case 'Update':
        return this.result(await this.isUpdateComplete(physicalId));
      case 'Delete':
        return { IsComplete: await this.isDeleteComplete(physicalId) };
    }
  }

  /** Reads and checks the resource's properties (CloudFormation stringifies scalars). */
  protected abstract parseProperties(reader: PropertyReader): P;

  /** The Proton identity the properties designate (the physical id of the resource). */
  protected abstract identity(props: P): string;

  /** Replacement vs in-place vs no-op, with the properties that decided it. */
  protected abstract analyzeUpdate(oldProps: P, newProps: P): UpdatePlan;

  /** Creates (or adopts, on a replay) the resource; returns its physical id. */
  protected abstract onCreate(): Promise<string>;

  /** Applies an in-place update. */
  protected abstract onUpdateInPlace(oldProps: P, physicalId: string): Promise<void>;

  /** Deletes the resource named by a physical id that is ours; a missing resource is success. */
  protected abstract onDeleteOwned(physicalId: string): Promise<void>;

  /** `Data` when complete, `undefined` while Proton is still working; throws on a failed state. */
  protected abstract isCreateComplete(physicalId: string): Promise<D | undefined>;

  /** As `isCreateComplete`, for an update (in place or a replacement under a new identity). */
  protected isUpdateComplete(physicalId: string): Promise<D | undefined> {
    return this.isCreateComplete(physicalId);
  }

  /** Whether the delete finished. Synchronous deletes are complete when `onDelete` returns. */
  protected async isDeleteComplete(_physicalId: string): Promise<boolean> {
    return true;
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

  private async onDelete(physicalId: string): Promise<void> {
    if (!this.isOurPhysicalId(physicalId)) {
      log('delete skipped: physical id does not designate a resource created by this handler', {
        logicalId: this.event.LogicalResourceId,
        physicalId,
      });
      return;
    }
    await this.onDeleteOwned(physicalId);
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
