import {
  ProtonClient,
  TagResourceCommand,
  UntagResourceCommand,
  paginateListTagsForResource,
} from '@aws-sdk/client-proton';
import { failure } from './errors';
import type { OnEventRequest } from './types';
import { OwnershipTag } from '../../src/custom-resources/contract';

/** Tag keys no customer tag sync may touch: AWS-managed tags and the ownership tags. */
const RESERVED_PREFIXES = ['aws:', 'cdk-proton:'];

function reserved(key: string): boolean {
  return RESERVED_PREFIXES.some((prefix) => key.startsWith(prefix));
}

/** Refuses customer tags whose keys are reserved for AWS or for the ownership tags. */
export function assertCustomerTags(tags: Record<string, string>): void {
  const invalid = Object.keys(tags).filter(reserved);
  if (invalid.length > 0) {
    throw failure(`Tag keys ${invalid.join(', ')} are reserved (prefixes ${RESERVED_PREFIXES.join(', ')}): rename these tags.`);
  }
}

/** Every tag of a Proton resource, as a map. */
export async function listTags(client: ProtonClient, resourceArn: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  for await (const page of paginateListTagsForResource({ client }, { resourceArn })) {
    for (const tag of page.tags ?? []) {
      tags[tag.key!] = tag.value!;
    }
  }
  return tags;
}

/** The ownership tags a handler writes on every resource it creates for `event`'s resource. */
export function ownershipTags(event: Pick<OnEventRequest, 'StackId' | 'LogicalResourceId'>): Record<string, string> {
  return {
    [OwnershipTag.STACK_ID]: event.StackId,
    [OwnershipTag.LOGICAL_ID]: event.LogicalResourceId,
  };
}

/** Whether `tags` say the resource was created by `event`'s stack and logical id. */
export function isOwnedBy(tags: Record<string, string>, event: Pick<OnEventRequest, 'StackId' | 'LogicalResourceId'>): boolean {
  return tags[OwnershipTag.STACK_ID] === event.StackId && tags[OwnershipTag.LOGICAL_ID] === event.LogicalResourceId;
}

/** Proton's list-of-pairs tag shape. */
export function toProtonTags(tags: Record<string, string>): Array<{ key: string; value: string }> {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

/**
 * Makes the customer tags of `resourceArn` equal `desired` (untag what is gone, tag what is new
 * or changed); AWS-managed and ownership tags are left alone.
 */
export async function syncCustomerTags(
  client: ProtonClient,
  resourceArn: string,
  current: Record<string, string>,
  desired: Record<string, string>,
): Promise<void> {
  assertCustomerTags(desired);
  const removed = Object.keys(current).filter((key) => !reserved(key) && !(key in desired));
  const changed = Object.entries(desired).filter(([key, value]) => current[key] !== value);
  if (removed.length > 0) {
    await client.send(new UntagResourceCommand({ resourceArn, tagKeys: removed }));
  }
  if (changed.length > 0) {
    await client.send(new TagResourceCommand({ resourceArn, tags: changed.map(([key, value]) => ({ key, value })) }));
  }
}
