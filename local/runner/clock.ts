/**
 * The clock the runner measures provider waits and timeouts on, and runs CloudFormation's
 * concurrent resource operations on.
 *
 * - Real time (an external endpoint): waits sleep, concurrent operations simply run concurrently.
 * - Virtual time (an emulator with a manual clock): a discrete-event simulation. Concurrent
 *   operations ("activities": one per resource operation) take turns: one runs at a time, until it
 *   waits (a provider's query interval, or a Lambda function's own timer) or finishes; then the
 *   next activity due now runs, in the order they became due. When every activity waits, time
 *   jumps to the earliest wake-up and the emulator's clock advances by as much. Nothing sleeps, and
 *   the interleaving depends on nothing but the order of events, so a run is reproducible.
 *   Lambda functions run on the same time (lambda-container.ts): their timers and `Date` are
 *   virtual, their random numbers seeded.
 */

import { AsyncLocalStorage } from 'async_hooks';
import { createHash } from 'crypto';

/**
 * Where the Lambda functions' virtual `Date` starts: a fixed instant (the emulator's manual clock
 * starts there too), not the real time, so that nothing a function computes from the absolute time
 * (the SDK's adaptive rate limiter measures its sending rate per half second of `Date.now()`)
 * changes from one run to the next.
 */
export const VIRTUAL_EPOCH_MS = Date.UTC(2026, 0, 1);

export interface RunnerClock {
  /** Present on virtual time: what Lambda containers need to run their functions on it. */
  readonly virtual?: VirtualLambdaTime;
  /** Milliseconds elapsed on this clock since it was created. */
  elapsedMs(): number;
  /** Lets `ms` pass (in virtual time: called by the running activity, which yields until then). */
  wait(ms: number): Promise<void>;
  /** Runs `task` as a concurrent activity. @default runs it right away */
  spawn?<T>(task: () => Promise<T>): Promise<T>;
  /**
   * Waits for `work` (activities it spawned): an activity waiting lets others run meanwhile.
   * @default waits for it
   */
  join?<T>(work: Promise<T>): Promise<T>;
}

/** A request an emulator holds open without answering (emulator `hang` / `crash` faults). */
export interface HeldRequest {
  readonly operation: string;
  readonly kind: 'hang' | 'crash';
  readonly remotePort: number;
}

/** What a Lambda container needs to run its function's timers on virtual time. */
export interface VirtualLambdaTime {
  /** Seed of the functions' `Math.random` (each execution environment derives its own from it). */
  readonly seed: number;
  /**
   * The seed of the next execution environment started: from {@link seed} and the number of
   * environments started before it (in the timeline's reproducible order), not from anything a run
   * draws at random (function names carry the stack id).
   */
  environmentSeed(): number;
  /** The function's `Date.now()`: {@link VIRTUAL_EPOCH_MS} plus the virtual time elapsed. */
  epochMs(): number;
  /** The requests the emulator holds open: a function waiting on these only waits for its timers. */
  heldRequests(): Promise<HeldRequest[]>;
}

/** What the runner needs of an emulator to run on its virtual time. */
export interface VirtualTimeControl {
  advance(ms: number): unknown;
  /** Held requests (emulator `control.heldRequests`); without it, a hung call waits in real time. */
  heldRequests?(): HeldRequest[] | Promise<HeldRequest[]>;
}

/** Runs `task` as a concurrent activity of `clock` (right away on a clock without activities). */
export function spawnOn<T>(clock: RunnerClock, task: () => Promise<T>): Promise<T> {
  return clock.spawn ? clock.spawn(task) : task();
}

/** Waits for `work` on `clock`: see {@link RunnerClock.join}. */
export function joinOn<T>(clock: RunnerClock, work: Promise<T>): Promise<T> {
  return clock.join ? clock.join(work) : work;
}

/** Runs `task` as an activity of its own and waits for it (a step of an activity, or of no activity). */
export function inActivity<T>(clock: RunnerClock, task: () => Promise<T>): Promise<T> {
  return joinOn(clock, spawnOn(clock, task));
}

/** Wall-clock time: `wait` sleeps. */
export function realClock(): RunnerClock {
  const start = Date.now();
  return {
    elapsedMs: () => Date.now() - start,
    wait: (ms) => new Promise((resolveWait) => setTimeout(resolveWait, ms)),
  };
}

export interface VirtualClockOptions {
  /** Seed of the Lambda functions' random numbers (SDK retry jitter). @default 1 */
  readonly seed?: number;
}

/** Virtual time of an emulator with a manual clock: waits advance it, never sleep. */
export function virtualClock(control: VirtualTimeControl, options: VirtualClockOptions = {}): RunnerClock {
  return new VirtualTimeline(control, options.seed ?? 1);
}

interface Wakeup {
  readonly atMs: number;
  readonly seq: number;
  readonly run: () => void;
}

/** The discrete-event simulation of {@link virtualClock}. */
class VirtualTimeline implements RunnerClock {
  /** Set within an activity (through its awaits): whether the code running is an activity's. */
  private readonly activity = new AsyncLocalStorage<true>();
  public readonly virtual: VirtualLambdaTime;
  private now = 0;
  private seq = 0;
  private readonly queue: Wakeup[] = [];
  /** An activity is running (holds the turn). */
  private running = false;
  private dispatching = false;
  private environments = 0;

  constructor(private readonly control: VirtualTimeControl, seed: number) {
    this.virtual = {
      epochMs: () => VIRTUAL_EPOCH_MS + this.now,
      seed,
      environmentSeed: () => createHash('sha256').update(`${seed}#${this.environments++}`).digest().readUInt32BE(0),
      heldRequests: async () => (control.heldRequests ? control.heldRequests() : []),
    };
  }

  public elapsedMs(): number {
    return this.now;
  }

  public wait(ms: number): Promise<void> {
    return new Promise((resolveWait) => {
      this.enqueue(this.now + Math.max(0, ms), resolveWait);
      this.running = false;
      void this.dispatch();
    });
  }

  public spawn<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolveTask, rejectTask) => {
      this.enqueue(this.now, () => {
        this.activity.run(true, task).then(
          (value) => this.finish(() => resolveTask(value)),
          (error) => this.finish(() => rejectTask(error)),
        );
      });
      void this.dispatch();
    });
  }

  public async join<T>(work: Promise<T>): Promise<T> {
    if (this.activity.getStore() === undefined) return work;
    // The activity waits for others: they run meanwhile; it takes a turn again once they are done.
    this.running = false;
    void this.dispatch();
    try {
      return await work;
    } finally {
      await new Promise<void>((resume) => {
        this.enqueue(this.now, resume);
        void this.dispatch();
      });
    }
  }

  /** An activity ended: its turn passes on (its awaiter continues as part of whoever waits for it). */
  private finish(settle: () => void): void {
    this.running = false;
    settle();
    void this.dispatch();
  }

  private enqueue(atMs: number, run: () => void): void {
    this.queue.push({ atMs, seq: this.seq++, run });
    this.queue.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
  }

  /** Gives the turn to the next activity, advancing time when every activity waits. */
  private async dispatch(): Promise<void> {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      // Let the activity that just yielded (and whoever awaited it) enqueue what follows at this instant.
      await new Promise((resolveTick) => setImmediate(resolveTick));
      if (this.running || this.queue.length === 0) return;
      const next = this.queue.shift()!;
      if (next.atMs > this.now) {
        await this.control.advance(next.atMs - this.now);
        this.now = next.atMs;
      }
      this.running = true;
      next.run();
    } finally {
      this.dispatching = false;
    }
    // Something may have been enqueued while dispatching (without the turn being taken).
    if (!this.running && this.queue.length > 0) void this.dispatch();
  }
}

/**
 * The clock control of an emulator at `endpoint`, through its HTTP control API
 * (`POST /_emulator/advance`, `GET /_emulator/held-requests`): virtual time for an emulator
 * running in another process.
 */
export function emulatorClockControl(endpoint: string): Required<VirtualTimeControl> {
  const call = async (method: string, route: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${endpoint}/_emulator/${route}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...body !== undefined ? { body: JSON.stringify(body) } : {},
    });
    if (!response.ok) {
      throw new Error(`${endpoint} did not answer ${method} /_emulator/${route} (HTTP ${response.status}): virtual time needs a Proton emulator endpoint (npm run emulator).`);
    }
    return response.json();
  };
  return {
    advance: async (ms) => {
      await call('POST', 'advance', { ms });
    },
    heldRequests: async () => (await call('GET', 'held-requests')) as HeldRequest[],
  };
}
