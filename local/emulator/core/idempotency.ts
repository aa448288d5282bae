import { conflict, idempotentParameterMismatch } from './errors';
import type { RequestContext } from './runtime';
import type { NameKeyed } from './store';

/** Client tokens are remembered for 8 hours (proton-api.md §6.1). */
export const CLIENT_TOKEN_TTL_MS = 8 * 60 * 60 * 1000;

/** Stable JSON: object keys sorted, `undefined` members dropped. */
export function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/**
 * Client-token idempotency (CreateEnvironmentTemplateVersion, CreateServiceTemplateVersion,
 * CreateEnvironmentAccountConnection, CreateServiceInstance, CreateComponent,
 * UpdateServiceInstance, UpdateComponent):
 * - no token (the SDKs fill a random one, so this only happens with raw clients): just act;
 * - same token, same parameters, original still there: return `reread(resourceKey)`, do nothing;
 * - same token, different parameters: ValidationException (IdempotentParameterMismatch);
 * - token expired (8 h) or the original resource deleted: act again, as a new request.
 *
 * @param params the request parameters other than the token
 * @param act performs the request; returns the key that identifies the resource and the output
 * @param reread returns the current output for `resourceKey`, or undefined when it no longer exists
 */
export function withClientToken<T>(
  ctx: RequestContext,
  clientToken: string | undefined,
  params: object,
  act: () => { resourceKey: string; output: T },
  reread: (resourceKey: string) => T | undefined,
): T {
  const nowMs = ctx.runtime.clock.nowMs();
  const paramsJson = canonical(params);
  const tokenKey = clientToken ? `${ctx.operation}:${clientToken}` : undefined;
  if (tokenKey) {
    const entry = ctx.account.clientTokens.get(tokenKey);
    if (entry && entry.expiresAtMs > nowMs) {
      if (entry.params !== paramsJson) {
        throw idempotentParameterMismatch(`The client token '${clientToken}'`);
      }
      const again = reread(entry.resourceKey);
      if (again !== undefined) return again;
    }
  }
  const { resourceKey, output } = act();
  if (tokenKey) {
    ctx.account.clientTokens.set(tokenKey, {
      operation: ctx.operation,
      params: paramsJson,
      expiresAtMs: nowMs + CLIENT_TOKEN_TTL_MS,
      resourceKey,
    });
  }
  return output;
}

/**
 * Name-keyed idempotent creates (CreateEnvironmentTemplate, CreateServiceTemplate,
 * CreateEnvironment, CreateService), proton-api.md §6.2:
 * - no resource with that name: create;
 * - same name, different input: ValidationException (IdempotentParameterMismatch);
 * - same input, resource modified since: ConflictException;
 * - same input, unmodified: the original resource, nothing done.
 *
 * @param createInput the create input (canonicalized here and stored by `create` via `createInput`)
 */
export function nameKeyedCreate<R extends NameKeyed, T>(
  existing: R | undefined,
  resourceDescription: string,
  createInput: object,
  describe: (record: R) => T,
  create: (createInputJson: string) => T,
): T {
  const inputJson = canonical(createInput);
  if (!existing) return create(inputJson);
  if (existing.createInput !== inputJson) {
    throw idempotentParameterMismatch(`The name of ${resourceDescription}`);
  }
  if (existing.modifiedSinceCreate) {
    throw conflict(`${resourceDescription} already exists and was modified since it was created.`);
  }
  return describe(existing);
}
