/**
 * Scenario state the resource modules consult (runtime.ts `Scenario`): simulated durations,
 * one-shot deployment/deletion failures and output overrides per target key. Emulator mechanism
 * for tests, not an AWS behaviour; the failure messages end up in the resource's
 * `deploymentStatusMessage` exactly as given.
 */
import { DEFAULT_DURATIONS, Durations, Scenario, TargetKey } from './runtime';

export class ScenarioState implements Scenario {
  private currentDurations: Durations;
  private readonly deploymentFailures = new Map<TargetKey, string[]>();
  private readonly deletionFailures = new Map<TargetKey, string[]>();
  private readonly outputs = new Map<TargetKey, Record<string, string>>();

  constructor(durations: Partial<Durations> = {}) {
    this.currentDurations = checkDurations({ ...DEFAULT_DURATIONS, ...durations });
  }

  public get durations(): Durations {
    return this.currentDurations;
  }

  public setDurations(durations: Partial<Durations>): void {
    this.currentDurations = checkDurations({ ...this.currentDurations, ...durations });
  }

  /** Queues a failure: the next deployment of `target` ends FAILED with `message`. */
  public failNextDeployment(target: TargetKey, message: string): void {
    enqueue(this.deploymentFailures, target, message);
  }

  /** Queues a failure: the next delete of `target` ends DELETE_FAILED with `message`. */
  public failNextDeletion(target: TargetKey, message: string): void {
    enqueue(this.deletionFailures, target, message);
  }

  public setOutputs(target: TargetKey, outputs: Record<string, string>): void {
    this.outputs.set(target, { ...outputs });
  }

  public consumeDeploymentFailure(target: TargetKey): string | undefined {
    return dequeue(this.deploymentFailures, target);
  }

  public consumeDeletionFailure(target: TargetKey): string | undefined {
    return dequeue(this.deletionFailures, target);
  }

  public outputOverrides(target: TargetKey): Record<string, string> | undefined {
    const outputs = this.outputs.get(target);
    return outputs ? { ...outputs } : undefined;
  }

  public dump() {
    return {
      durations: this.currentDurations,
      pendingDeploymentFailures: Object.fromEntries(this.deploymentFailures),
      pendingDeletionFailures: Object.fromEntries(this.deletionFailures),
      outputOverrides: Object.fromEntries(this.outputs),
    };
  }
}

function checkDurations(durations: Durations): Durations {
  for (const [name, value] of Object.entries(durations)) {
    if (!(name in DEFAULT_DURATIONS)) {
      throw new Error(`Unknown duration '${name}'; allowed: ${Object.keys(DEFAULT_DURATIONS).join(', ')}.`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new Error(`Duration '${name}' must be a number of milliseconds >= 0, got ${JSON.stringify(value)}.`);
    }
  }
  return durations;
}

function enqueue(queues: Map<TargetKey, string[]>, target: TargetKey, message: string): void {
  const queue = queues.get(target) ?? [];
  queue.push(message);
  queues.set(target, queue);
}

function dequeue(queues: Map<TargetKey, string[]>, target: TargetKey): string | undefined {
  const queue = queues.get(target);
  const message = queue?.shift();
  if (queue && queue.length === 0) queues.delete(target);
  return message;
}
