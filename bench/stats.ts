/**
 * What the benchmark scripts share: timing, the median of repeated samples, ratios and a plain
 * text table. Each script measures the things it compares side by side in one run, so the ratio
 * holds on a loaded machine where absolute figures do not.
 */

/** Milliseconds `fn` took (monotonic clock). */
export function elapsedMs(fn: () => void): number {
  const started = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Milliseconds of CPU (user + system, all of the process's threads) `fn` took: steadier than wall time on a loaded machine. */
export function cpuMs(fn: () => void): number {
  const started = process.cpuUsage();
  fn();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1e3;
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error('median of no samples: run at least one repetition.');
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** `a / b` as `2.35x`. */
export function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}x`;
}

export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * Columns two spaces apart: the first and those in `leftAligned` (indexes) padded on the right,
 * the others (figures) right-aligned.
 */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, leftAligned: readonly number[] = []): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => (row[col] ?? '').length)));
  const left = new Set([0, ...leftAligned]);
  const line = (row: readonly string[]) => row
    .map((cell, col) => (left.has(col) ? cell.padEnd(widths[col]) : cell.padStart(widths[col])))
    .join('  ')
    .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A positive integer command-line option, with the option's name in the error. */
export function positiveInteger(name: string, value: string | undefined): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new Error(`--${name} must be a positive integer, got '${value}'.`);
  }
  return parsed;
}

/** Runs a script's `main`, printing the error and exiting 1 on failure. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
