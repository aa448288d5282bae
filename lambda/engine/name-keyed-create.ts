import type { ProtonClient } from '@aws-sdk/client-proton';
import { failure, isProtonError } from './errors';
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
 * Create-or-adopt for Proton's name-keyed creates. Reads first: a resource that carries this
 * stack's ownership tags was created by an earlier attempt of this very resource (a replayed or
 * retried Create, a crash after the Proton call) and is adopted; any other existing resource is
 * foreign and refused. A create that loses a race (Conflict / IdempotentParameterMismatch) is
 * resolved by the same read.
 */
export async function createOrAdopt<R extends { readonly arn?: string }>(
  proton: ProtonClient,
  event: OnEventRequest,
  resource: NameKeyedResource<R>,
): Promise<R> {
  let existing = await resource.get();
  if (existing === undefined) {
    try {
      const created = await resource.create(ownershipTags(event));
      log(`created ${resource.kind}`, { name: resource.name, arn: created.arn });
      return created;
    } catch (error) {
      if (!isProtonError(error, 'ConflictException', 'ValidationException')) {
        throw failure(`Could not create Proton ${resource.kind} '${resource.name}'`, error);
      }
      existing = await resource.get();
      if (existing === undefined) {
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
  return existing;
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
