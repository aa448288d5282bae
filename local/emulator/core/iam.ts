/**
 * IAM for the emulator: who a request comes from (a registered access key names a principal and
 * its identity-based policies) and whether those policies allow an action on a resource.
 *
 * Evaluation is `@cloud-copilot/iam-simulate` (AGPL-3.0-or-later: a devDependency of this offline
 * tooling only, never part of the published package), which evaluates identity policies the way
 * IAM does — explicit deny over allow, wildcards in actions and resources, NotAction/NotResource,
 * every condition operator — and checks each request against AWS's authorization data (the
 * action exists, the resource ARN is of a resource type the action supports, the context keys are
 * the action's). A request that fails that check is an emulator bug and answers 500.
 *
 * From AWS documentation (IAM User Guide, "Troubleshoot access denied error messages"): the
 * message `User: <principal> is not authorized to perform: <action> on resource: <resource>
 * because no identity-based policy allows the <action> action`, or `... with an explicit deny in
 * an identity-based policy`. Inferred: ` on resource: *` is left out for actions without a
 * resource (as AWS's own examples of such actions read).
 *
 * Callers whose access key is not registered are not evaluated (the emulator's behaviour before
 * IAM: any signed request is allowed).
 */
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

/** An identity-based policy document (`{"Version": ..., "Statement": [...]}`). */
export type PolicyDocument = { readonly [key: string]: unknown };

export interface NamedPolicy {
  /** The policy's name (inline) or ARN (managed), for messages. */
  readonly name: string;
  readonly document: PolicyDocument;
}

/** The principal behind an access key, and what its policies allow. */
export interface CallerIdentity {
  /** e.g. `arn:aws:sts::123456789012:assumed-role/HandlerRole/handler-function` */
  readonly principalArn: string;
  readonly accountId: string;
  /** Every identity-based policy of the principal: inline and managed. */
  readonly policies: readonly NamedPolicy[];
}

/** One authorization IAM makes for a request: an action on a resource, with the request's context. */
export interface AuthorizationCheck {
  readonly action: string;
  /** The resource ARN, or `*` for an action without resource-level permissions. */
  readonly resource: string;
  /** The account that owns the resource (the caller's for Proton resources). */
  readonly resourceAccountId: string;
  readonly context?: { readonly [key: string]: string | string[] };
}

export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly explicit: boolean; readonly message: string };

/** Access keys → identities. */
export class IdentityRegistry {
  private readonly byAccessKey = new Map<string, CallerIdentity>();

  public set(accessKeyId: string, identity: CallerIdentity | undefined): void {
    if (identity === undefined) {
      this.byAccessKey.delete(accessKeyId);
      return;
    }
    if (!/^\d{12}$/.test(identity.accountId)) throw new Error(`Identity of ${accessKeyId}: accountId must be 12 digits, got '${identity.accountId}'.`);
    this.byAccessKey.set(accessKeyId, { ...identity, policies: [...identity.policies] });
  }

  public get(accessKeyId: string | undefined): CallerIdentity | undefined {
    return accessKeyId === undefined ? undefined : this.byAccessKey.get(accessKeyId);
  }

  /** Principal ARNs by access key (for the state dump; policies left out). */
  public dump(): Record<string, string> {
    return Object.fromEntries([...this.byAccessKey].map(([key, identity]) => [key, identity.principalArn]));
  }
}

/** The access key id of a SigV4 `Authorization` header. */
export function accessKeyIdOf(authorization: string | undefined): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];
}

/** AWS's access-denied message. */
export function accessDeniedMessage(principalArn: string, check: Pick<AuthorizationCheck, 'action' | 'resource'>, explicit: boolean, quoteResource = false): string {
  const resource = check.resource === '*' ? '' : ` on resource: ${quoteResource ? `"${check.resource}"` : check.resource}`;
  const reason = explicit
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${check.action} action`;
  return `User: ${principalArn} is not authorized to perform: ${check.action}${resource} ${reason}`;
}

/** An authorization the simulator could not evaluate (a malformed policy, or an emulator bug). */
export class AuthorizationError extends Error {}

/** Evaluates one check against the identity's policies. */
export async function evaluate(identity: CallerIdentity, check: AuthorizationCheck, quoteResource = false): Promise<Decision> {
  const simulation: Simulation = {
    request: {
      principal: identity.principalArn,
      action: check.action,
      resource: { resource: check.resource, accountId: check.resourceAccountId },
      contextVariables: {
        'aws:PrincipalArn': identity.principalArn,
        'aws:PrincipalAccount': identity.accountId,
        ...check.context,
      },
    },
    identityPolicies: identity.policies.map((p) => ({ name: p.name, policy: p.document })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  const validated = await runSimulation(simulation, {});
  let result: string;
  if (validated.resultType !== 'error') {
    result = validated.overallResult;
  } else if (validated.errors.message === 'multiple.resource.types') {
    // AWS's ARN formats of template versions, major and minor versions are identical (e.g.
    // `environment-template/<name>:1.0`), so no resource type can be told from the ARN: the same
    // evaluation, without that lookup.
    result = runUnsafeSimulation(simulation, {});
  } else {
    throw new AuthorizationError(`IAM could not evaluate ${check.action} on ${check.resource} for ${identity.principalArn}: ${JSON.stringify(validated.errors)}`);
  }
  if (result === 'Allowed') return { allowed: true };
  const explicit = result === 'ExplicitlyDenied';
  return { allowed: false, explicit, message: accessDeniedMessage(identity.principalArn, check, explicit, quoteResource) };
}

/** Evaluates the checks in order; the first denial, or undefined when all are allowed. */
export async function firstDenial(
  identity: CallerIdentity, checks: readonly AuthorizationCheck[], quoteResource = false,
): Promise<string | undefined> {
  for (const check of checks) {
    const decision = await evaluate(identity, check, quoteResource);
    if (!decision.allowed) return decision.message;
  }
  return undefined;
}
