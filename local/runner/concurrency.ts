/**
 * CloudFormation's concurrency: it runs the operations of independent resources at the same time
 * and starts each one as soon as the resources it waits for are done (creates and updates after
 * their dependencies, deletes after their dependents). Each operation is an activity of the
 * runner's clock (clock.ts), so on virtual time the interleaving is reproducible.
 */
import { joinOn, RunnerClock, spawnOn } from './clock';

/** How a graph run reacts to a failed operation. */
export type OnFailure =
  /** Start nothing new (a stack create or update stops at its first failure); running ones finish. */
  | 'stop'
  /** Skip only what waits for the failed operation, transitively (a delete keeps what a kept resource depends on). */
  | 'skip-waiting';

export type Outcome = 'done' | 'failed' | 'skipped' | 'not-started';

/**
 * Runs `run(id)` for every id, each once every id of `waitsFor(id)` (among `ids`) is done. Ids
 * that become ready together start in the order of `ids`. `run` resolves `true` on success.
 * Resolves once nothing runs and nothing more can start, with each id's outcome.
 */
export function runGraph(
  ids: readonly string[],
  waitsFor: (id: string) => readonly string[],
  run: (id: string) => Promise<boolean>,
  clock: RunnerClock,
  onFailure: OnFailure,
): Promise<Map<string, Outcome>> {
  const known = new Set(ids);
  const prerequisites = new Map(ids.map((id) => [id, waitsFor(id).filter((p) => known.has(p) && p !== id)]));
  const state = new Map<string, Outcome | 'running'>();
  let active = 0;
  let stopped = false;
  return joinOn(clock, new Promise((resolveRun, rejectRun) => {
    const final = (id: string) => {
      const s = state.get(id);
      return s !== undefined && s !== 'running';
    };
    const settleIfIdle = () => {
      if (active > 0) return;
      const outcomes = new Map<string, Outcome>(ids.map((id) => {
        const s = state.get(id);
        return [id, s === undefined || s === 'running' ? 'not-started' : s];
      }));
      resolveRun(outcomes);
    };
    const startReady = () => {
      let changed = true;
      while (changed) {
        changed = false;
        for (const id of ids) {
          if (state.has(id)) continue;
          const pre = prerequisites.get(id)!;
          if (!pre.every(final)) continue;
          if (pre.some((p) => state.get(p) !== 'done')) {
            if (onFailure === 'skip-waiting') {
              state.set(id, 'skipped');
              changed = true;
            }
            continue;
          }
          if (stopped) continue;
          state.set(id, 'running');
          active++;
          spawnOn(clock, async () => {
            const ok = await run(id);
            state.set(id, ok ? 'done' : 'failed');
            if (!ok && onFailure === 'stop') stopped = true;
            active--;
            // Within the activity: what it unblocks is started at this instant, before time moves on.
            startReady();
          }).then(settleIfIdle, rejectRun);
        }
      }
    };
    startReady();
    settleIfIdle();
  }));
}
