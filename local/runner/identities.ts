/**
 * IAM identities of the deployed app, for the emulator to authorize: a role's effective
 * identity-based policies as deployed (the inline `Policies` of the `AWS::IAM::Role`, every
 * `AWS::IAM::Policy` attached to it, the `AWS::IAM::ManagedPolicy` documents it names or that
 * name it, and the AWS managed policies the runner knows), all with their intrinsics resolved,
 * and the credentials that identify a session of it.
 *
 * A Lambda function runs as `arn:<partition>:sts::<account>:assumed-role/<role name>/<function
 * name>` (Lambda names the session after the function). Its access key is derived from the
 * session's ARN; the emulator learns what the key stands for (`setIdentity`) before each invocation,
 * so a policy changed by a stack update applies to the next call, as in IAM.
 */
import { createHash } from 'crypto';
import { ResourceRecord } from './custom-resource';
import type { CallerIdentity, NamedPolicy, PolicyDocument } from '../emulator/core/iam';

export type { CallerIdentity } from '../emulator/core/iam';

/** Where identities are registered: an emulator's control API. */
export interface IdentityControl {
  setIdentity(accessKeyId: string, identity: CallerIdentity | undefined): unknown;
}

/** Credentials of one role session. */
export interface SessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/**
 * AWS managed policies the runner knows the documents of (what the Provider framework's own
 * functions are given). Any other AWS managed policy grants nothing here, and the runner says so.
 */
const AWS_MANAGED_POLICIES: { readonly [name: string]: PolicyDocument } = {
  // IAM console, AWSLambdaBasicExecutionRole (version 1).
  'service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
  },
};

/** The role's effective policies, or undefined when the role was not deployed by the runner. */
export function rolePolicies(
  roleArn: string, resources: readonly ResourceRecord[], note: (message: string) => void,
): { roleName: string; policies: NamedPolicy[] } | undefined {
  const role = resources.find((r) => r.type === 'AWS::IAM::Role' && r.attributes.Arn === roleArn);
  if (!role) return undefined;
  const roleName = role.physicalId;
  const attached = (r: ResourceRecord) => Array.isArray(r.properties.Roles) && (r.properties.Roles as unknown[]).includes(roleName);
  const policies: NamedPolicy[] = [];
  for (const inline of (role.properties.Policies as Array<{ PolicyName: string; PolicyDocument: PolicyDocument }> | undefined) ?? []) {
    policies.push({ name: inline.PolicyName, document: inline.PolicyDocument });
  }
  for (const policy of resources.filter((r) => r.type === 'AWS::IAM::Policy' && attached(r))) {
    policies.push({ name: String(policy.properties.PolicyName ?? policy.physicalId), document: policy.properties.PolicyDocument as PolicyDocument });
  }
  const managedArns = new Set((role.properties.ManagedPolicyArns as string[] | undefined) ?? []);
  for (const managed of resources.filter((r) => r.type === 'AWS::IAM::ManagedPolicy' && (managedArns.has(r.physicalId) || attached(r)))) {
    policies.push({ name: managed.physicalId, document: managed.properties.PolicyDocument as PolicyDocument });
    managedArns.delete(managed.physicalId);
  }
  for (const arn of managedArns) {
    const name = /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
    const document = name === undefined ? undefined : AWS_MANAGED_POLICIES[name];
    if (document) {
      policies.push({ name: arn, document });
    } else {
      note(`role ${roleName}: managed policy ${arn} is not known to the local runner and grants nothing here`);
    }
  }
  return { roleName, policies };
}

/** The principal of a session of `roleName` (`assumed-role/<role>/<session>`). */
export function sessionArn(roleArn: string, roleName: string, sessionName: string): string {
  const [, partition, , , account] = roleArn.split(':');
  return `arn:${partition}:sts::${account}:assumed-role/${roleName}/${sessionName}`;
}

/** Deterministic credentials of a session: a temporary (`ASIA`) access key id derived from its ARN. */
export function sessionCredentials(principalArn: string): SessionCredentials {
  const digest = createHash('sha256').update(principalArn).digest('hex').toUpperCase();
  return { accessKeyId: `ASIA${digest.slice(0, 16)}`, secretAccessKey: `local-${digest.slice(16, 56)}`, sessionToken: `local-session-${digest.slice(0, 32)}` };
}
