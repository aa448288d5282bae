/**
 * Composes the resource modules' operation tables into one and checks it against the model:
 * every model operation implemented exactly once, nothing outside the model. The list of
 * operations is the model's (87); the rule "exactly once" is the emulator's own.
 */
import { OPERATION_NAMES } from './model';
import type { OperationTable } from './runtime';

export interface ComposeOptions {
  /**
   * Allow model operations without an implementation (they answer 501 NotImplemented).
   * Only for developing the emulator while resource modules are unfinished.
   * @default false
   */
  readonly partial?: boolean;
}

export function missingOperations(table: OperationTable): string[] {
  return OPERATION_NAMES.filter((name) => !Object.prototype.hasOwnProperty.call(table, name));
}

/** Merges `modules` (module name -> table); throws on duplicates, unknown names and (unless partial) gaps. */
export function composeOperations(modules: Record<string, OperationTable>, options: ComposeOptions = {}): OperationTable {
  const owner = new Map<string, string>();
  const problems: string[] = [];
  const table: OperationTable = {};
  for (const [moduleName, operations] of Object.entries(modules)) {
    for (const [name, handler] of Object.entries(operations)) {
      if (!OPERATION_NAMES.includes(name)) {
        problems.push(`${moduleName} implements '${name}', which is not an operation of the Proton model`);
      } else if (owner.has(name)) {
        problems.push(`'${name}' is implemented by both ${owner.get(name)} and ${moduleName}`);
      } else {
        owner.set(name, moduleName);
        table[name] = handler;
      }
    }
  }
  const missing = missingOperations(table);
  if (missing.length && !options.partial) {
    problems.push(`${missing.length} operation(s) of the model are not implemented: ${missing.join(', ')}`);
  }
  if (problems.length) throw new Error(`Invalid emulator operation table: ${problems.join('; ')}.`);
  return table;
}
