import type { ProtonClient } from '@aws-sdk/client-proton';
import { isProtonError } from './errors';
import { log } from './log';
import { isOwnedBy, listTags } from './tags';
import type { OnEventRequest } from './types';

/** How `deleteIfOwned` reads one tagged Proton resource and moves its deletion on. */
export interface OwnedDeletion<R> {
  /** Human name of the kind, e.g. `environment` (for logs). */
  readonly kind: string;
  /** The resource's identity (for logs). */
  readonly name: string;
  /** The resource, or `undefined` when Proton says ResourceNotFound. */
  get(): Promise<R | undefined>;
  arnOf(resource: R): string;
  /**
   * Whether Proton is already deleting it (nothing to do but wait; its ownership was checked when
   * its deletion was started). @default never
   */
  deleting?(resource: R): boolean;
  /**
   * The next step for a resource this stack's resource created: start its delete (or what must
   * precede it), fail on a terminal state (DELETE_FAILED), or wait. `'gone'` when a synchronous
   * delete finished.
   */
  proceed(resource: R): Promise<'gone' | 'waiting'>;
  /**
   * Once the resource is gone: whether what it leaves busy has settled too (e.g. a service still
   * finishing the removal of an instance). @default true
   */
  settledWhenGone?(): Promise<boolean>;
}

/**
 * One step of deleting a tagged Proton resource: get it → is it this resource's (ownership tags)?
 * → move its deletion on. `true` once it is gone. A resource that is not this stack resource's is
 * never touched (and counts as gone for CloudFormation). Proton's ResourceNotFound, wherever it
 * comes — the read, the tags, the delete, or any read the step makes after it — means the delete
 * finished: a deletion completing between two calls is success.
 */
export async function deleteIfOwned<R>(proton: ProtonClient, event: OnEventRequest, deletion: OwnedDeletion<R>): Promise<boolean> {
  const gone = async () => {
    try {
      return deletion.settledWhenGone ? await deletion.settledWhenGone() : true;
    } catch (error) {
      if (isProtonError(error, 'ResourceNotFoundException')) return true;
      throw error;
    }
  };
  try {
    const resource = await deletion.get();
    if (resource === undefined) {
      log(`${deletion.kind} already gone`, { name: deletion.name });
      return await gone();
    }
    if (deletion.deleting?.(resource)) {
      log(`${deletion.kind} delete in progress`, { name: deletion.name });
      return false;
    }
    const arn = deletion.arnOf(resource);
    if (!isOwnedBy(await listTags(proton, arn), event)) {
      log(`delete skipped: ${deletion.kind} not created by this resource`, { name: deletion.name, arn });
      return true;
    }
    return (await deletion.proceed(resource)) === 'gone';
  } catch (error) {
    if (isProtonError(error, 'ResourceNotFoundException')) {
      log(`${deletion.kind} gone while being deleted`, { name: deletion.name, errorName: 'ResourceNotFoundException' });
      return gone();
    }
    throw error;
  }
}
