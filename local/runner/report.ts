/**
 * Console reporting shared by the CLI and the demo: progress lines and a per-stack summary.
 * Only names, types, statuses, counts and failure reasons are printed; never properties,
 * outputs' values or response URLs.
 */
import { firstLine, formatEvent, StackEvent } from './events';
import { OperationResult } from './runner';

export interface Reporter {
  event(event: StackEvent): void;
  message(stackName: string, message: string): void;
}

export function consoleReporter(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Reporter {
  return {
    event: (event) => write(formatEvent(event)),
    message: (stackName, message) => write(`${stackName} | ${message}`),
  };
}

/** One line per stack: final status, what changed, the first failure reason, output names. */
export function summarize(action: string, result: OperationResult): string[] {
  const lines = [`${action} ${result.success ? 'succeeded' : 'FAILED'}`];
  for (const stack of result.stacks) {
    const events = result.events.filter((e) => e.stackName === stack.stackName && e.logicalId !== stack.stackName);
    const count = (status: string) => events.filter((e) => e.status === status).length;
    const failure = events.find((e) => e.status.endsWith('_FAILED'));
    lines.push(
      `  ${stack.stackName}: ${stack.status} (created ${count('CREATE_COMPLETE')}, updated ${count('UPDATE_COMPLETE')}, deleted ${count('DELETE_COMPLETE')})`,
    );
    if (failure) lines.push(`    ${failure.logicalId} ${failure.status}: ${firstLine(failure.reason ?? '')}`);
    const outputs = Object.keys(stack.outputs);
    if (outputs.length > 0) lines.push(`    outputs: ${outputs.join(', ')}`);
  }
  return lines;
}
