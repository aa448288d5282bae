import { paginate } from './pagination';
import { deleteResourceTags, setResourceTags, validateCustomerTags } from './tags';
import {
  clearDeleted, describeTemplateName, getTemplate, KINDS, markDeleted, recommendedVersion, templateKey, versionsOf, wasDeleted,
} from './template-common';
import { deleteTemplateSyncConfig } from './template-sync-config';
import { conflict, notFound, quotaExceeded } from '../core/errors';
import { nameKeyedCreate } from '../core/idempotency';
import type { OperationTable, RequestContext } from '../core/runtime';
import { arn, type AccountState, type Tag, type TemplateKind, type TemplateRecord } from '../core/store';

/**
 * Create/Get/List/Update/Delete of environment and service templates (proton-api.md §2):
 * synchronous; name-keyed idempotent create (§6.2); update changes description/displayName
 * only; delete only once no versions remain, idempotent (§6.3), and takes the template's sync
 * configuration with it (see template-sync-config.ts).
 */

/** Registered templates per account, environment and service together (ag-limits). */
export const MAX_TEMPLATES = 1000;

interface CreateTemplateInput {
  name: string;
  description?: string;
  displayName?: string;
  encryptionKey?: string;
  provisioning?: 'CUSTOMER_MANAGED';
  pipelineProvisioning?: 'CUSTOMER_MANAGED';
  tags?: Tag[];
}

/** The template as the API returns it (`summary`: the List shape, without encryptionKey). */
export function describeTemplate(account: AccountState, t: TemplateRecord, summary = false) {
  const described = {
    arn: t.arn,
    createdAt: t.createdAt,
    description: t.description,
    displayName: t.displayName,
    lastModifiedAt: t.lastModifiedAt,
    name: t.name,
    [KINDS[t.kind].provisioningMember]: t.provisioning,
    recommendedVersion: recommendedVersion(account, t.kind, t.name),
  };
  return summary ? described : { ...described, encryptionKey: t.encryptionKey };
}

/** The five template operations of `kind`, named as in the model. */
export function templateOperations(kind: TemplateKind): OperationTable {
  const info = KINDS[kind];
  const wrap = (t: TemplateRecord, account: AccountState) => ({ [info.templateMember]: describeTemplate(account, t) });
  return {
    [`Create${info.opStem}`]: (input: CreateTemplateInput, ctx: RequestContext) => {
      const existing = ctx.account.templates.get(templateKey(kind, input.name));
      const createInput = { ...input, tags: input.tags ?? [] };
      return nameKeyedCreate(existing, describeTemplateName(kind, input.name), createInput, (t) => wrap(t, ctx.account),
        (createInputJson) => wrap(createTemplate(kind, input, createInputJson, ctx), ctx.account));
    },
    [`Get${info.opStem}`]: (input: { name: string }, ctx: RequestContext) => wrap(getTemplate(ctx.account, kind, input.name), ctx.account),
    [`List${info.opStem}s`]: (input: { maxResults?: number; nextToken?: string }, ctx: RequestContext) => {
      const all = [...ctx.account.templates.values()]
        .filter((t) => t.kind === kind)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const page = paginate(all, input.maxResults, input.nextToken);
      return { templates: page.items.map((t) => describeTemplate(ctx.account, t, true)), nextToken: page.nextToken };
    },
    [`Update${info.opStem}`]: (input: { name: string; description?: string; displayName?: string }, ctx: RequestContext) => {
      const t = getTemplate(ctx.account, kind, input.name);
      if (input.description !== undefined) t.description = input.description;
      if (input.displayName !== undefined) t.displayName = input.displayName;
      t.lastModifiedAt = ctx.nowSeconds();
      t.modifiedSinceCreate = true;
      return wrap(t, ctx.account);
    },
    [`Delete${info.opStem}`]: (input: { name: string }, ctx: RequestContext) => {
      const key = templateKey(kind, input.name);
      const t = ctx.account.templates.get(key);
      if (!t) {
        if (wasDeleted(ctx.account, key)) return {};
        throw notFound(`The ${describeTemplateName(kind, input.name)} does not exist.`);
      }
      const versions = versionsOf(ctx.account, kind, input.name);
      if (versions.length > 0) {
        const list = versions.map((v) => `${v.majorVersion}.${v.minorVersion}`).join(', ');
        throw conflict(`The ${describeTemplateName(kind, input.name)} still has versions (${list}); `
          + `delete them first with Delete${info.opStem}Version: minor versions that are not recommended first, the recommended version last.`);
      }
      const output = wrap(t, ctx.account);
      ctx.account.templates.delete(key);
      deleteResourceTags(ctx.account, t.arn);
      deleteTemplateSyncConfig(ctx.account, kind, input.name);
      markDeleted(ctx.account, key);
      return output;
    },
  };
}

function createTemplate(kind: TemplateKind, input: CreateTemplateInput, createInputJson: string, ctx: RequestContext): TemplateRecord {
  validateCustomerTags(input.tags);
  if (ctx.account.templates.size >= MAX_TEMPLATES) {
    throw quotaExceeded(`The account already has ${MAX_TEMPLATES} templates (environment and service templates together), the quota; delete unused templates first.`);
  }
  const now = ctx.nowSeconds();
  const record: TemplateRecord = {
    kind,
    name: input.name,
    arn: arn(ctx, `${KINDS[kind].arnType}/${input.name}`),
    description: input.description,
    displayName: input.displayName,
    encryptionKey: input.encryptionKey,
    provisioning: kind === 'ENVIRONMENT' ? input.provisioning : input.pipelineProvisioning,
    createdAt: now,
    lastModifiedAt: now,
    createInput: createInputJson,
    modifiedSinceCreate: false,
  };
  const key = templateKey(kind, input.name);
  ctx.account.templates.set(key, record);
  clearDeleted(ctx.account, key);
  setResourceTags(ctx.account, record.arn, input.tags);
  return record;
}
