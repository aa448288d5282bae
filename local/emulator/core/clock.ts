/**
 * The emulator's clock (runtime.ts `Clock`). Not an AWS behaviour: simulated durations exist so
 * tests can drive asynchronous Proton lifecycles (documented in proton-api.md §3) without waiting.
 * - 'manual': time starts at `startMs` and moves only by `advance(ms)` — fully deterministic.
 * - 'real': wall-clock time plus the sum of all `advance(ms)` offsets.
 * While a scheduled transition runs, `nowMs()` is pinned to its due time, so the timestamps it
 * records are the moment it became due, not the (later) moment it was applied.
 */
import type { Clock } from './runtime';

/** Runs whatever became due; the scheduler registers itself here. */
export interface Timeline {
  runDue(): void;
}

/** Start of virtual time in manual mode unless told otherwise (a fixed instant: reproducible dumps). */
export const DEFAULT_MANUAL_START_MS = Date.UTC(2026, 0, 1);

export class EmulatorClock implements Clock {
  private offsetMs = 0;
  private pinnedMs: number | undefined;
  private timeline: Timeline | undefined;

  constructor(public readonly mode: 'manual' | 'real', private readonly startMs = DEFAULT_MANUAL_START_MS) {}

  public nowMs(): number {
    if (this.pinnedMs !== undefined) return this.pinnedMs;
    return (this.mode === 'manual' ? this.startMs : Date.now()) + this.offsetMs;
  }

  public advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new Error(`advance(ms) needs a finite number of milliseconds >= 0, got ${ms}.`);
    }
    if (this.pinnedMs !== undefined) {
      throw new Error('advance(ms) cannot be called from inside a scheduled transition.');
    }
    this.offsetMs += ms;
    this.timeline?.runDue();
  }

  public attach(timeline: Timeline): void {
    this.timeline = timeline;
  }

  /** Runs `fn` with `nowMs()` reading `atMs`. */
  public pinnedAt(atMs: number, fn: () => void): void {
    const previous = this.pinnedMs;
    this.pinnedMs = atMs;
    try {
      fn();
    } finally {
      this.pinnedMs = previous;
    }
  }
}
