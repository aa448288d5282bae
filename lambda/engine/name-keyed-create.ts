import type { ProtonClient } from '@aws-sdk/client-proton';
import { failure, gaveUp, isProtonError, isTransient } from './errors';
import { Invocation } from './invocation';
import { log } from './log';
import { isOwnedBy, listTags, ownershipTags } from './tags';
import type { OnEventRequest } from './types';

/** How to create, read and adopt one name-keyed Proton resource (templates, environments, services). */
export interface NameKeyedResource<R extends { readonly arn?: string }> {
  /** Human name of the kind, e.g. `environment template`. */
  readonly kind: string;
  readonly name: string;
  /** How a user references the existing resource instead, e.g. `EnvironmentTemplate.fromEnvironmentTemplateName(this, 'Id', 'x')`. */
  readonly importHint: string;
  /** The resource, or `undefined` when Proton says ResourceNotFound. */
  get(): Promise<R | undefined>;
  /** Creates the resource carrying `ownership` tags (plus the customer's). */
  create(ownership: Record<string, string>): Promise<R>;
  /** Brings a resource this stack created earlier (a replayed create) up to date. */
  adopt(existing: R, tags: Record<string, string>): Promise<void>;
}

/**
 * The message refusing to touch a resource this stack's resource did not create, with the fix.
 */
export function foreignResourceMessage(kind: string, name: string, importHint: string, event: Pick<OnEventRequest, 'LogicalResourceId'>): string {
  return `Proton ${kind} '${name}' already exists and was not created by resource ${event.LogicalResourceId} of this stack `
    + `(its cdk-proton ownership tags are missing or name another stack/resource). cdk-proton never adopts, updates or deletes a ${kind} it did not create. `
    + `To use the existing ${kind}, reference it with ${importHint} instead of creating it; to create a new one, choose another name.`;
}

/**
 * Create-or-adopt for Proton's name-keyed creates. Reads first (or uses the caller's `read`): a resource that carries this
 * stack's ownership tags was created by an earlier attempt of this very resource (a replayed or
 * retried Create, a crash after the Proton call) and is adopted; any other existing resource is
 * foreign and refused. A create whose outcome is unknown — it lost a race (Conflict /
 * IdempotentParameterMismatch), or got no answer (a timeout, a reset, a 5xx: it may have taken
 * effect) — is resolved by the same read: the resource is this one's when it carries its tags.
 * The outcome is always known when this returns: transient failures are retried while the
 * invocation has time (`invocation`), so that nothing is left created and unconfirmed.
 */
export async function createOrAdopt<R extends { readonly arn?: string }>(
  proton: ProtonClient,
  event: OnEventRequest,
  resource: NameKeyedResource<R>,
  invocation: Invocation = Invocation.outsideLambda(),
  read?: { readonly existing: R | undefined },
): Promise<{ readonly resource: R; readonly created: boolean }> {
  try {
    return await confirmedCreateOrAdopt(proton, event, resource, invocation, read);
  } catch (error) {
    if (isTransient(error)) throw gaveUp(`Could not create Proton ${resource.kind} '${resource.name}'`, error);
    throw error;
  }
}

function confirmedCreateOrAdopt<R extends { readonly arn?: string }>(
  proton: ProtonClient,
  event: OnEventRequest,
  resource: NameKeyedResource<R>,
  invocation: Invocation,
  read: { readonly existing: R | undefined } | undefined,
): Promise<{ readonly resource: R; readonly created: boolean }> {
  let known = read;
  return invocation.persist(`create ${resource.kind} '${resource.name}'`, async () => {
    // The caller's read serves the first attempt; a retry reads again.
    let existing = known !== undefined ? known.existing : await resource.get();
    known = undefined;
    if (existing === undefined) {
      try {
        const created = await resource.create(ownershipTags(event));
        log(`created ${resource.kind}`, { name: resource.name, arn: created.arn });
        return { resource: created, created: true };
      } catch (error) {
        const unknownOutcome = isTransient(error);
        if (!unknownOutcome && !isProtonError(error, 'ConflictException', 'ValidationException')) {
          throw failure(`Could not create Proton ${resource.kind} '${resource.name}'`, error);
        }
        existing = await resource.get();
        if (existing === undefined) {
          // Nothing was created: a transient failure is tried again, anything else is final.
          if (unknownOutcome) throw error;
          throw failure(`Could not create Proton ${resource.kind} '${resource.name}'`, error);
        }
      }
    }
    const tags = await listTags(proton, existing.arn!);
    if (!isOwnedBy(tags, event)) {
      throw failure(foreignResourceMessage(resource.kind, resource.name, resource.importHint, event));
    }
    log(`adopting ${resource.kind} created earlier by this resource`, { name: resource.name, arn: existing.arn });
    await resource.adopt(existing, tags);
    return { resource: existing, created: false };
  });
}

/** How `requireOwned` reads a resource and reports it when it is gone or foreign. */
export interface OwnedResource<R extends { readonly arn?: string }> {
  /** Human name of the kind, e.g. `environment`. */
  readonly kind: string;
  readonly name: string;
  /** How a user references the existing resource instead (see `NameKeyedResource.importHint`). */
  readonly importHint: string;
  /** The failure message when the resource no longer exists. */
  readonly goneMessage: string;
  /** The resource, or `undefined` when Proton says ResourceNotFound. */
  get(): Promise<R | undefined>;
}

/**
 * The resource an update acts on, with its tags (read once: the ownership check and the customer
 * tag sync both need them). Fails when it was deleted outside CloudFormation, or when it does not
 * carry this stack's ownership tags.
 */
export async function requireOwned<R extends { readonly arn?: string }>(
  proton: ProtonClient,
  event: OnEventRequest,
  resource: OwnedResource<R>,
): Promise<{ readonly existing: R; readonly tags: Record<string, string> }> {
  const existing = await resource.get();
  if (existing === undefined) {
    throw failure(resource.goneMessage);
  }
  const tags = await listTags(proton, existing.arn!);
  if (!isOwnedBy(tags, event)) {
    throw failure(foreignResourceMessage(resource.kind, resource.name, resource.importHint, event));
  }
  return { existing, tags };
}

/** Runs a Proton read, mapping ResourceNotFound to `undefined`. */
export async function getOrUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isProtonError(error, 'ResourceNotFoundException')) {
      return undefined;
    }
    throw error;
  }
}
