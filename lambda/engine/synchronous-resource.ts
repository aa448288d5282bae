import type { ProtonClient, Tag } from '@aws-sdk/client-proton';
import { failure, isProtonError } from './errors';
import { log } from './log';
import { createOrAdopt, getOrUndefined, requireOwned } from './name-keyed-create';
import { deleteIfOwned } from './owned-delete';
import { ResourceHandler, UpdatePlan, planUpdate } from './resource-handler';
import { assertCustomerTags, syncCustomerTags, toProtonTags } from './tags';
import type { IsCompleteRequest } from './types';
import type { PropertiesOf, PropertySchema } from '../../src/custom-resources/contract';

/**
 * A kind of Proton resource that is created and deleted synchronously under a name it is given,
 * carries tags, and that Proton cannot update (only its tags change in place), described once:
 * its properties (the contract's schema), its identity, Proton's three calls and how messages
 * name it. {@link SynchronousResourceHandler} serves every such kind; adding one is a description.
 */
export interface SynchronousKind<S extends PropertySchema, R extends { readonly arn?: string }, D> {
  /** The kind's `ResourceProperties` (`src/custom-resources/contract.ts`): parsed by it, all but `Tags` immutable. */
  readonly schema: S;
  /** How messages name one, e.g. `Proton link to repository`. */
  readonly noun: string;
  /** The kind as ownership messages and logs name it, e.g. `repository` (`Proton repository 'x' already exists …`). */
  readonly kind: string;
  /** The construct that declares one, e.g. `Repository`. */
  readonly construct: string;
  /** The CLI command deleting one, e.g. `aws proton delete-repository`. */
  readonly deleteCommand: string;
  /** What may use one, named when Proton refuses to delete it (ConflictException). */
  readonly users: string;
  /**
   * The immutable properties Proton returns, read from a resource: one left by an earlier attempt
   * of this resource is adopted only when they match what is asked now.
   */
  readonly stored: { readonly [K in keyof PropertiesOf<S>]?: (resource: R) => string | undefined };
  /** Proton's identity of the resource the properties designate (its physical id). */
  identity(props: PropertiesOf<S>): string;
  /** How a user references an existing one instead of creating it (for the foreign-resource message). */
  importHint(props: PropertiesOf<S>): string;
  /** Proton's read (ResourceNotFound is handled by the handler). */
  get(proton: ProtonClient, props: PropertiesOf<S>): Promise<R>;
  /** Proton's create, with `tags` (the customer's and the ownership tags). */
  create(proton: ProtonClient, props: PropertiesOf<S>, tags: Tag[]): Promise<R>;
  /** Proton's delete. */
  delete(proton: ProtonClient, props: PropertiesOf<S>): Promise<unknown>;
  /** The `Data` of a resource read from Proton. */
  data(resource: R): D;
}

/**
 * The handler of every {@link SynchronousKind}. onEvent only names the resource (its identity is
 * known from its properties), so CloudFormation knows the physical id before Proton is called;
 * the first isComplete creates it (`createOrAdopt`: a leftover of this very resource, recognised by
 * its ownership tags, is adopted when its immutable properties match; any other is refused); an
 * update changes the tags in place, and any other change is a replacement under a new identity
 * (a replacement under the same identity is refused: CloudFormation would delete the only one);
 * a delete removes only a resource this stack resource created (`deleteIfOwned`).
 */
export class SynchronousResourceHandler<S extends PropertySchema, R extends { readonly arn?: string }, D extends { readonly [K in keyof D]: string }>
  extends ResourceHandler<PropertiesOf<S>, D> {
  private readonly def: SynchronousKind<S, R, D>;

  constructor(def: SynchronousKind<S, R, D>, proton: ProtonClient, event: IsCompleteRequest) {
    super(proton, event, def.schema);
    this.def = def;
  }

  protected identity(props: PropertiesOf<S>): string {
    return this.def.identity(props);
  }

  protected analyzeUpdate(oldProps: PropertiesOf<S>, newProps: PropertiesOf<S>): UpdatePlan {
    return planUpdate(oldProps, newProps, Object.keys(this.def.schema).filter((key) => key !== 'Tags') as Array<keyof PropertiesOf<S>>);
  }

  protected sameIdentityReplacementMessage(id: string, reasons: readonly string[]): string {
    const { noun, kind, construct } = this.def;
    return `Cannot replace the ${noun} '${id}': ${reasons.join(', ')} changed, which Proton cannot update, and the replacement would be `
      + `the same ${kind} (CloudFormation creates the replacement before deleting the original). Fix: remove the ${construct} from the stack `
      + 'and deploy (this deletes it; its users must be removed first), then add it back with the new properties; or revert the change.';
  }

  protected async onCreate(): Promise<string> {
    assertCustomerTags(this.tags);
    return this.identity(this.props);
  }

  protected async onUpdateInPlace(_oldProps: PropertiesOf<S>, id: string): Promise<void> {
    const { existing, tags } = await requireOwned(this.proton, this.event, {
      kind: this.def.kind,
      name: id,
      importHint: this.def.importHint(this.props),
      goneMessage: `The ${this.def.noun} '${id}' no longer exists; it was deleted outside CloudFormation. `
        + `Remove the ${this.def.construct} from the stack and add it again to create it again.`,
      get: () => this.get(),
    });
    await syncCustomerTags(this.proton, existing.arn!, tags, this.tags);
  }

  protected deleteStep(id: string): Promise<boolean> {
    const { kind, noun, users, construct } = this.def;
    return deleteIfOwned(this.proton, this.event, {
      kind,
      name: id,
      get: () => this.get(),
      arnOf: (resource) => resource.arn!,
      proceed: async () => {
        try {
          await this.def.delete(this.proton, this.props);
        } catch (error) {
          if (isProtonError(error, 'ResourceNotFoundException')) throw error;
          const hint = isProtonError(error, 'ConflictException')
            ? `: it is still used. Delete or change its users first (${users}), e.g. by making them depend on the ${construct} construct `
              + 'so that CloudFormation deletes them first'
            : '';
          throw failure(`Could not delete the ${noun} '${id}'${hint}`, error);
        }
        log(`deleted ${kind}`, { name: id });
        return 'gone';
      },
    });
  }

  protected async isCreateComplete(id: string): Promise<D> {
    const resource = this.creating ? await this.createOrAdopt(id) : await this.get();
    if (resource === undefined) {
      throw failure(`The ${this.def.noun} '${id}' disappeared right after it was written: it was deleted outside CloudFormation.`);
    }
    return this.def.data(resource);
  }

  private async createOrAdopt(id: string): Promise<R> {
    const { resource } = await createOrAdopt(this.proton, this.event, {
      kind: this.def.kind,
      name: id,
      importHint: this.def.importHint(this.props),
      get: () => this.get(),
      create: (ownership) => this.def.create(this.proton, this.props, toProtonTags({ ...this.tags, ...ownership })),
      adopt: async (existing, tags) => {
        this.assertSameImmutables(existing, id);
        await syncCustomerTags(this.proton, existing.arn!, tags, this.tags);
      },
    }, this.invocation);
    return resource;
  }

  private get(): Promise<R | undefined> {
    return getOrUndefined(() => this.def.get(this.proton, this.props));
  }

  /** The customer's tags. */
  private get tags(): Record<string, string> {
    return (this.props as { readonly Tags?: Record<string, string> }).Tags ?? {};
  }

  /** A resource left by an earlier attempt must match what is asked now: Proton cannot update it. */
  private assertSameImmutables(existing: R, id: string): void {
    const props = this.props as Record<string, unknown>;
    const differing = Object.entries(this.def.stored as Record<string, (resource: R) => string | undefined>)
      .filter(([key, read]) => (read(existing) ?? undefined) !== props[key])
      .map(([key]) => key);
    if (differing.length > 0) {
      throw failure(`The ${this.def.noun} '${id}' was created by an earlier failed deployment of this resource with a different `
        + `${differing.join(' and ')}, which Proton cannot update. Delete it (${this.def.deleteCommand}) then deploy again.`);
    }
  }
}
