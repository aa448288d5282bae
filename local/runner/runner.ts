/**
 * The local CloudFormation runner: deploys a cloud assembly's stacks against a Proton endpoint
 * (an external one, or an embedded emulator it starts), running every Provider-framework custom
 * resource through the real bundled handlers in local Lambda containers.
 *
 * Each stack is deployed in its own account: the account of its environment (`env.account`) when
 * concrete, else the runner's. Its assets, state, exports and functions belong to that account,
 * and its functions call the endpoint with that account's credentials (the access key id is the
 * account id, which the emulator reads as the caller's account): one run can deploy stacks of
 * several accounts, in dependency order, and destroy them in reverse.
 */
import { randomUUID } from 'crypto';
import { AppSource, LoadedAssembly, loadAssembly, SynthOptions } from './assembly';
import { PublishedAsset, publishAssets } from './assets';
import { emulatorClockControl, realClock, RunnerClock, virtualClock, VirtualTimeControl } from './clock';
import { RequestRecord, ResourceRecord } from './custom-resource';
import { EventSink, StackEvent } from './events';
import { FunctionRegistry } from './functions';
import { IdentityControl, SessionCredentials } from './identities';
import { TemplateError } from './intrinsics';
import { FunctionLogLine, LogSink } from './lambda-container';
import { findResourceByArn, OperationContext, StackState } from './operation-context';
import { deployStack, destroyStack } from './stack-operation';
import { accountOf, StateStore } from './state-store';
import { AccountTargets, AwsTarget } from './target';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION, startEmulator } from '../emulator';

/** An emulator the runner deploys to with virtual time (started with `clock: 'manual'`). */
export interface ManualClockEmulator {
  readonly endpoint: string;
  readonly accountId: string;
  readonly region: string;
  /**
   * `advance` moves its clock; `heldRequests` (optional) lets a function waiting on a hung call
   * time out on virtual time; `setIdentity`: the emulator authorizes the functions' calls against
   * their roles' policies.
   */
  readonly control: VirtualTimeControl & Partial<IdentityControl>;
}

export interface LocalRunnerOptions {
  /**
   * An external Proton (+ S3) endpoint; waits are real sleeps unless `virtualTime`.
   * @default an embedded emulator with a manual clock, stopped by `close()`
   */
  readonly endpoint?: string;
  /**
   * The external `endpoint` is a Proton emulator (`npm run emulator`): waits advance its clock
   * through its control API instead of sleeping.
   * @default false
   */
  readonly virtualTime?: boolean;
  /** An emulator with a manual clock you started: waits advance its clock. */
  readonly emulator?: ManualClockEmulator;
  /**
   * The account of env-agnostic stacks (a stack with a concrete `env.account` is deployed in that account).
   * @default the emulator's account, else the emulator's default account
   */
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
  /**
   * Each function calls with the credentials of a session of its role, and the emulator
   * authorizes every Proton and S3 call against that role's policies as deployed (IAM-style
   * AccessDenied otherwise). Needs an emulator: the embedded one, `emulator`, or an external
   * `endpoint` with `virtualTime`. `false`: functions call with their account's credentials and
   * nothing is authorized.
   * @default true
   */
  readonly enforceIam?: boolean;
  /**
   * Virtual time: the seed of the Lambda functions' random numbers (the SDK's retry jitter), so a
   * run with faults is reproducible. @default 1
   */
  readonly seed?: number;
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
    if (options.virtualTime && !options.endpoint) throw new Error('virtualTime applies to an external endpoint: an emulator (embedded or given) always runs on virtual time.');
    if (options.endpoint) {
      const targets = new AccountTargets(options.endpoint, options.accountId ?? DEFAULT_ACCOUNT_ID, options.region ?? DEFAULT_REGION);
      const clock = options.virtualTime ? virtualClock(emulatorClockControl(options.endpoint), options) : realClock();
      return new LocalRunner(targets, clock, options, options.virtualTime ? emulatorIdentityControl(options.endpoint) : undefined);
    }
    if (options.emulator) {
      const { endpoint, accountId, region, control } = options.emulator;
      const targets = new AccountTargets(endpoint, options.accountId ?? accountId, options.region ?? region);
      const iam = control.setIdentity ? { setIdentity: control.setIdentity.bind(control) } : undefined;
      return new LocalRunner(targets, virtualClock(control, options), options, iam);
    }
    const emulator = await startEmulator({ clock: 'manual', accountId: options.accountId, region: options.region });
    const targets = new AccountTargets(emulator.endpoint, emulator.accountId, emulator.region);
    const stop = () => emulator.stop();
    return new LocalRunner(targets, virtualClock(emulator.control, options), options, emulator.control, stop);
  }

  /** Every event of every operation so far. */
  public readonly events: StackEvent[] = [];
  /** Every custom resource request so far. */
  public readonly requests: RequestRecord[] = [];
  /** Every Lambda log line so far. */
  public readonly logs: FunctionLogLine[] = [];

  private readonly functions: FunctionRegistry;
  private readonly state: StateStore;
  private readonly startedAt = Date.now();

  private constructor(
    private readonly targets: AccountTargets,
    private readonly clock: RunnerClock,
    private readonly options: LocalRunnerOptions,
    iam: IdentityControl | undefined,
    private readonly stopEmulator?: () => Promise<void>,
  ) {
    const log: LogSink = (line) => {
      this.logs.push(line);
      options.onLog?.(line);
    };
    this.functions = new FunctionRegistry(targets, log, options.enforceIam === false ? undefined : iam, (message) => this.note('IAM', message));
    this.state = new StateStore(targets.endpoint, options.stateDirectory);
  }

  /** The Proton/S3 endpoint the runner deploys to. */
  public get endpoint(): string {
    return this.targets.endpoint;
  }

  /** The runner's own account (of env-agnostic stacks), region and credentials. */
  public get target(): AwsTarget {
    return this.targets.default;
  }

  /**
   * The deployed state of a stack (undefined when not deployed). Without `accountId`, the stack of
   * that name in whichever account it was deployed (an error when deployed in several).
   */
  public stack(stackName: string, accountId?: string): StackState | undefined {
    if (accountId !== undefined) return this.state.get(accountId, stackName);
    const named = this.state.named(stackName);
    if (named.length > 1) {
      throw new Error(`Stack ${stackName} is deployed in accounts ${named.map(accountOf).join(', ')}: pass the account id.`);
    }
    return named[0];
  }

  /**
   * Deploys (creates or updates) every stack of the app, in dependency order, each in its own
   * account; stops at a failure.
   */
  public async deploy(app: AppSource, synth: SynthOptions = {}): Promise<OperationResult> {
    const assembly = this.load(app, synth);
    return this.operation(async (done) => {
      for (const stack of assembly.stacks) {
        const target = this.targets.of(stack.account);
        const deployed = this.state.get(target.accountId, stack.stackName);
        // A ROLLBACK_COMPLETE stack is replaced by a fresh create, like the CDK CLI does.
        const previous = deployed && deployed.status !== 'ROLLBACK_COMPLETE' ? deployed : undefined;
        if (deployed) this.functions.addAssets(this.state.assetsOf(deployed));
        const assets: PublishedAsset[] = [];
        for (const manifest of stack.assetManifests) {
          assets.push(...(await publishAssets(manifest, target, (line) => this.note(stack.stackName, line))));
        }
        this.functions.addAssets(assets);
        const result = await deployStack(stack.stackName, stack.template, previous, this.context(stack.stackName, target, previous?.stackId));
        const unchanged = result === previous;
        if (unchanged) this.note(stack.stackName, 'no changes');
        this.state.put({ ...result, dependsOn: stack.dependsOn }, assets);
        done(result, unchanged || SUCCESS.has(result.status));
        if (!unchanged && !SUCCESS.has(result.status)) return;
      }
    });
  }

  /**
   * Deletes the app's stacks (or the named ones, in whichever account they were deployed) in
   * reverse dependency order.
   */
  public async destroy(app: AppSource | { readonly stackNames: string[] }, synth: SynthOptions = {}): Promise<OperationResult> {
    const stacks = typeof app === 'object' && 'stackNames' in app
      ? deploymentOrderOf(app.stackNames, (stackName) => this.state.named(stackName).flatMap((s) => s.dependsOn ?? []))
        .map((stackName) => ({ stackName, accountIds: this.state.named(stackName).map(accountOf) }))
      : this.load(app, synth).stacks.map((s) => ({ stackName: s.stackName, accountIds: [this.targets.of(s.account).accountId] }));
    return this.operation(async (done) => {
      for (const { stackName, accountIds } of [...stacks].reverse()) {
        const deployed = accountIds.map((account) => this.state.get(account, stackName)).filter((s): s is StackState => s !== undefined);
        if (deployed.length === 0) this.note(stackName, 'not deployed');
        for (const stack of deployed) {
          this.functions.addAssets(this.state.assetsOf(stack));
          const result = await destroyStack(stack, this.context(stackName, this.targets.of(accountOf(stack)), stack.stackId));
          const deleted = result.status === 'DELETE_COMPLETE';
          if (deleted) this.state.remove(stack);
          else this.state.put(result);
          done(result, deleted);
          if (!deleted) return;
        }
      }
    });
  }

  /**
   * Credentials of a session of a role deployed by the runner (like `sts:AssumeRole`): the
   * emulator authorizes their calls against the role's policies as deployed now. Undefined when
   * IAM is not enforced or the runner did not deploy the role.
   */
  public assumeRole(roleArn: string, sessionName: string): Promise<SessionCredentials | undefined> {
    return this.functions.assumeRole(roleArn, sessionName, this.state.all().flatMap((stack) => Object.values(stack.resources)));
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

  /** The assembly, synthesized (an app command) with the runner's account and region as the defaults. */
  private load(app: AppSource, synth: SynthOptions): LoadedAssembly {
    return loadAssembly(app, { account: this.target.accountId, region: this.target.region, ...synth });
  }

  private context(stackName: string, t: AwsTarget, stackId?: string): OperationContext {
    const id = stackId ?? `arn:${t.partition}:cloudformation:${t.region}:${t.accountId}:stack/${stackName}/${randomUUID()}`;
    return {
      target: t,
      clock: this.clock,
      functions: this.functions,
      pseudo: { accountId: t.accountId, region: t.region, partition: t.partition, urlSuffix: t.urlSuffix, stackName, stackId: id },
      findByArn: (arn) => this.findByArn(arn),
      // The other stacks' resources: the stack's own are the operation's live ones (withResources).
      allResources: () => this.state.all()
        .filter((stack) => stack.stackName !== stackName || accountOf(stack) !== t.accountId)
        .flatMap((stack) => Object.values(stack.resources)),
      recordRequest: (record) => this.requests.push(record),
      importValue: (name) => this.importValue(name, t.accountId),
      forStack: (nestedName, nestedId) => this.context(nestedName, t, nestedId),
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

  /** An export of a deployed stack of the account (exports are per account and region). */
  private importValue(name: string, accountId: string): string {
    for (const stack of this.state.all()) {
      if (accountOf(stack) === accountId && name in stack.exports) return stack.exports[name];
    }
    throw new TemplateError(`Fn::ImportValue ${name}: no deployed stack of account ${accountId} exports that name.`);
  }
}

/**
 * `names` ordered so that each comes after the named stacks it depended on when deployed (the
 * order they were given otherwise): a destroy walks it backwards, dependents first.
 */
function deploymentOrderOf(names: readonly string[], dependenciesOf: (stackName: string) => readonly string[]): string[] {
  const ordered: string[] = [];
  const visit = (name: string, chain: readonly string[]): void => {
    if (ordered.includes(name) || chain.includes(name)) return;
    for (const dependency of dependenciesOf(name)) {
      if (names.includes(dependency)) visit(dependency, [...chain, name]);
    }
    ordered.push(name);
  };
  names.forEach((name) => visit(name, []));
  return ordered;
}

/** The identity control of an emulator at `endpoint`, through its HTTP control API (`/_emulator/identities/<key>`). */
function emulatorIdentityControl(endpoint: string): IdentityControl {
  return {
    setIdentity: async (accessKeyId, identity) => {
      const response = await fetch(`${endpoint}/_emulator/identities/${encodeURIComponent(accessKeyId)}`, {
        method: identity ? 'PUT' : 'DELETE',
        headers: { 'content-type': 'application/json' },
        body: identity ? JSON.stringify(identity) : undefined,
      });
      if (!response.ok) throw new Error(`${endpoint} did not register the identity of ${accessKeyId} (HTTP ${response.status}): ${await response.text()}`);
    },
  };
}
