import { Resource, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { IRepository } from './repository';
import { IService, Service } from './service';
import { ServiceInstance } from './service-instance';
import { validateLength, validateRepositoryPath } from './validation-util';
import { KINDS } from '../private/kinds';
import { nameAtSynth } from '../private/proton-arns';
import { ProtonCustomResource, isMarked, markAs } from '../private/proton-resource';
import { sameService } from '../private/same-service';

/** Proton's default name of the file mapping a synced service's instances to their spec files. */
const DEFAULT_FILE_PATH = 'proton-ops.yaml';

/** Properties of a {@link ServiceSyncConfig}. */
export interface ServiceSyncConfigProps {
  /**
   * The synced service, typically created outside this app and referenced with
   * `Service.fromServiceName`: Proton then drives its instances from the repository, so this app
   * must not declare a `Service` or `ServiceInstance` for it (checked at synth). Another service
   * replaces the configuration.
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateServiceSyncConfig.html#proton-CreateServiceSyncConfig-request-serviceName
   */
  readonly service: IService;

  /**
   * The linked repository holding the `proton-ops` file and the instances' spec files.
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateServiceSyncConfig.html#proton-CreateServiceSyncConfig-request-repositoryName
   */
  readonly repository: IRepository;

  /**
   * The branch Proton watches (1 to 200 characters).
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateServiceSyncConfig.html#proton-CreateServiceSyncConfig-request-branch
   */
  readonly branch: string;

  /**
   * Path of the `proton-ops` file in the repository, relative to its root (1 to 4096 characters).
   * @default 'proton-ops.yaml'
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateServiceSyncConfig.html#proton-CreateServiceSyncConfig-request-filePath
   */
  readonly filePath?: string;
}

/**
 * Service sync: Proton deploys the instances of a service from a branch of a linked repository.
 * The repository's `proton-ops` file maps each instance to its environment and spec file, and a
 * commit changing them updates the instances. One configuration per service. Repository, branch
 * and file path are updated in place.
 *
 * The repository, not this library, then drives the service's instances: any change made to them
 * through the API (what a `Service` or `ServiceInstance` construct does) raises a sync blocker that
 * stops the sync until resolved. Synthesis fails when the app declares such a construct for the
 * synced service.
 *
 * @resource Custom::ProtonServiceSyncConfig
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-service-sync-configs.html
 */
export class ServiceSyncConfig extends Resource {
  /**
   * The name of the synced service.
   * @attribute
   */
  public readonly serviceName: string;

  private readonly service: IService;

  constructor(scope: Construct, id: string, props: ServiceSyncConfigProps) {
    super(scope, id);
    markAs(this, 'ServiceSyncConfig');
    validateLength('branch', props.branch, 1, 200);
    validateRepositoryPath('filePath', props.filePath);
    this.service = props.service;

    const resource = new ProtonCustomResource(this, {
      kind: KINDS.serviceSyncConfig,
      handlerAccess: { targets: {} },
      properties: {
        ServiceName: props.service.serviceName,
        RepositoryProvider: props.repository.repositoryProvider,
        RepositoryName: props.repository.repositoryName,
        Branch: props.branch,
        FilePath: props.filePath ?? DEFAULT_FILE_PATH,
      },
    });
    // Created after, and deleted before, the service (when declared in this app) and the repository link.
    resource.resource.node.addDependency(props.service, props.repository);
    this.serviceName = resource.attr('ServiceName');

    this.node.addValidation({ validate: () => [...this.duplicateErrors(), ...this.driverErrors()] });
  }

  /** One configuration per service: every configuration of the service after the first is an error. */
  private duplicateErrors(): string[] {
    const first = constructsOf(this, isServiceSyncConfig).find((other) => sameService(other.service, this.service));
    if (first === this || first === undefined) {
      return [];
    }
    return [`ServiceSyncConfig '${this.node.path}' syncs ${describeService(this.service)}, which ServiceSyncConfig '${first.node.path}' already syncs: `
      + 'Proton allows one service sync configuration per service. Remove one of them.'];
  }

  /** The constructs of the app that change the synced service's instances through the API. */
  private driverErrors(): string[] {
    const drivers = [
      ...constructsOf(this, Service.isService).filter((s) => sameService(s, this.service)).map((s) => `Service '${s.node.path}'`),
      ...constructsOf(this, ServiceInstance.isServiceInstance).filter((i) => sameService(i.service, this.service)).map((i) => `ServiceInstance '${i.node.path}'`),
    ];
    if (drivers.length === 0) {
      return [];
    }
    const name = nameAtSynth(this.service, this.service.serviceName);
    const reference = Token.isUnresolved(name) ? 'Service.fromServiceName' : `Service.fromServiceName(scope, id, '${name}')`;
    return [`ServiceSyncConfig '${this.node.path}' syncs ${describeService(this.service)} from the repository, but this app also drives its instances `
      + `through the Proton API: ${drivers.join(', ')}. Proton deploys a synced service's instances from the repository's proton-ops file; `
      + 'every change made to them through the API (UpdateService, CreateServiceInstance, UpdateServiceInstance) is a manual change that raises '
      + 'a sync blocker, which stops the sync until someone resolves it. Either let the repository drive the instances (create the service '
      + `outside this app and reference it with ${reference}, with no Service or ServiceInstance for it here) or remove the ServiceSyncConfig.`];
  }
}

/** Every construct of the app of `scope` that `is` accepts, in tree order. */
function constructsOf<T extends IConstruct>(scope: IConstruct, is: (x: unknown) => x is T): T[] {
  return scope.node.root.node.findAll().filter(is);
}

function isServiceSyncConfig(x: unknown): x is ServiceSyncConfig {
  return isMarked(x, 'ServiceSyncConfig');
}

function describeService(service: IService): string {
  const name = nameAtSynth(service, service.serviceName);
  return Token.isUnresolved(name) ? `the service of '${service.node.path}'` : `service '${name}'`;
}
