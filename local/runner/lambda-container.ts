/**
 * A local Lambda function. Like Lambda, it runs each invocation in an execution environment: a
 * child process started on demand (cold start), kept warm and reused one invocation at a time;
 * concurrent invocations get environments of their own. An environment has only the function's
 * environment variables, its stdout/stderr is the function's log, and the function's timeout is
 * enforced: an environment that timed out or crashed is discarded, and nothing of its invocation
 * (a late result, its exit) reaches another invocation.
 *
 * On the runner's virtual time (clock.ts) an environment's timers, `Date` and random numbers are
 * virtual too (lambda-bootstrap.js): when the function can only wait — for its timers, or for
 * requests the emulator holds open — the invocation waits on the runner's clock, and the timeout
 * is measured there. A request the emulator holds for a `crash` fault kills the environment, as a
 * crash would (the invocation ends with `Runtime.ExitError`).
 */
import { ChildProcess, fork } from 'child_process';
import { randomUUID } from 'crypto';
import * as path from 'path';
import type { RunnerClock, VirtualLambdaTime } from './clock';

export interface LambdaFunctionConfig {
  /** The function name (physical id). */
  readonly functionName: string;
  readonly functionArn: string;
  /** Directory holding the unzipped code (LAMBDA_TASK_ROOT). */
  readonly codeDirectory: string;
  /** `<module>.<export>`, e.g. `index.onEvent`. */
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** The complete environment of the process (function variables + runtime variables). */
  readonly environment: Record<string, string>;
}

/** A Lambda Invoke result: the JSON payload text, and `functionError` when the handler threw. */
export interface InvokeResult {
  readonly payload: string;
  readonly functionError?: 'Unhandled';
}

export interface FunctionLogLine {
  readonly functionName: string;
  readonly line: string;
}

export type LogSink = (entry: FunctionLogLine) => void;

const BOOTSTRAP = path.join(__dirname, 'lambda-bootstrap.js');

interface LambdaError {
  readonly errorType: string;
  readonly errorMessage: string;
  /** The handler's stack trace; absent from the errors of the runtime itself (a timeout, an exit). */
  readonly trace?: string[];
}

/** What an environment reports about an invocation (tagged with its request id). */
type ChildMessage =
  | { readonly type: 'result'; readonly requestId: string; readonly payload?: string; readonly error?: LambdaError }
  | { readonly type: 'idle'; readonly requestId: string; readonly ports: number[]; readonly nextTimerAt?: number };

export class LambdaContainer {
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly environments = new Set<ExecutionEnvironment>();
  private started = 0;

  constructor(public readonly config: LambdaFunctionConfig, private readonly log: LogSink) {}

  /**
   * Invokes the function synchronously (RequestResponse), in a warm environment when one is free,
   * else in a new one. On a virtual `clock`, the invocation runs on its time.
   */
  public async invoke(event: unknown, clock?: RunnerClock): Promise<InvokeResult> {
    const virtual = clock?.virtual;
    const index = this.idle.findIndex((e) => e.virtual === virtual);
    const environment = index >= 0 ? this.idle.splice(index, 1)[0] : this.start(virtual);
    try {
      return await environment.invoke(event, clock);
    } finally {
      if (environment.alive) this.idle.push(environment);
      else this.environments.delete(environment);
    }
  }

  /** Stops every environment. */
  public stop(): void {
    for (const environment of this.environments) environment.stop();
    this.environments.clear();
    this.idle.length = 0;
  }

  private start(virtual: VirtualLambdaTime | undefined): ExecutionEnvironment {
    const environment = new ExecutionEnvironment(this.config, this.log, virtual, this.started++);
    this.environments.add(environment);
    return environment;
  }
}

/** The invocation an environment runs: how to end it, and what to do when it can only wait. */
interface Invocation {
  readonly requestId: string;
  settle(message: ChildMessage & { type: 'result' }): void;
  idle(message: ChildMessage & { type: 'idle' }): void;
}

/** One execution environment (a child process) of a function. */
class ExecutionEnvironment {
  private readonly child: ChildProcess;
  private current: Invocation | undefined;
  private exited = false;

  constructor(
    private readonly config: LambdaFunctionConfig,
    private readonly log: LogSink,
    public readonly virtual: VirtualLambdaTime | undefined,
    index: number,
  ) {
    const args = virtual ? ['--virtual-time', `--seed=${virtual.environmentSeed()}`, `--now=${virtual.epochMs()}`] : [];
    // Lambda's cold-start line.
    log({ functionName: config.functionName, line: `INIT_START Runtime Version: nodejs (local execution environment ${index + 1})` });
    this.child = fork(BOOTSTRAP, args, {
      cwd: config.codeDirectory,
      env: config.environment,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let buffered = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        lines.forEach((line) => this.write(line));
      });
    }
    this.child.on('message', (message: ChildMessage) => {
      const current = this.current;
      if (current === undefined || message.requestId !== current.requestId) return;
      if (message.type === 'idle') current.idle(message);
      else current.settle(message);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      const current = this.current;
      current?.settle({
        type: 'result',
        requestId: current.requestId,
        error: lambdaError('Runtime.ExitError', `RequestId: ${current.requestId} Error: Runtime exited with error: ${signal ? `signal: ${signal}` : `exit status ${code}`}`),
      });
    });
  }

  /** Whether the environment can take another invocation. */
  public get alive(): boolean {
    return !this.exited;
  }

  public stop(): void {
    this.exited = true;
    this.child.kill('SIGKILL');
  }

  public async invoke(event: unknown, clock: RunnerClock | undefined): Promise<InvokeResult> {
    const requestId = randomUUID();
    const timeoutMs = this.config.timeoutSeconds * 1000;
    const started = Date.now();
    const virtualDeadline = this.virtual && clock ? clock.elapsedMs() + timeoutMs : undefined;
    this.write(`START RequestId: ${requestId} Version: $LATEST`);
    const result = await new Promise<ChildMessage & { type: 'result' }>((resolveResult) => {
      let guard: NodeJS.Timeout | undefined;
      const settle = (message: ChildMessage & { type: 'result' }) => {
        if (this.current?.requestId !== requestId) return;
        this.current = undefined;
        if (guard) clearTimeout(guard);
        resolveResult(message);
      };
      const timedOut = () => {
        this.stop();
        settle({
          type: 'result',
          requestId,
          error: lambdaError('Sandbox.Timedout', `${new Date(this.virtual?.epochMs() ?? Date.now()).toISOString()} ${requestId} Task timed out after ${this.config.timeoutSeconds.toFixed(2)} seconds`),
        });
      };
      // Real time: the timeout itself. Virtual time: a guard against a function stuck in real time
      // (it counts only while the function runs, not while it waits on the runner's clock).
      const armGuard = () => {
        guard = setTimeout(timedOut, timeoutMs);
      };
      const idle = (message: ChildMessage & { type: 'idle' }) => {
        if (guard) clearTimeout(guard);
        void this.onIdle(requestId, message, clock, virtualDeadline, timedOut).then(() => {
          if (this.current?.requestId === requestId) armGuard();
        });
      };
      this.current = { requestId, settle, idle };
      armGuard();
      if (this.exited) {
        settle({ type: 'result', requestId, error: lambdaError('Runtime.ExitError', `RequestId: ${requestId} Error: Runtime exited before the invocation`) });
        return;
      }
      this.child.send({
        requestId,
        payload: JSON.stringify(event),
        timeoutMs,
        functionArn: this.config.functionArn,
        ...this.virtual ? { nowMs: this.virtual.epochMs() } : {},
      });
    });
    this.write(`END RequestId: ${requestId}`);
    this.write(`REPORT RequestId: ${requestId}\tDuration: ${Date.now() - started} ms\tMemory Size: ${this.config.memorySize} MB`);
    if (result.error) {
      return { payload: JSON.stringify(result.error), functionError: 'Unhandled' };
    }
    return { payload: result.payload ?? 'null' };
  }

  /**
   * The function can move on only through its timers, or it waits for requests: a request the
   * emulator holds for a crash kills the environment; once every request is held, time moves on to
   * the function's next timer (or its timeout); otherwise something is on its way: look again.
   */
  private async onIdle(
    requestId: string,
    message: ChildMessage & { type: 'idle' },
    clock: RunnerClock | undefined,
    virtualDeadline: number | undefined,
    timedOut: () => void,
  ): Promise<void> {
    if (this.virtual === undefined || clock === undefined || virtualDeadline === undefined) return;
    const held = message.ports.length > 0 ? await this.virtual.heldRequests() : [];
    const mine = held.filter((h) => message.ports.includes(h.remotePort));
    const current = this.current;
    if (current?.requestId !== requestId) return;
    if (mine.some((h) => h.kind === 'crash')) {
      current.settle({
        type: 'result',
        requestId,
        error: lambdaError('Runtime.ExitError', `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`),
      });
      this.stop();
      return;
    }
    if (new Set(mine.map((h) => h.remotePort)).size < new Set(message.ports).size) {
      this.child.send({ type: 'busy', requestId });
      return;
    }
    const remaining = virtualDeadline - clock.elapsedMs();
    // At least 1 ms, as Node gives a timer of 0: a loop of zero-delay timers (a rate limiter waiting
    // to refill from `Date.now()`) must see time pass.
    const delay = message.nextTimerAt === undefined ? Infinity : Math.max(1, message.nextTimerAt - this.virtual.epochMs());
    if (delay >= remaining) {
      await clock.wait(Math.max(0, remaining));
      if (this.current?.requestId === requestId) timedOut();
      return;
    }
    await clock.wait(delay);
    if (this.current?.requestId === requestId) this.child.send({ type: 'advance', requestId, toMs: this.virtual.epochMs() });
  }

  private write(line: string): void {
    this.log({ functionName: this.config.functionName, line });
  }
}

/** An error of the runtime itself (a timeout, an exit): no trace, as Lambda reports them. */
function lambdaError(errorType: string, errorMessage: string): LambdaError {
  return { errorType, errorMessage };
}

