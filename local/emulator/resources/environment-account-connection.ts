import { paginate } from './pagination';
import { deleteResourceTags, setResourceTags, validateCustomerTags } from './tags';
import { accessDenied, conflict, notFound, quotaExceeded, validation } from '../core/errors';
import { withClientToken } from '../core/idempotency';
import type { OperationTable, RequestContext } from '../core/runtime';
import { arn, type EnvironmentAccountConnectionRecord, type GlobalState, type Tag } from '../core/store';

/**
 * Environment account connections (proton-api.md §2; user guide "Environment account
 * connections"). A connection is requested in the environment account (which owns it: its ARN
 * carries that account), accepted or rejected in the management account, and deleted only in
 * the environment account. Both accounts see it, in the region it was requested in; any other
 * account gets ResourceNotFoundException. Calling an operation from the wrong one of the two
 * accounts is AccessDeniedException (the caller may see the connection but not act on it).
 */

type Status = EnvironmentAccountConnectionRecord['status'];
type Side = 'ENVIRONMENT_ACCOUNT' | 'MANAGEMENT_ACCOUNT';

/** Connections per environment account (quota L-6CC8209C). */
export const MAX_CONNECTIONS_PER_ENVIRONMENT_ACCOUNT = 1000;

/** Ids of deleted connections -> their environment account, so a retried delete returns `{}`. */
const deletedConnections = new WeakMap<GlobalState, Map<string, string>>();

const ROLE_MEMBERS = ['roleArn', 'componentRoleArn', 'codebuildRoleArn'] as const;
type RoleArns = { [member in typeof ROLE_MEMBERS[number]]?: string };

interface CreateInput extends RoleArns {
  environmentName: string;
  managementAccountId: string;
  clientToken?: string;
  tags?: Tag[];
}

function describeConnection(c: EnvironmentAccountConnectionRecord) {
  return {
    arn: c.arn,
    id: c.id,
    environmentAccountId: c.environmentAccountId,
    managementAccountId: c.managementAccountId,
    environmentName: c.environmentName,
    status: c.status,
    requestedAt: c.requestedAt,
    lastModifiedAt: c.lastModifiedAt,
    // roleArn is optional on create but required in the output: a CodeBuild-only connection
    // reports its CodeBuild role there (inferred).
    roleArn: c.roleArn ?? c.codebuildRoleArn,
    ...(c.componentRoleArn !== undefined ? { componentRoleArn: c.componentRoleArn } : {}),
    ...(c.codebuildRoleArn !== undefined ? { codebuildRoleArn: c.codebuildRoleArn } : {}),
  };
}

function summarize(c: EnvironmentAccountConnectionRecord) {
  const { codebuildRoleArn: _omitted, ...summary } = describeConnection(c);
  return summary;
}

function connections(ctx: RequestContext): Map<string, EnvironmentAccountConnectionRecord> {
  return ctx.runtime.global.environmentAccountConnections;
}

/** The region a connection was requested in (the region of its ARN). */
function regionOf(c: EnvironmentAccountConnectionRecord): string {
  return c.arn.split(':')[3];
}

/** The connection `id` as seen by the caller: RNF unless the caller is one of its two accounts. */
function visibleConnection(ctx: RequestContext, id: string): EnvironmentAccountConnectionRecord {
  const c = connections(ctx).get(id);
  if (!c || regionOf(c) !== ctx.region || (c.environmentAccountId !== ctx.accountId && c.managementAccountId !== ctx.accountId)) {
    throw notFound(`The environment account connection '${id}' was not found.`);
  }
  return c;
}

/** The connection `id`, which only the account on `side` may act on. */
function connectionFor(ctx: RequestContext, id: string, side: Side, action: string): EnvironmentAccountConnectionRecord {
  const c = visibleConnection(ctx, id);
  const allowed = side === 'ENVIRONMENT_ACCOUNT' ? c.environmentAccountId : c.managementAccountId;
  if (allowed !== ctx.accountId) {
    const where = side === 'ENVIRONMENT_ACCOUNT' ? 'environment' : 'management';
    throw accessDenied(`Only the ${where} account ${allowed} can ${action} the environment account connection '${id}'; account ${ctx.accountId} can't.`);
  }
  return c;
}

/** Role ARNs must name roles of the environment account (Proton assumes them there). */
function validateRoles(roles: RoleArns, environmentAccountId: string): void {
  for (const member of ROLE_MEMBERS) {
    const value = roles[member];
    const roleAccount = value?.split(':')[4];
    if (value !== undefined && roleAccount !== environmentAccountId) {
      throw validation(`${member} '${value}' must be an IAM role of the environment account ${environmentAccountId}, not of account ${roleAccount}.`);
    }
  }
}

/** Environments of the management account that use the connection. */
function environmentsUsing(ctx: RequestContext, c: EnvironmentAccountConnectionRecord): string[] {
  const management = ctx.runtime.accountState(c.managementAccountId, regionOf(c));
  return [...management.environments.values()].filter((e) => e.environmentAccountConnectionId === c.id).map((e) => e.name);
}

function transition(ctx: RequestContext, c: EnvironmentAccountConnectionRecord, status: Status) {
  if (c.status !== status) {
    c.status = status;
    c.lastModifiedAt = ctx.nowSeconds();
  }
  return { environmentAccountConnection: describeConnection(c) };
}

function create(ctx: RequestContext, input: CreateInput): EnvironmentAccountConnectionRecord {
  if (input.managementAccountId === ctx.accountId) {
    throw validation(`managementAccountId '${input.managementAccountId}' is the calling account: request the connection from the environment account, naming a different management account.`);
  }
  if (input.roleArn === undefined && input.codebuildRoleArn === undefined) {
    throw validation('Either roleArn or codebuildRoleArn is required: Proton needs a role of the environment account to provision the environment.');
  }
  validateRoles(input, ctx.accountId);
  validateCustomerTags(input.tags);
  const all = [...connections(ctx).values()];
  const existing = all.find((c) => regionOf(c) === ctx.region && c.status !== 'REJECTED'
    && c.managementAccountId === input.managementAccountId && c.environmentName === input.environmentName);
  if (existing) {
    throw conflict(`The environment '${input.environmentName}' of management account ${input.managementAccountId} already has the environment account connection '${existing.id}' (${existing.status}). Delete it before requesting another one.`);
  }
  const own = all.filter((c) => regionOf(c) === ctx.region && c.environmentAccountId === ctx.accountId).length;
  if (own >= MAX_CONNECTIONS_PER_ENVIRONMENT_ACCOUNT) {
    throw quotaExceeded(`Account ${ctx.accountId} already has ${own} environment account connections, the maximum. Delete unused connections first.`);
  }
  const id = ctx.reservedId ?? ctx.runtime.newId();
  const now = ctx.nowSeconds();
  const record: EnvironmentAccountConnectionRecord = {
    id,
    arn: arn(ctx, `environment-account-connection/${id}`),
    environmentAccountId: ctx.accountId,
    managementAccountId: input.managementAccountId,
    environmentName: input.environmentName,
    roleArn: input.roleArn,
    componentRoleArn: input.componentRoleArn,
    codebuildRoleArn: input.codebuildRoleArn,
    status: 'PENDING',
    requestedAt: now,
    lastModifiedAt: now,
  };
  connections(ctx).set(id, record);
  setResourceTags(ctx.account, record.arn, input.tags, false);
  return record;
}

export const operations: OperationTable = {
  CreateEnvironmentAccountConnection(input: CreateInput, ctx) {
    const { clientToken, ...params } = input;
    return withClientToken(
      ctx,
      clientToken,
      params,
      () => {
        const record = create(ctx, input);
        return { resourceKey: record.id, output: { environmentAccountConnection: describeConnection(record) } };
      },
      (id) => {
        const record = connections(ctx).get(id);
        return record && { environmentAccountConnection: describeConnection(record) };
      },
    );
  },

  GetEnvironmentAccountConnection(input: { id: string }, ctx) {
    return { environmentAccountConnection: describeConnection(visibleConnection(ctx, input.id)) };
  },

  ListEnvironmentAccountConnections(input: {
    requestedBy: Side;
    environmentName?: string;
    statuses?: Status[];
    maxResults?: number;
    nextToken?: string;
  }, ctx) {
    const mine = (c: EnvironmentAccountConnectionRecord) =>
      (input.requestedBy === 'ENVIRONMENT_ACCOUNT' ? c.environmentAccountId : c.managementAccountId) === ctx.accountId;
    const matching = [...connections(ctx).values()]
      .filter((c) => regionOf(c) === ctx.region && mine(c))
      .filter((c) => input.environmentName === undefined || c.environmentName === input.environmentName)
      .filter((c) => !input.statuses?.length || input.statuses.includes(c.status))
      .sort((a, b) => a.requestedAt - b.requestedAt || a.id.localeCompare(b.id));
    const page = paginate(matching, input.maxResults, input.nextToken);
    return { environmentAccountConnections: page.items.map(summarize), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  },

  UpdateEnvironmentAccountConnection(input: RoleArns & { id: string }, ctx) {
    const c = connectionFor(ctx, input.id, 'ENVIRONMENT_ACCOUNT', 'update');
    if (c.status === 'REJECTED') {
      throw conflict(`The environment account connection '${c.id}' was rejected and can't be used any more; request a new connection instead.`);
    }
    validateRoles(input, c.environmentAccountId);
    const changed = ROLE_MEMBERS.filter((member) => input[member] !== undefined && input[member] !== c[member]);
    for (const member of changed) c[member] = input[member];
    if (changed.length > 0) c.lastModifiedAt = ctx.nowSeconds();
    return { environmentAccountConnection: describeConnection(c) };
  },

  AcceptEnvironmentAccountConnection(input: { id: string }, ctx) {
    const c = connectionFor(ctx, input.id, 'MANAGEMENT_ACCOUNT', 'accept');
    if (c.status === 'REJECTED') {
      throw conflict(`The environment account connection '${c.id}' was rejected and can't be accepted; the environment account must request a new connection.`);
    }
    return transition(ctx, c, 'CONNECTED');
  },

  RejectEnvironmentAccountConnection(input: { id: string }, ctx) {
    const c = connectionFor(ctx, input.id, 'MANAGEMENT_ACCOUNT', 'reject');
    const users = environmentsUsing(ctx, c);
    if (c.status !== 'REJECTED' && users.length > 0) {
      throw conflict(`The environment account connection '${c.id}' is used by the environment(s) ${users.map((n) => `'${n}'`).join(', ')}; delete the environment(s) before rejecting it.`);
    }
    return transition(ctx, c, 'REJECTED');
  },

  DeleteEnvironmentAccountConnection(input: { id: string }, ctx) {
    const tombstones = deletedConnections.get(ctx.runtime.global) ?? new Map<string, string>();
    deletedConnections.set(ctx.runtime.global, tombstones);
    if (!connections(ctx).has(input.id) && tombstones.get(input.id) === ctx.accountId) {
      return {};
    }
    const c = connectionFor(ctx, input.id, 'ENVIRONMENT_ACCOUNT', 'delete');
    connections(ctx).delete(c.id);
    tombstones.set(c.id, c.environmentAccountId);
    deleteResourceTags(ctx.account, c.arn);
    return { environmentAccountConnection: describeConnection(c) };
  },
};
