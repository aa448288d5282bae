import { requireLinkedRepository } from './repository';
import { conflict, notFound, validation } from '../core/errors';
import type { OperationTable, RequestContext } from '../core/runtime';
import type { RepositoryProvider, TemplateKind, TemplateSyncConfigRecord } from '../core/store';

/**
 * Template sync configurations (proton-api.md §2 TemplateSyncConfig): at most one per
 * template, keyed by (templateType, templateName), pointing at a branch of a linked repository.
 * The emulator has no Git: nothing is ever pushed, so no sync ever runs and
 * GetTemplateSyncStatus reports no attempt (all its output members are optional).
 */

interface ConfigInput {
  templateName: string;
  templateType: TemplateKind;
  repositoryProvider: RepositoryProvider;
  repositoryName: string;
  branch: string;
  subdirectory?: string;
}

function configKey(templateType: TemplateKind, templateName: string): string {
  return `${templateType}:${templateName}`;
}

function describeConfig(c: TemplateSyncConfigRecord) {
  return {
    templateName: c.templateName,
    templateType: c.templateType,
    repositoryProvider: c.repositoryProvider,
    repositoryName: c.repositoryName,
    branch: c.branch,
    ...(c.subdirectory !== undefined ? { subdirectory: c.subdirectory } : {}),
  };
}

function getConfig(ctx: RequestContext, templateType: TemplateKind, templateName: string): TemplateSyncConfigRecord {
  const config = ctx.account.templateSyncConfigs.get(configKey(templateType, templateName));
  if (!config) {
    throw notFound(`The ${templateType.toLowerCase()} template '${templateName}' has no template sync configuration.`);
  }
  return config;
}

function toRecord(ctx: RequestContext, input: ConfigInput): TemplateSyncConfigRecord {
  requireLinkedRepository(ctx.account, input.repositoryProvider, input.repositoryName, 'repositoryName');
  const { templateName, templateType, repositoryProvider, repositoryName, branch, subdirectory } = input;
  return { templateName, templateType, repositoryProvider, repositoryName, branch, subdirectory };
}

export const operations: OperationTable = {
  CreateTemplateSyncConfig(input: ConfigInput, ctx) {
    const key = configKey(input.templateType, input.templateName);
    if (!ctx.account.templates.has(key)) {
      throw validation(`The ${input.templateType.toLowerCase()} template '${input.templateName}' does not exist: create the template before its sync configuration (sync never creates templates).`);
    }
    if (ctx.account.templateSyncConfigs.has(key)) {
      throw conflict(`The ${input.templateType.toLowerCase()} template '${input.templateName}' already has a template sync configuration; update it instead.`);
    }
    const record = toRecord(ctx, input);
    ctx.account.templateSyncConfigs.set(key, record);
    return { templateSyncConfig: describeConfig(record) };
  },

  GetTemplateSyncConfig(input: { templateName: string; templateType: TemplateKind }, ctx) {
    return { templateSyncConfig: describeConfig(getConfig(ctx, input.templateType, input.templateName)) };
  },

  UpdateTemplateSyncConfig(input: ConfigInput, ctx) {
    getConfig(ctx, input.templateType, input.templateName);
    const record = toRecord(ctx, input);
    ctx.account.templateSyncConfigs.set(configKey(input.templateType, input.templateName), record);
    return { templateSyncConfig: describeConfig(record) };
  },

  DeleteTemplateSyncConfig(input: { templateName: string; templateType: TemplateKind }, ctx) {
    const config = getConfig(ctx, input.templateType, input.templateName);
    ctx.account.templateSyncConfigs.delete(configKey(input.templateType, input.templateName));
    return { templateSyncConfig: describeConfig(config) };
  },

  GetTemplateSyncStatus(input: { templateName: string; templateType: TemplateKind; templateVersion: string }, ctx) {
    getConfig(ctx, input.templateType, input.templateName);
    return {};
  },
};
