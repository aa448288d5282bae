/**
 * Deployed stack state: in memory for programmatic use, and optionally one JSON file per stack
 * (`<directory>/<stack>.json`) for the CLI. A file remembers the endpoint it was deployed to and is
 * only read back for that endpoint.
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

export class StateStore {
  private readonly stacks = new Map<string, StackState>();
  private readonly assets = new Map<string, PublishedAsset[]>();

  constructor(private readonly endpoint: string, private readonly directory?: string) {}

  public get(stackName: string): StackState | undefined {
    const known = this.stacks.get(stackName);
    if (known || !this.directory) return known;
    const file = this.file(stackName);
    if (!fs.existsSync(file)) return undefined;
    const saved: StateFile = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (saved.endpoint !== this.endpoint) return undefined;
    this.stacks.set(stackName, saved.stack);
    this.assets.set(stackName, saved.assets);
    return saved.stack;
  }

  /** The assets published for the stack (read with the stack by `get`). */
  public assetsOf(stackName: string): PublishedAsset[] {
    return this.assets.get(stackName) ?? [];
  }

  public all(): StackState[] {
    return [...this.stacks.values()];
  }

  public put(stack: StackState, assets: PublishedAsset[] = this.assetsOf(stack.stackName)): void {
    this.stacks.set(stack.stackName, stack);
    this.assets.set(stack.stackName, assets);
    if (!this.directory) return;
    fs.mkdirSync(this.directory, { recursive: true });
    const saved: StateFile = { endpoint: this.endpoint, stack, assets };
    fs.writeFileSync(this.file(stack.stackName), JSON.stringify(saved, undefined, 2));
  }

  public remove(stackName: string): void {
    this.stacks.delete(stackName);
    this.assets.delete(stackName);
    if (this.directory && fs.existsSync(this.file(stackName))) fs.rmSync(this.file(stackName));
  }

  private file(stackName: string): string {
    return path.join(this.directory!, `${stackName}.json`);
  }
}
