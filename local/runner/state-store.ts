/**
 * Deployed stack state, by account and stack name (a stack is identified by its name within its
 * account, like in CloudFormation): in memory for programmatic use, and optionally one JSON file
 * per stack (`<directory>/<account>/<stack>.json`) for the CLI. A file remembers the endpoint it
 * was deployed to and is only read back for that endpoint.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PublishedAsset } from './assets';
import { StackState } from './operation-context';

interface StateFile {
  readonly endpoint: string;
  readonly stack: StackState;
  /** The stack's published assets: its functions' code, needed again to delete it later. */
  readonly assets: PublishedAsset[];
}

/** The account a deployed stack belongs to: the one its stack id (an ARN) names. */
export function accountOf(stack: StackState): string {
  return stack.stackId.split(':')[4];
}

export class StateStore {
  private readonly stacks = new Map<string, StateFile>();

  constructor(private readonly endpoint: string, private readonly directory?: string) {
    for (const file of this.savedFiles()) {
      const saved: StateFile = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (saved.endpoint === endpoint) this.stacks.set(key(accountOf(saved.stack), saved.stack.stackName), saved);
    }
  }

  public get(accountId: string, stackName: string): StackState | undefined {
    return this.stacks.get(key(accountId, stackName))?.stack;
  }

  /** The deployed stacks named `stackName`, in any account. */
  public named(stackName: string): StackState[] {
    return this.all().filter((s) => s.stackName === stackName);
  }

  /** The assets published for the stack. */
  public assetsOf(stack: StackState): PublishedAsset[] {
    return this.stacks.get(key(accountOf(stack), stack.stackName))?.assets ?? [];
  }

  public all(): StackState[] {
    return [...this.stacks.values()].map((s) => s.stack);
  }

  public put(stack: StackState, assets: PublishedAsset[] = this.assetsOf(stack)): void {
    const saved: StateFile = { endpoint: this.endpoint, stack, assets };
    this.stacks.set(key(accountOf(stack), stack.stackName), saved);
    if (!this.directory) return;
    const file = this.file(stack);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(saved, undefined, 2));
  }

  public remove(stack: StackState): void {
    this.stacks.delete(key(accountOf(stack), stack.stackName));
    const file = this.directory && this.file(stack);
    if (!file || !fs.existsSync(file)) return;
    fs.rmSync(file);
    if (fs.readdirSync(path.dirname(file)).length === 0) fs.rmdirSync(path.dirname(file));
  }

  private file(stack: StackState): string {
    return path.join(this.directory!, accountOf(stack), `${stack.stackName}.json`);
  }

  /** The state files of the directory: `<account>/<stack>.json`. */
  private savedFiles(): string[] {
    if (!this.directory || !fs.existsSync(this.directory)) return [];
    return fs.readdirSync(this.directory)
      .filter((account) => /^\d{12}$/.test(account))
      .flatMap((account) => fs.readdirSync(path.join(this.directory!, account))
        .filter((f) => f.endsWith('.json'))
        .map((f) => path.join(this.directory!, account, f)));
  }
}

function key(accountId: string, stackName: string): string {
  return `${accountId}/${stackName}`;
}
