import { IResource } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';

/**
 * An AWS Proton resource that sends events to Amazon EventBridge (source `aws.proton`): each
 * `on…` method returns an `events.Rule` matching this resource's ARN.
 *
 * @see https://docs.aws.amazon.com/proton/latest/userguide/event-bridge.html
 */
export interface IProtonResource extends IResource {
  /**
   * A rule for every AWS Proton event about this resource (source `aws.proton`, the resource's ARN
   * in `resources`).
   *
   * @param id the rule's construct id
   * @param options the rule's target, name, description and further event pattern
   */
  onEvent(id: string, options?: events.OnEventOptions): events.Rule;

  /**
   * A rule for the status changes of this resource (the `AWS Proton … Status Change` detail type;
   * `detail.status` and `detail.previousStatus`, `DELETED` once deleted).
   *
   * @param id the rule's construct id
   * @param options the rule's target, name, description and further event pattern
   */
  onStatusChange(id: string, options?: events.OnEventOptions): events.Rule;
}

/** An AWS Proton resource that Proton deploys: an environment, a service, a service instance or pipeline, a component. */
export interface IProtonDeployedResource extends IProtonResource {
  /**
   * A rule for the deployments of this resource (detail type `AWS Proton Deployment Status
   * Change`, the resource's ARN in `resources`).
   *
   * @param id the rule's construct id
   * @param options the rule's target, name, description and further event pattern
   */
  onDeploymentStatusChange(id: string, options?: events.OnEventOptions): events.Rule;
}
