/**
 * A local Lambda function: one child process per function ("container"), started on the first
 * invocation (cold start) and kept warm, with only the function's environment, its stdout/stderr
 * captured as the function's log, and the function's timeout enforced (the container is
 * discarded on timeout or crash, like Lambda does).
 */
import { ChildProcess, fork } from 'child_process';
import { randomUUID } from 'crypto';
import * as path from 'path';

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

interface ChildResult {
  readonly requestId: string;
  readonly payload?: string;
  readonly error?: { errorType: string; errorMessage: string; trace: string[] };
}

export class LambdaContainer {
  private child: ChildProcess | undefined;
  private pending: ((result: ChildResult) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(public readonly config: LambdaFunctionConfig, private readonly log: LogSink) {}

  /** Invokes the function synchronously (RequestResponse); invocations run one at a time. */
  public invoke(event: unknown): Promise<InvokeResult> {
    const run = this.queue.then(() => this.invokeNow(event));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops the container (if running). */
  public stop(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }

  private async invokeNow(event: unknown): Promise<InvokeResult> {
    const requestId = randomUUID();
    const child = this.child ?? this.start();
    const timeoutMs = this.config.timeoutSeconds * 1000;
    const started = Date.now();
    this.write(`START RequestId: ${requestId} Version: $LATEST`);
    const result = await new Promise<ChildResult>((resolveResult) => {
      const timer = setTimeout(() => {
        this.stop();
        resolveResult({
          requestId,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `${new Date().toISOString()} ${requestId} Task timed out after ${this.config.timeoutSeconds.toFixed(2)} seconds`,
            trace: [],
          },
        });
      }, timeoutMs);
      this.pending = (r) => {
        clearTimeout(timer);
        resolveResult(r);
      };
      child.send({ requestId, payload: JSON.stringify(event), timeoutMs, functionArn: this.config.functionArn });
    });
    this.pending = undefined;
    this.write(`END RequestId: ${requestId}`);
    this.write(`REPORT RequestId: ${requestId}\tDuration: ${Date.now() - started} ms\tMemory Size: ${this.config.memorySize} MB`);
    if (result.error) {
      return { payload: JSON.stringify(result.error), functionError: 'Unhandled' };
    }
    return { payload: result.payload ?? 'null' };
  }

  private start(): ChildProcess {
    const child = fork(BOOTSTRAP, [], {
      cwd: this.config.codeDirectory,
      env: this.config.environment,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        lines.forEach((line) => this.write(line));
      });
    }
    child.on('message', (message: ChildResult) => this.pending?.(message));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      this.pending?.({
        requestId: '',
        error: { errorType: 'Runtime.ExitError', errorMessage: `RequestId: Error: Runtime exited with error: ${signal ?? `exit status ${code}`}`, trace: [] },
      });
    });
    this.child = child;
    return child;
  }

  private write(line: string): void {
    this.log({ functionName: this.config.functionName, line });
  }
}
