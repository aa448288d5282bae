/**
 * Drives the handler like the Provider framework does — onEvent, then isComplete every query
 * interval with onEvent's response merged into the event — on the emulator's virtual clock, and
 * records what CloudFormation would receive.
 */
import { STACK_ID, createEvent, deleteEvent, updateEvent } from './cfn-events';
import type { OnEventRequest } from '../../lambda/engine/types';
import { isComplete, onEvent } from '../../lambda/index';
import type { Emulator } from '../../local/emulator';

/** The provider's query interval (ProtonProvider.QUERY_INTERVAL), in virtual milliseconds. */
export const QUERY_INTERVAL_MS = 10_000;

export interface Outcome {
  readonly physicalId?: string;
  readonly data?: Record<string, string>;
  readonly error?: Error;
  /** isComplete calls made. */
  readonly polls: number;
}

export class ProviderDriver {
  /** Serialized CloudFormation responses, for size and leak checks. */
  public readonly responses: string[] = [];

  constructor(private readonly emu: () => Emulator, private readonly resourceType: string) {}

  public create(logicalId: string, props: object): Promise<Outcome> {
    return this.run(createEvent({ resourceType: this.resourceType, logicalId }, props));
  }

  public update(logicalId: string, physicalId: string, oldProps: object, props: object): Promise<Outcome> {
    return this.run(updateEvent({ resourceType: this.resourceType, logicalId }, physicalId, oldProps, props));
  }

  public delete(logicalId: string, physicalId: string, props: object): Promise<Outcome> {
    return this.run(deleteEvent({ resourceType: this.resourceType, logicalId }, physicalId, props));
  }

  /** onEvent, then isComplete every interval until complete, failed, or `maxPolls` (the provider's total timeout: 210). */
  public async run(event: OnEventRequest, maxPolls = 210): Promise<Outcome> {
    let first;
    try {
      first = await onEvent(event);
    } catch (error) {
      return this.record(event, { error: error as Error, polls: 0 });
    }
    const physicalId = first.PhysicalResourceId ?? (event as { PhysicalResourceId?: string }).PhysicalResourceId;
    const merged = { ...event, ...first, PhysicalResourceId: physicalId } as OnEventRequest;
    for (let polls = 1; polls <= maxPolls; polls++) {
      try {
        const result = await isComplete(merged);
        if (result.IsComplete) {
          return this.record(event, { physicalId, data: { ...first.Data, ...result.Data }, polls });
        }
      } catch (error) {
        return this.record(event, { physicalId, error: error as Error, polls });
      }
      this.emu().control.advance(QUERY_INTERVAL_MS);
    }
    return this.record(event, { physicalId, error: new Error('Operation timed out'), polls: maxPolls });
  }

  private record(event: OnEventRequest, outcome: Outcome): Outcome {
    this.responses.push(JSON.stringify({
      Status: outcome.error ? 'FAILED' : 'SUCCESS',
      Reason: outcome.error ? outcome.error.stack : 'SUCCESS',
      StackId: STACK_ID,
      RequestId: event.RequestId,
      PhysicalResourceId: outcome.physicalId,
      LogicalResourceId: event.LogicalResourceId,
      Data: outcome.data,
    }));
    return outcome;
  }
}
