/**
 * Drives the bundled handler entry points (`onEvent` then `isComplete`) as the Provider framework
 * does, against the emulator, acting as a given account; records the CloudFormation responses and
 * the log lines so that tests can assert nothing leaks and every response fits 4096 bytes.
 */
import { RESPONSE_URL, handlerEnvironment } from './cfn-events';
import type { IsCompleteResponse, OnEventRequest, OnEventResponse } from '../../lambda/engine/types';
import { isComplete, onEvent } from '../../lambda/index';
import type { Emulator } from '../../local/emulator';

export interface HandlerRun {
  readonly onEvent: OnEventResponse;
  readonly isComplete: IsCompleteResponse;
}

export interface Harness {
  /** Every log line written by the handler. */
  readonly logged: string[];
  /** onEvent then one isComplete, with the handler acting as `account` (default: the emulator's). */
  run(event: OnEventRequest, account?: string): Promise<HandlerRun>;
  /** onEvent then isComplete until complete, advancing nothing: for decisions taken elsewhere. */
  isCompleteAs(event: OnEventRequest, physicalId: string, account?: string): Promise<IsCompleteResponse>;
}

/**
 * Registers beforeEach/afterEach hooks: the handler points at the emulator, console output is
 * captured, and after each test every response and log line is checked for `canary` and the
 * ResponseURL, and responses for CloudFormation's size limit.
 */
export function handlerHarness(emu: () => Emulator, canary: string): Harness {
  let restoreEnv: () => void = () => undefined;
  const logged: string[] = [];
  const responses: string[] = [];

  beforeEach(() => {
    restoreEnv = handlerEnvironment(emu());
    logged.length = 0;
    responses.length = 0;
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      });
    }
  });

  afterEach(() => {
    jest.restoreAllMocks();
    restoreEnv();
    for (const body of responses) {
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(4096);
      expect(body).not.toContain(canary);
    }
    for (const line of logged) {
      expect(line).not.toContain(canary);
      expect(line).not.toContain(RESPONSE_URL);
    }
  });

  function record(event: OnEventRequest, outcome: { physicalId?: string; data?: Record<string, string>; error?: Error }): void {
    responses.push(JSON.stringify({
      Status: outcome.error ? 'FAILED' : 'SUCCESS',
      Reason: outcome.error ? outcome.error.stack : 'SUCCESS',
      StackId: event.StackId,
      RequestId: event.RequestId,
      PhysicalResourceId: outcome.physicalId ?? ('PhysicalResourceId' in event ? event.PhysicalResourceId : undefined),
      LogicalResourceId: event.LogicalResourceId,
      Data: outcome.data,
    }));
  }

  async function as<T>(account: string | undefined, fn: () => Promise<T>): Promise<T> {
    const saved = process.env.AWS_ACCESS_KEY_ID;
    // The emulator acts as the account named by a 12-digit access key id.
    process.env.AWS_ACCESS_KEY_ID = account ?? saved;
    try {
      return await fn();
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved;
    }
  }

  async function complete(event: OnEventRequest, physicalId: string | undefined, account?: string): Promise<IsCompleteResponse> {
    const merged = { ...event, PhysicalResourceId: physicalId } as OnEventRequest;
    try {
      const result = await as(account, () => isComplete(merged));
      if (result.IsComplete) {
        record(event, { physicalId, data: result.Data });
      }
      return result;
    } catch (error) {
      record(event, { physicalId, error: error as Error });
      throw error;
    }
  }

  return {
    logged,
    async run(event, account) {
      let first: OnEventResponse;
      try {
        first = await as(account, () => onEvent(event));
      } catch (error) {
        record(event, { error: error as Error });
        throw error;
      }
      const physicalId = first.PhysicalResourceId ?? (event as { PhysicalResourceId?: string }).PhysicalResourceId;
      return { onEvent: first, isComplete: await complete(event, physicalId, account) };
    },
    isCompleteAs: (event, physicalId, account) => complete(event, physicalId, account),
  };
}
