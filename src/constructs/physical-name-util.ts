import { createHash } from 'crypto';
import { Names, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** Length of the hash suffix of a generated name. */
const HASH_LENGTH = 8;

/**
 * A Proton name for `construct` when the user gives none: its path (made unique and shortened by
 * `Names.uniqueResourceName`) and a hash of the properties Proton cannot update.
 *
 * Changing an immutable property therefore changes the name, and the replacement CloudFormation
 * makes gets a new Proton name (Proton names are unique: a replacement under the same name would
 * collide with the original). Tokens in `immutable` (e.g. a key ARN) are hashed in their resolved
 * CloudFormation form, which is stable across synths. The name is known at synth time, so IAM
 * policies can name the resource's exact ARN.
 */
export function generatePhysicalName(construct: IConstruct, immutable: Record<string, unknown>, maxLength: number): string {
  const resolved = JSON.stringify(Stack.of(construct).resolve(immutable));
  const hash = createHash('sha256').update(resolved).digest('hex').slice(0, HASH_LENGTH);
  const prefix = Names.uniqueResourceName(construct, { maxLength: maxLength - HASH_LENGTH - 1, separator: '-' });
  return `${prefix}-${hash}`;
}
