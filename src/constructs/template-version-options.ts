import { RemovalPolicy } from 'aws-cdk-lib';
import { TemplateBundle } from './template-bundle';

/** Options shared by environment and service template versions. */
export interface TemplateVersionOptions {
  /**
   * The template bundle. A bundle from a directory is checked at synth time for the template's
   * kind; a change to its content registers a new version (a new minor version of the same
   * major), and CloudFormation deletes the old version once the deployment has moved on.
   */
  readonly bundle: TemplateBundle;

  /**
   * The existing major version to create the version in, as the next minor version (e.g. `'1'`,
   * or another version's `majorVersion` attribute). Proton rejects a minor version whose schema
   * is not backward compatible with the earlier minors of its major.
   *
   * @default - a new major version when the version is first created; a later change of the
   * bundle registers a new minor version in that major
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateEnvironmentTemplateVersion.html#proton-CreateEnvironmentTemplateVersion-request-majorVersion
   */
  readonly majorVersion?: string;

  /**
   * A description (up to 500 characters). Updated in place.
   *
   * @default - no description
   */
  readonly description?: string;

  /**
   * Whether to publish the version once Proton registered it. Only published versions can be
   * used, and the highest published version becomes the template's recommended version.
   * Changing `false` to `true` publishes the version in place; `true` to `false` registers a new
   * draft version (Proton cannot unpublish).
   *
   * @default true
   */
  readonly publish?: boolean;

  /**
   * What happens to the Proton version when it is removed from the stack (or replaced).
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}
