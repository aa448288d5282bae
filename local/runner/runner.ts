/**
 * The local CloudFormation runner: deploys a cloud assembly's stacks against a Proton endpoint
 * (an external one, or an embedded emulator it starts), running every Provider-framework custom
 * resource through the real bundled handlers in local Lambda containers.
 */
import { randomUUID } from 'crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { AppSource, loadAssembly, SynthOptions } from './assembly';
import { PublishedAsset, publishAssets, s3Client } from './assets';
import { realClock, RunnerClock, virtualClock } from './clock';
import { RequestRecord, ResourceRecord } from './custom-resource';
import { EventSink, StackEvent } from './events';
import { FunctionRegistry } from './functions';
import { TemplateError } from './intrinsics';
import { FunctionLogLine, LogSink } from './lambda-container';
import { findResourceByArn, OperationContext, StackState } from './operation-context';
import { deployStack, destroyStack } from './stack-operation';
import { StateStore } from './state-store';
import { AwsTarget, localTarget } from './target';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION, startEmulator } from '../emulator';

/** An emulator the runner deploys to with virtual time (started with `clock: 'manual'`). */
export interface ManualClockEmulator {
  readonly endpoint: string;
  readonly accountId: string;
  readonly region: string;
  readonly control: { advance(ms: number): unknown };
}

export interface LocalRunnerOptions {
  /**
   * An external Proton (+ S3) endpoint; waits are real sleeps.
   * @default an embedded emulator with a manual clock, stopped by `close()`
   */
  readonly endpoint?: string;
  /** An emulator with a manual clock you started: waits advance its clock. */
  readonly emulator?: ManualClockEmulator;
  /** @default the emulator's account, else the emulator's default account */
  readonly accountId?: string;
  /** @default the emulator's region, else the emulator's default region */
  readonly region?: string;
  /** Persist stack state as `<stateDirectory>/<stack>.json` (the CLI does). @default memory only */
  readonly stateDirectory?: string;
  /** Progress events as they happen. */
  readonly onEvent?: EventSink;
  /** Runner notes: asset publishing, "no changes", stacks not deployed. */
  readonly onMessage?: (stackName: string, message: string) => void;
  /** Lambda function log lines as they are written. */
  readonly onLog?: LogSink;
}

export interface OperationResult {
  readonly success: boolean;
  /** The final state of each stack the operation touched. */
  readonly stacks: StackState[];
  /** The events of this operation. */
  readonly events: StackEvent[];
  /** The custom resource requests of this operation (ResponseURL omitted) and their responses. */
  readonly requests: RequestRecord[];
}

const SUCCESS = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'DELETE_COMPLETE']);

export class LocalRunner {
  /** Starts a runner (and the embedded emulator unless `endpoint` or `emulator` is given). */
  public static async start(options: LocalRunnerOptions = {}): Promise<LocalRunner> {
    if (options.endpoint && options.emulator) throw new Error('Pass either endpoint (external, real time) or emulator (virtual time), not both.');
    if (options.endpoint) {
      const target = localTarget(options.endpoint, options.accountId ?? DEFAULT_ACCOUNT_ID, options.region ?? DEFAULT_REGION);
      return new LocalRunner(target, realClock(), options);
    }
    if (options.emulator) {
      const { endpoint, accountId, region } = options.emulator;
      const target = localTarget(endpoint, options.accountId ?? accountId, options.region ?? region);
      return new LocalRunner(target, virtualClock(options.emulator.control), options);
    }
    const emulator = await startEmulator({ clock: 'manual', accountId: options.accountId, region: options.region });
    const target = localTarget(emulator.endpoint, emulator.accountId, emulator.region);
    const stop = () => emulator.stop();
    return new LocalRunner(target, virtualClock(emulator.control), options, stop);
  }

  /** Every event of every operation so far. */
  public readonly events: StackEvent[] = [];
  /** Every custom resource request so far. */
  public readonly requests: RequestRecord[] = [];
  /** Every Lambda log line so far. */
  public readonly logs: FunctionLogLine[] = [];

  private readonly functions: FunctionRegistry;
  private readonly s3: S3Client;
  private readonly state: StateStore;
  private readonly startedAt = Date.now();

  private constructor(
    public readonly target: AwsTarget,
    private readonly clock: RunnerClock,
    private readonly options: LocalRunnerOptions,
    private readonly stopEmulator?: () => Promise<void>,
  ) {
    this.s3 = s3Client(target);
    this.functions = new FunctionRegistry(target, this.s3, (line) => {
      this.logs.push(line);
      options.onLog?.(line);
    });
    this.state = new StateStore(target.endpoint, options.stateDirectory);
  }

  /** The Proton/S3 endpoint the runner deploys to. */
  public get endpoint(): string {
    return this.target.endpoint;
  }

  /** The deployed state of a stack (undefined when not deployed). */
  public stack(stackName: string): StackState | undefined {
    return this.state.get(stackName);
  }

  /** Deploys (creates or updates) every stack of the app, in dependency order; stops at a failure. */
  public async deploy(app: AppSource, synth: SynthOptions = {}): Promise<OperationResult> {
    const assembly = loadAssembly(app, { account: this.target.accountId, region: this.target.region, ...synth });
    return this.operation(async (done) => {
      for (const stack of assembly.stacks) {
        const previous = this.deployedOrUndefined(stack.stackName);
        this.functions.addAssets(this.state.assetsOf(stack.stackName));
        const assets: PublishedAsset[] = [];
        for (const manifest of stack.assetManifests) {
          assets.push(...(await publishAssets(manifest, this.target, (line) => this.note(stack.stackName, line))));
        }
        this.functions.addAssets(assets);
        const result = await deployStack(stack.stackName, stack.template, previous, this.context(stack.stackName, previous?.stackId));
        const unchanged = result === previous;
        if (unchanged) this.note(stack.stackName, 'no changes');
        this.state.put(result, assets);
        done(result, unchanged || SUCCESS.has(result.status));
        if (!unchanged && !SUCCESS.has(result.status)) return;
      }
    });
  }

  /** Deletes the app's stacks (or the named ones) in reverse dependency order. */
  public async destroy(app: AppSource | { readonly stackNames: string[] }, synth: SynthOptions = {}): Promise<OperationResult> {
    const names = typeof app === 'object' && 'stackNames' in app
      ? app.stackNames
      : loadAssembly(app, { account: this.target.accountId, region: this.target.region, ...synth }).stacks.map((s) => s.stackName);
    return this.operation(async (done) => {
      for (const name of [...names].reverse()) {
        const stack = this.state.get(name);
        if (!stack) {
          this.note(name, 'not deployed');
          continue;
        }
        this.functions.addAssets(this.state.assetsOf(name));
        const result = await destroyStack(stack, this.context(name, stack.stackId));
        const deleted = result.status === 'DELETE_COMPLETE';
        if (deleted) this.state.remove(name);
        else this.state.put(result);
        done(result, deleted);
        if (!deleted) return;
      }
    });
  }

  /** Stops the Lambda containers and the embedded emulator. */
  public async close(): Promise<void> {
    this.functions.stopAll();
    await this.stopEmulator?.();
  }

  /** Runs `body`, which reports each stack it finished and whether that stack's operation succeeded. */
  private async operation(body: (done: (stack: StackState, ok: boolean) => void) => Promise<void>): Promise<OperationResult> {
    const firstEvent = this.events.length;
    const firstRequest = this.requests.length;
    const stacks: StackState[] = [];
    let success = true;
    await body((stack, ok) => {
      stacks.push(stack);
      success &&= ok;
    });
    return {
      success,
      stacks,
      events: this.events.slice(firstEvent),
      requests: this.requests.slice(firstRequest),
    };
  }

  /** A stack that exists: a ROLLBACK_COMPLETE stack is replaced by a fresh create, like the CDK CLI does. */
  private deployedOrUndefined(stackName: string): StackState | undefined {
    const previous = this.state.get(stackName);
    return previous && previous.status !== 'ROLLBACK_COMPLETE' ? previous : undefined;
  }

  private context(stackName: string, stackId?: string): OperationContext {
    const t = this.target;
    const id = stackId ?? `arn:${t.partition}:cloudformation:${t.region}:${t.accountId}:stack/${stackName}/${randomUUID()}`;
    return {
      target: t,
      clock: this.clock,
      functions: this.functions,
      pseudo: { accountId: t.accountId, region: t.region, partition: t.partition, urlSuffix: t.urlSuffix, stackName, stackId: id },
      findByArn: (arn) => this.findByArn(arn),
      recordRequest: (record) => this.requests.push(record),
      importValue: (name) => this.importValue(name),
      event: (logicalId, resourceType, status, reason, physicalId) => {
        const event: StackEvent = {
          timestamp: new Date(this.startedAt + this.clock.elapsedMs()).toISOString(),
          stackName,
          logicalId,
          resourceType,
          status,
          ...(physicalId ? { physicalId } : {}),
          ...(reason ? { reason } : {}),
        };
        this.events.push(event);
        this.options.onEvent?.(event);
      },
    };
  }

  private note(stackName: string, message: string): void {
    this.options.onMessage?.(stackName, message);
  }

  /** A resource of another deployed stack, by the ARN (or physical id) it is referenced with. */
  private findByArn(arn: string): ResourceRecord | undefined {
    for (const stack of this.state.all()) {
      const found = findResourceByArn(stack.resources, arn);
      if (found) return found;
    }
    return undefined;
  }

  private importValue(name: string): string {
    for (const stack of this.state.all()) {
      if (name in stack.exports) return stack.exports[name];
    }
    throw new TemplateError(`Fn::ImportValue ${name}: no deployed stack exports that name.`);
  }
}
