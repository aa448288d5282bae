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
  readonly scheduledAtMs: number;
  readonly seq: number;
  readonly label: string;
  readonly fn: () => void;
}

/** A transition that ran: when it was scheduled and when it became due (virtual ms). */
export interface TransitionRecord {
  readonly label: string;
  readonly scheduledAtMs: number;
  readonly dueMs: number;
}

/** How many applied transitions the journal keeps (the oldest are dropped first). */
const JOURNAL_LIMIT = 10_000;

export class EmulatorScheduler implements Scheduler, Timeline {
  private tasks: Task[] = [];
  private seq = 0;
  private running = false;
  private readonly journal: TransitionRecord[] = [];

  constructor(private readonly clock: EmulatorClock) {
    clock.attach(this);
  }

  public at(dueMs: number, label: string, fn: () => void): void {
    if (!Number.isFinite(dueMs)) throw new Error(`Scheduled transition '${label}' needs a finite due time, got ${dueMs}.`);
    this.tasks.push({ dueMs, scheduledAtMs: this.clock.nowMs(), seq: this.seq++, label, fn });
    this.tasks.sort((a, b) => a.dueMs - b.dueMs || a.seq - b.seq);
  }

  public after(ms: number, label: string, fn: () => void): void {
    this.at(this.clock.nowMs() + ms, label, fn);
  }

  public pending(): { dueMs: number; label: string }[] {
    return this.tasks.map(({ dueMs, label }) => ({ dueMs, label }));
  }

  /** The transitions applied so far (at most the last 10,000), in the order they ran. */
  public applied(): TransitionRecord[] {
    return [...this.journal];
  }

  /** Applies every transition due at the current time, in order. Re-entrant calls are no-ops. */
  public runDue(): void {
    if (this.running) return;
    this.running = true;
    try {
      const now = this.clock.nowMs();
      while (this.tasks.length > 0 && this.tasks[0].dueMs <= now) {
        const task = this.tasks.shift()!;
        this.journal.push({ label: task.label, scheduledAtMs: task.scheduledAtMs, dueMs: task.dueMs });
        if (this.journal.length > JOURNAL_LIMIT) this.journal.shift();
        this.clock.pinnedAt(task.dueMs, task.fn);
      }
    } finally {
      this.running = false;
    }
  }
}
