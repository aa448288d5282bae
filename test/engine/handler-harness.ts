/**
 * The shared set-up of the handler tests: drives the handler entry points (`onEvent` then
 * `isComplete`) as the Provider framework does, against the emulator, acting as a given account;
 * records the CloudFormation responses and the log lines so that tests can assert nothing leaks
 * and every response fits 4096 bytes. `handlerTest()` sets up a whole test file in one call.
 */
import type { ProtonClient } from '@aws-sdk/client-proton';
import { RESPONSE_URL, handlerEnvironment } from './cfn-events';
import { ProviderDriver } from './provider-driver';
import type { IsCompleteResponse, OnEventRequest, OnEventResponse } from '../../lambda/engine/types';
import { isComplete, onEvent } from '../../lambda/index';
import type { Emulator, EmulatorOptions } from '../../local/emulator';
import { emulatorFixture, protonClient } from '../emulator/helpers';

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

export interface HarnessChecks {
  /** Drivers whose recorded responses are checked like the harness's own after each test, then emptied (read then: drivers added later count). */
  readonly drivers?: readonly ProviderDriver[];
  /** Values the handler may return (outputs) but must never log. */
  readonly logCanaries?: readonly string[];
}

/**
 * Registers beforeEach/afterEach hooks: the handler points at the emulator, console output is
 * captured, and after each test every response and log line is checked for `canary` and the
 * ResponseURL, and responses for CloudFormation's size limit.
 */
export function handlerHarness(emu: () => Emulator, canary: string, checks: HarnessChecks = {}): Harness {
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
    for (const body of [...responses, ...(checks.drivers ?? []).flatMap((d) => d.responses.splice(0))]) {
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(4096);
      expect(body).not.toContain(canary);
    }
    for (const line of logged) {
      for (const secret of [canary, ...(checks.logCanaries ?? [])]) {
        expect(line).not.toContain(secret);
      }
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

export interface HandlerTestOptions extends Pick<EmulatorOptions, 'durations' | 'startTimeMs' | 'operations'> {
  /** In the properties the handler must never log or return (checked after each test). */
  readonly canary: string;
  /** Values the handler may return (outputs) but must never log. */
  readonly logCanaries?: readonly string[];
  /** The account the per-test `proton` client acts as (default: the emulator's). */
  readonly clientAccountId?: string;
  /** The resource type `driver` drives. */
  readonly resourceType?: string;
  /** Runs once before the first test, with a client acting as the emulator's account: templates, environments to build on. */
  readonly setUp?: (proton: ProtonClient, emu: Emulator) => Promise<void>;
}

export interface HandlerTest extends Harness {
  readonly emu: Emulator;
  /** A client acting as `clientAccountId` (default: the emulator's account), new for each test. */
  readonly proton: ProtonClient;
  /** Drives `resourceType` like the Provider framework; its responses are checked like the harness's. */
  readonly driver: ProviderDriver;
  /** Another driver, for `resourceType`, its responses checked like the harness's. Call it when registering tests (a describe body). */
  driverFor(resourceType: string): ProviderDriver;
}

/**
 * Registers the jest hooks of a handler test file: one emulator for the file (manual clock, strict;
 * with `durations`, reset to them before each test), `setUp` once, a client for each test, and the
 * harness's checks. Read the fields inside tests and hooks registered after this call.
 */
export function handlerTest(options: HandlerTestOptions): HandlerTest {
  const { canary, logCanaries, clientAccountId, resourceType, setUp, ...emulatorOptions } = options;
  const fixture = emulatorFixture(emulatorOptions);
  const emu = (): Emulator => fixture.emu;
  const driver = resourceType ? new ProviderDriver(emu, resourceType) : undefined;
  const drivers = driver ? [driver] : [];
  const harness = handlerHarness(emu, canary, { drivers, logCanaries });
  let proton: ProtonClient | undefined;

  if (setUp) {
    beforeAll(async () => {
      const client = protonClient(emu());
      try {
        await setUp(client, emu());
      } finally {
        client.destroy();
      }
    });
  }
  beforeEach(() => {
    proton = protonClient(emu(), { accountId: clientAccountId });
    if (emulatorOptions.durations) emu().control.setDurations(emulatorOptions.durations);
  });
  afterEach(() => {
    proton?.destroy();
    proton = undefined;
  });

  return {
    ...harness,
    get emu(): Emulator {
      return emu();
    },
    get proton(): ProtonClient {
      if (!proton) throw new Error('The handler test\'s client is only available inside tests and hooks registered after handlerTest().');
      return proton;
    },
    get driver(): ProviderDriver {
      if (!driver) throw new Error('handlerTest() has no driver: pass resourceType, the resource type it drives.');
      return driver;
    },
    driverFor(type: string): ProviderDriver {
      const added = new ProviderDriver(emu, type);
      drivers.push(added);
      return added;
    },
  };
}
