import { TagManager } from 'aws-cdk-lib';

/** Tag key prefixes reserved for AWS and for cdk-proton's ownership tags. */
export const RESERVED_TAG_PREFIXES = ['aws:', 'cdk-proton:'];

/**
 * The validation error (if any) for tags of `tags` that use a reserved prefix, for
 * `node.addValidation`: tags are only final once the whole app is built (`Tags.of()` aspects).
 * @param what e.g. `repository 'Stack/Repo'`
 */
export function reservedTagErrors(tags: TagManager, what: string): string[] {
  const reserved = Object.keys(tags.tagValues()).filter((key) => RESERVED_TAG_PREFIXES.some((prefix) => key.startsWith(prefix)));
  return reserved.length === 0 ? [] : [
    `Tag key(s) ${reserved.join(', ')} of ${what} use a reserved prefix (${RESERVED_TAG_PREFIXES.join(', ')}): `
    + 'AWS and cdk-proton\'s ownership tags use them. Rename these tags.',
  ];
}
