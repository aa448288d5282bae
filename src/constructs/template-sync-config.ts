import { CustomResource, IResource, Resource } from 'aws-cdk-lib';
import { Construct, IDependable } from 'constructs';
import { IEnvironmentTemplate } from './environment-template';
import { IRepository } from './repository';
import { IServiceTemplate } from './service-template';
import { validateLength, validateRepositoryPath } from './validation-util';
import { ProtonResourceType, TemplateSyncConfigProperties } from '../custom-resources/contract';
import { ProtonProvider } from '../custom-resources/proton-provider';
import { nameAtSynth, protonArn } from '../private/proton-arns';


/** The template a {@link TemplateSyncConfig} registers versions of. */
export abstract class SyncedTemplate {
  /** An environment template. */
  public static environmentTemplate(template: IEnvironmentTemplate): SyncedTemplate {
    return SyncedTemplate.of(template, 'ENVIRONMENT', 'environment-template', template.environmentTemplateName);
  }

  /** A service template. */
  public static serviceTemplate(template: IServiceTemplate): SyncedTemplate {
    return SyncedTemplate.of(template, 'SERVICE', 'service-template', template.serviceTemplateName);
  }

  private static of(template: IResource, templateType: string, arnResourceType: string, templateName: string): SyncedTemplate {
    const arnForPolicy = protonArn(template, arnResourceType, nameAtSynth(template, templateName));
    return new (class extends SyncedTemplate {
      public readonly templateType = templateType;
      public readonly templateName = templateName;
      public readonly templateArnForPolicy = arnForPolicy;
      public readonly construct = template;
    })();
  }

  /** `ENVIRONMENT` or `SERVICE`. */
  public abstract readonly templateType: string;
  /** The template's name. */
  public abstract readonly templateName: string;
  /** The template's ARN as known at synth time (the handler's IAM policy cannot depend on the template). */
  public abstract readonly templateArnForPolicy: string;
  /** The template's construct: the configuration is created after it and deleted before it. */
  public abstract readonly construct: IDependable;
}

/** Properties of a {@link TemplateSyncConfig}. */
export interface TemplateSyncConfigProps {
  /** The template whose versions are synced. Another template replaces the configuration. */
  readonly template: SyncedTemplate;

  /**
   * The linked repository holding the template bundles (`<template name>/<major>/…`).
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateTemplateSyncConfig.html#proton-CreateTemplateSyncConfig-request-repositoryName
   */
  readonly repository: IRepository;

  /**
   * The branch Proton watches (1 to 200 characters).
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateTemplateSyncConfig.html#proton-CreateTemplateSyncConfig-request-branch
   */
  readonly branch: string;

  /**
   * A directory of the repository under which the template's directories are.
   * @default - the repository root
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateTemplateSyncConfig.html#proton-CreateTemplateSyncConfig-request-subdirectory
   */
  readonly subdirectory?: string;
}

/**
 * Template sync: Proton registers a new version of a template whenever a commit to a branch of a
 * linked repository changes the template's bundle (`<subdirectory>/<template name>/<major>/`).
 * One configuration per template. Repository, branch and subdirectory are updated in place.
 *
 * @resource Custom::ProtonTemplateSyncConfig
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-template-sync-configs.html
 */
export class TemplateSyncConfig extends Resource {
  /**
   * `ENVIRONMENT` or `SERVICE`.
   * @attribute
   */
  public readonly templateType: string;
  /**
   * The name of the synced template.
   * @attribute
   */
  public readonly templateName: string;

  constructor(scope: Construct, id: string, props: TemplateSyncConfigProps) {
    super(scope, id);
    validateLength('branch', props.branch, 1, 200);
    validateRepositoryPath('subdirectory', props.subdirectory);

    const provider = ProtonProvider.getOrCreate(this);
    provider.allowHandler(this, ProtonResourceType.TEMPLATE_SYNC_CONFIG, {});

    const properties: TemplateSyncConfigProperties = {
      TemplateType: props.template.templateType,
      TemplateName: props.template.templateName,
      RepositoryProvider: props.repository.repositoryProvider,
      RepositoryName: props.repository.repositoryName,
      Branch: props.branch,
      Subdirectory: props.subdirectory,
    };
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: ProtonResourceType.TEMPLATE_SYNC_CONFIG,
      properties: { ...properties },
      serviceTimeout: ProtonProvider.SERVICE_TIMEOUT,
    });
    // Created after, and deleted before, the template and the repository link it needs.
    resource.node.addDependency(props.template.construct, props.repository);

    this.templateType = resource.getAttString('TemplateType');
    this.templateName = resource.getAttString('TemplateName');
  }
}
