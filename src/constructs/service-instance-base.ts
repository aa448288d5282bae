import * as iam from 'aws-cdk-lib/aws-iam';
import type { IEnvironment } from './environment';
import type { IService } from './service';
import type { IServiceInstance } from './service-instance';
import type { ServiceInstanceSpec } from './spec';
import { KINDS } from '../private/kinds';
import { GRANTS, PermissionTargets } from '../private/permissions';
import { ProtonDeployedResourceBase } from '../private/proton-resource';

/**
 * What every service instance shares, whoever declares it (`Service.addInstance`, `new
 * ServiceInstance`) or imports it. Not exported from the package: it lives apart from
 * `service.ts` and `service-instance.ts` so that both can extend it without a load-order cycle.
 *
 * @internal
 */
export abstract class ServiceInstanceBase extends ProtonDeployedResourceBase implements IServiceInstance {
  /** @internal */
  public readonly _kind = KINDS.serviceInstance;
  public abstract readonly serviceInstanceName: string;
  public abstract readonly serviceInstanceArn: string;
  public abstract readonly service: IService;
  public abstract readonly environment?: IEnvironment;
  /** @internal The instance's name as known at synth (for IAM policies and synth-time checks). */
  public abstract readonly _nameAtSynth: string;
  /** @internal The instance's spec, when this app declares the instance. */
  public abstract readonly _spec?: ServiceInstanceSpec;

  /** @internal */
  protected get _eventResourceArn(): string {
    return this.serviceInstanceArn;
  }

  /** @internal IAM authorizes an instance's actions on the instance and (its outputs, provisioned resources) on its service. */
  protected get _grantTargets(): PermissionTargets {
    return { 'service': [this.service.serviceArn], 'service-instance': [this.serviceInstanceArn] };
  }

  public abstract getOutput(key: string): string;

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this._grant(grantee, GRANTS.serviceInstance.read);
  }

  public grantDeploy(grantee: iam.IGrantable): iam.Grant {
    return this._grant(grantee, GRANTS.serviceInstance.deploy);
  }
}

/** The ARN of instance `instanceName` of a service (`…:service/<service>/service-instance/<instance>`). */
export function serviceInstanceArnOf(service: IService, instanceName: string): string {
  return `${service.serviceArn}/service-instance/${instanceName}`;
}
