import { failure, isProtonError } from './errors';
import { log } from './log';
import { getOrUndefined } from './name-keyed-create';
import { ResourceHandler } from './resource-handler';

/** Where a sync configuration reads from: what makes two configurations of one target the same. */
export interface SyncSource {
  readonly repositoryProvider?: string;
  readonly repositoryName?: string;
  readonly branch?: string;
  /** The template subdirectory or the `proton-ops` file path (absent: the repository root). */
  readonly path?: string;
}

/**
 * The lifecycle shared by Proton's sync configurations (template sync, service sync): at most one
 * per target, synchronous calls, no tags.
 *
 * Without tags, ownership cannot be recorded: on create, an existing configuration identical to
 * the requested one is taken over (a replayed create, or an equivalent configuration — deleting
 * either is the same change), and a different one is refused untouched. A create that loses a
 * race (ConflictException) is resolved by the same comparison. Updates are in place; a delete of
 * a configuration already gone succeeds.
 *
 * Subclasses give Proton's four calls for their target, how to describe it, and the `Data`.
 */
export abstract class SyncConfigHandler<P extends object, D extends { readonly [K in keyof D]: string }, C> extends ResourceHandler<P, D> {
  /** Human name of the kind, e.g. `service sync configuration`. */
  protected abstract readonly kind: string;
  /** Label of {@link SyncSource.path} in messages, e.g. `file path`. */
  protected abstract readonly pathLabel: string;

  /** The configuration's target in messages, e.g. `the service 'web'`. */
  protected abstract describeTarget(): string;
  /** The CLI command that deletes the target's configuration, e.g. `aws proton delete-service-sync-config --service-name web`. */
  protected abstract deleteCommand(): string;
  /** The source the properties request. */
  protected abstract requestedSource(): SyncSource;
  /** The source of a configuration read from Proton. */
  protected abstract sourceOf(config: C): SyncSource;
  /** `Data` of the configuration read from Proton. */
  protected abstract dataOf(config: C): D;
  /** Proton's Get of the target's configuration (ResourceNotFound is handled here). */
  protected abstract getConfig(): Promise<C | undefined>;
  /** Proton's Create with the requested properties. */
  protected abstract createConfig(): Promise<unknown>;
  /** Proton's Update with the requested properties. */
  protected abstract updateConfig(): Promise<unknown>;
  /** Proton's Delete of the target's configuration. */
  protected abstract deleteConfig(): Promise<unknown>;

  protected sameIdentityReplacementMessage(id: string, reasons: readonly string[]): string {
    return `Cannot replace the ${this.kind} '${id}': ${reasons.join(', ')} changed.`;
  }

  protected async onCreate(): Promise<string> {
    const id = this.identity(this.props);
    const existing = await this.read();
    if (existing !== undefined) {
      this.assertSameSource(existing, id);
      log(`${this.kind} already as requested: taken over`, { name: id });
      return id;
    }
    try {
      await this.createConfig();
      log(`created ${this.kind}`, { name: id });
    } catch (error) {
      const raced = isProtonError(error, 'ConflictException') ? await this.read() : undefined;
      if (raced === undefined) {
        throw failure(`Could not create the ${this.kind} of ${this.describeTarget()}`, error);
      }
      this.assertSameSource(raced, id);
      log(`${this.kind} created concurrently as requested: taken over`, { name: id });
    }
    return id;
  }

  protected async onUpdateInPlace(_oldProps: P, id: string): Promise<void> {
    try {
      await this.updateConfig();
      log(`updated ${this.kind}`, { name: id });
    } catch (error) {
      throw failure(`Could not update the ${this.kind} of ${this.describeTarget()}`, error);
    }
  }

  /** Synchronous: one step; already gone = success. */
  protected async deleteStep(id: string): Promise<boolean> {
    try {
      await this.deleteConfig();
      log(`deleted ${this.kind}`, { name: id });
    } catch (error) {
      if (!isProtonError(error, 'ResourceNotFoundException')) throw failure(`Could not delete the ${this.kind} of ${this.describeTarget()}`, error);
      log(`${this.kind} already gone`, { name: id });
    }
    return true;
  }

  protected async isCreateComplete(id: string): Promise<D> {
    const config = await this.read();
    if (config === undefined) {
      throw failure(`The ${this.kind} '${id}' disappeared right after it was written: it was deleted outside CloudFormation.`);
    }
    return this.dataOf(config);
  }

  private read(): Promise<C | undefined> {
    return getOrUndefined(() => this.getConfig());
  }

  private assertSameSource(existing: C, id: string): void {
    const have = this.sourceOf(existing);
    const want = this.requestedSource();
    const keys: ReadonlyArray<keyof SyncSource> = ['repositoryProvider', 'repositoryName', 'branch', 'path'];
    if (keys.every((key) => (have[key] ?? undefined) === (want[key] ?? undefined))) {
      return;
    }
    const path = have.path === undefined ? '' : `, ${this.pathLabel} ${have.path}`;
    throw failure(`${capitalize(this.describeTarget())} already has a ${this.kind} ('${id}', repository ${have.repositoryProvider}:${have.repositoryName}, `
      + `branch ${have.branch}${path}) that differs from this one and was not made by this stack. cdk-proton never takes over a different configuration: `
      + `delete it first (${this.deleteCommand()}) or stop declaring this one.`);
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
