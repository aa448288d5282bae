/**
 * The clock the runner measures provider waits and timeouts on. Against the embedded emulator
 * (manual clock) waiting advances the emulator's virtual time instead of sleeping, so a 30-minute
 * Provider timeout takes milliseconds; against an external endpoint the runner really sleeps.
 */
export interface RunnerClock {
  /** Milliseconds elapsed on this clock since it was created. */
  elapsedMs(): number;
  /** Lets `ms` pass. */
  wait(ms: number): Promise<void>;
}

/** Wall-clock time: `wait` sleeps. */
export function realClock(): RunnerClock {
  const start = Date.now();
  return {
    elapsedMs: () => Date.now() - start,
    wait: (ms) => new Promise((resolveWait) => setTimeout(resolveWait, ms)),
  };
}

/** Virtual time of an emulator with a manual clock: `wait` calls `advance(ms)`, never sleeps. */
export function virtualClock(control: { advance(ms: number): unknown }): RunnerClock {
  let elapsed = 0;
  return {
    elapsedMs: () => elapsed,
    wait: async (ms) => {
      elapsed += ms;
      await control.advance(ms);
    },
  };
}

/**
 * The clock control of an emulator at `endpoint`, through its HTTP control API
 * (`POST /_emulator/advance`): virtual time for an emulator running in another process.
 */
export function emulatorClockControl(endpoint: string): { advance(ms: number): Promise<void> } {
  return {
    advance: async (ms) => {
      const response = await fetch(`${endpoint}/_emulator/advance`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ms }),
      });
      if (!response.ok) {
        throw new Error(`${endpoint} did not advance its clock (HTTP ${response.status}): virtual time needs a Proton emulator endpoint (npm run emulator).`);
      }
    },
  };
}
