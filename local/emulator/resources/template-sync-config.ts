import { requireLinkedRepository } from './repository';
import { templateKey } from './template-common';
import { conflict, notFound, validation } from '../core/errors';
import type { OperationTable, RequestContext } from '../core/runtime';
import type { AccountState, TemplateKind, TemplateSyncConfigRecord } from '../core/store';

/**
 * Template sync configurations (proton-api.md §2 TemplateSyncConfig): at most one per
 * template, keyed by (templateType, templateName), pointing at a branch of a linked repository.
 * The emulator has no Git: nothing is ever pushed, so no sync ever runs and
 * GetTemplateSyncStatus reports no attempt (all its output members are optional).
 *
 * Deleting a template deletes its sync configuration (`deleteTemplateSyncConfig`, called by the
 * template module): sync never creates templates, so the configuration can do nothing without
 * its template, and a later template of the same name starts unsynced (inferred: the API
 * documents no rule; the console deletes a whole template with its versions in one step).
 */

/** The create/update input has exactly the members of the stored configuration. */
type ConfigInput = TemplateSyncConfigRecord;

/** Removes the sync configuration of a deleted template, if it has one. */
export function deleteTemplateSyncConfig(account: AccountState, templateType: TemplateKind, templateName: string): void {
  account.templateSyncConfigs.delete(templateKey(templateType, templateName));
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
  const config = ctx.account.templateSyncConfigs.get(templateKey(templateType, templateName));
  if (!config) {
    throw notFound(`The ${templateType.toLowerCase()} template '${templateName}' has no template sync configuration.`);
  }
  return config;
}

function toRecord(ctx: RequestContext, input: ConfigInput): TemplateSyncConfigRecord {
  requireLinkedRepository(ctx.account, input.repositoryProvider, input.repositoryName, 'repositoryName');
  return describeConfig(input);
}

export const operations: OperationTable = {
  CreateTemplateSyncConfig(input: ConfigInput, ctx) {
    const key = templateKey(input.templateType, input.templateName);
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
    ctx.account.templateSyncConfigs.set(templateKey(input.templateType, input.templateName), record);
    return { templateSyncConfig: describeConfig(record) };
  },

  DeleteTemplateSyncConfig(input: { templateName: string; templateType: TemplateKind }, ctx) {
    const config = getConfig(ctx, input.templateType, input.templateName);
    ctx.account.templateSyncConfigs.delete(templateKey(input.templateType, input.templateName));
    return { templateSyncConfig: describeConfig(config) };
  },

  GetTemplateSyncStatus(input: { templateName: string; templateType: TemplateKind; templateVersion: string }, ctx) {
    getConfig(ctx, input.templateType, input.templateName);
    return {};
  },
};
