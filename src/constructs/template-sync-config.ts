import { IResource, Resource } from 'aws-cdk-lib';
import { Construct, IDependable } from 'constructs';
import { IEnvironmentTemplate } from './environment-template';
import { IRepository } from './repository';
import { IServiceTemplate } from './service-template';
import { TemplateType } from './template-bundle';
import { validateLength, validateRepositoryPath } from './validation-util';
import { KINDS } from '../private/kinds';
import { nameAtSynth } from '../private/proton-arns';
import { ProtonCustomResource } from '../private/proton-resource';

/** The template a {@link TemplateSyncConfig} registers versions of. */
export abstract class SyncedTemplate {
  /** An environment template. */
  public static environmentTemplate(template: IEnvironmentTemplate): SyncedTemplate {
    return SyncedTemplate.of(template, TemplateType.ENVIRONMENT, template.environmentTemplateName);
  }

  /** A service template. */
  public static serviceTemplate(template: IServiceTemplate): SyncedTemplate {
    return SyncedTemplate.of(template, TemplateType.SERVICE, template.serviceTemplateName);
  }

  private static of(template: IResource, templateType: TemplateType, templateName: string): SyncedTemplate {
    const name = nameAtSynth(template, templateName);
    return new (class extends SyncedTemplate {
      public readonly templateType = templateType;
      public readonly templateName = templateName;
      public readonly _nameAtSynth = name;
      public readonly _construct = template;
    })();
  }

  /** The template's kind. */
  public abstract readonly templateType: TemplateType;
  /** The template's name. */
  public abstract readonly templateName: string;
  /** @internal The template's name as known at synth. */
  public abstract readonly _nameAtSynth: string;
  /** @internal The template's construct: the configuration is created after it and deleted before it. */
  public abstract readonly _construct: IDependable;
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
  /** The kind of the synced template. */
  public readonly templateType: TemplateType;
  /**
   * The name of the synced template.
   * @attribute
   */
  public readonly templateName: string;

  constructor(scope: Construct, id: string, props: TemplateSyncConfigProps) {
    super(scope, id);
    validateLength('branch', props.branch, 1, 200);
    validateRepositoryPath('subdirectory', props.subdirectory);

    const resource = new ProtonCustomResource(this, {
      kind: KINDS.templateSyncConfig,
      handlerAccess: { targets: {} },
      properties: {
        TemplateType: props.template.templateType,
        TemplateName: props.template.templateName,
        RepositoryProvider: props.repository.repositoryProvider,
        RepositoryName: props.repository.repositoryName,
        Branch: props.branch,
        Subdirectory: props.subdirectory,
      },
      // One configuration per template.
      identity: {
        name: `${props.template.templateType}/${props.template._nameAtSynth}`,
        property: 'template',
        importWith: 'one TemplateSyncConfig per template',
      },
    });
    // Created after, and deleted before, the template and the repository link it needs.
    resource.resource.node.addDependency(props.template._construct, props.repository);

    this.templateType = props.template.templateType;
    this.templateName = resource.attr('TemplateName');
  }
}
