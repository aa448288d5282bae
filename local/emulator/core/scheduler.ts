/**
 * Time-ordered asynchronous transitions (runtime.ts `Scheduler`): a template version finishing
 * registration, a deployment succeeding, a delete completing. Emulator mechanism, not an AWS
 * behaviour: transitions are applied lazily — before each Proton request and on `advance` — in
 * due order (ties in scheduling order), each with the clock pinned to its due time. A transition
 * may schedule further transitions; those run in the same pass when already due.
 */
import type { EmulatorClock, Timeline } from './clock';
import type { Scheduler } from './runtime';

interface Task {
  readonly dueMs: number;
  readonly seq: number;
  readonly label: string;
  readonly fn: () => void;
}

export class EmulatorScheduler implements Scheduler, Timeline {
  private tasks: Task[] = [];
  private seq = 0;
  private running = false;

  constructor(private readonly clock: EmulatorClock) {
    clock.attach(this);
  }

  public at(dueMs: number, label: string, fn: () => void): void {
    if (!Number.isFinite(dueMs)) throw new Error(`Scheduled transition '${label}' needs a finite due time, got ${dueMs}.`);
    this.tasks.push({ dueMs, seq: this.seq++, label, fn });
    this.tasks.sort((a, b) => a.dueMs - b.dueMs || a.seq - b.seq);
  }

  public after(ms: number, label: string, fn: () => void): void {
    this.at(this.clock.nowMs() + ms, label, fn);
  }

  public pending(): { dueMs: number; label: string }[] {
    return this.tasks.map(({ dueMs, label }) => ({ dueMs, label }));
  }

  /** Applies every transition due at the current time, in order. Re-entrant calls are no-ops. */
  public runDue(): void {
    if (this.running) return;
    this.running = true;
    try {
      const now = this.clock.nowMs();
      while (this.tasks.length > 0 && this.tasks[0].dueMs <= now) {
        const task = this.tasks.shift()!;
        this.clock.pinnedAt(task.dueMs, task.fn);
      }
    } finally {
      this.running = false;
    }
  }
}
