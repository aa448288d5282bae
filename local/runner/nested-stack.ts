/**
 * Nested stacks (`AWS::CloudFormation::Stack` resources, what the CDK's `NestedStack` synthesizes):
 * the nested stack's generated name and id, its template read back from S3 the way CloudFormation
 * fetches a `TemplateURL` (JSON, or YAML with the short-form intrinsics), its `Parameters` checked
 * against the template, and the parent's record of it (`Fn::GetAtt <Nested>.Outputs.<Key>`).
 * The deployment itself is a StackDeployment of the nested template (stack-deployment.ts), driven
 * by its parent's; deletion.ts deletes nested stacks.
 */
import { randomBytes, randomUUID } from 'crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { parseDocument } from 'yaml';
import { s3Client } from './assets';
import { ResourceRecord } from './custom-resource';
import { PseudoParameters, TemplateError } from './intrinsics';
import { StackState } from './operation-context';
import { recordOf, ResourceDeclaration } from './provisioning';
import { AwsTarget } from './target';
import { CfnTemplate } from './template';

/**
 * The longest `<parent>-<logicalId>` prefix of a nested stack's name. Inferred from nested stack
 * names CloudFormation generated for CDK apps (e.g. `CdkStack-awscdkawseksKubectlProviderNestedStack
 * awscdkawseksKubectlProviderNestedStackR-H8CE759H0XAJ`: 86 characters, `-`, the suffix).
 */
const NAME_PREFIX_LENGTH = 86;

/** CloudFormation's limit on a template read from S3. */
const MAX_TEMPLATE_BYTES = 1_000_000;

export interface NestedStackIdentity {
  readonly stackName: string;
  readonly stackId: string;
}

/**
 * The name and id CloudFormation gives a new nested stack of resource `logicalId`:
 * `<parent>-<logicalId>-<suffix>`, the suffix a random 63-bit number in upper-case base 36 (12 or
 * 13 characters, like the suffixes of the names CloudFormation generates). The stack id is an ARN
 * ending in a fresh UUID.
 */
export function nestedStackIdentity(parent: PseudoParameters, logicalId: string): NestedStackIdentity {
  // Padded: one number in ~70 is below 36^11 and would print with fewer than 12 digits.
  const suffix = BigInt.asUintN(63, randomBytes(8).readBigUInt64BE(0)).toString(36).toUpperCase().padStart(12, '0');
  const stackName = `${`${parent.stackName}-${logicalId}`.slice(0, NAME_PREFIX_LENGTH)}-${suffix}`;
  const stackId = `arn:${parent.partition}:cloudformation:${parent.region}:${parent.accountId}:stack/${stackName}/${randomUUID()}`;
  return { stackName, stackId };
}

/**
 * The nested template, read from the S3 object its `TemplateURL` names, with the credentials of the
 * stack's account. Failures carry CloudFormation's messages.
 */
export async function readNestedTemplate(templateUrl: unknown, target: AwsTarget): Promise<CfnTemplate> {
  const location = typeof templateUrl === 'string' ? s3Location(templateUrl, target.urlSuffix) : undefined;
  if (!location) throw new TemplateError('TemplateURL must be a supported URL.');
  const client = s3Client(target);
  let body: string;
  try {
    const object = await client.send(new GetObjectCommand(location));
    body = await object.Body!.transformToString('utf8');
  } catch (e) {
    throw new TemplateError(`S3 error: ${(e as Error).message}`);
  } finally {
    client.destroy();
  }
  if (Buffer.byteLength(body, 'utf8') > MAX_TEMPLATE_BYTES) {
    throw new TemplateError(`Template may not exceed ${MAX_TEMPLATE_BYTES} bytes in size.`);
  }
  return parseTemplate(body);
}

/** The bucket and key of an S3 URL, path-style (`https://s3.<region>.<suffix>/<bucket>/<key>`) or virtual-hosted. */
function s3Location(url: string, urlSuffix: string): { Bucket: string; Key: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const suffix = urlSuffix.replace(/\./g, '\\.');
  const path = parsed.pathname.slice(1);
  if (parsed.protocol !== 'https:') return undefined;
  if (new RegExp(`^s3([.-][a-z0-9-]+)?\\.${suffix}$`).test(parsed.hostname)) {
    const slash = path.indexOf('/');
    return slash > 0 ? { Bucket: path.slice(0, slash), Key: decodeURIComponent(path.slice(slash + 1)) } : undefined;
  }
  const hosted = new RegExp(`^(.+)\\.s3([.-][a-z0-9-]+)?\\.${suffix}$`).exec(parsed.hostname);
  return hosted && path ? { Bucket: hosted[1], Key: decodeURIComponent(path) } : undefined;
}

/** Short-form intrinsics of YAML templates (`!Ref X`, `!GetAtt A.B`, `!Sub [...]`, ...) and their long forms. */
const SHORT_FORMS = ['Ref', 'Condition', 'GetAtt', 'Sub', 'Join', 'Select', 'Split', 'If', 'Equals', 'Not', 'And', 'Or',
  'FindInMap', 'ImportValue', 'Base64', 'GetAZs', 'Cidr'];

const YAML_TAGS = SHORT_FORMS.flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  return [
    { tag: `!${name}`, resolve: (value: string) => ({ [key]: value }) },
    { tag: `!${name}`, collection: 'seq' as const, resolve: (seq: { toJSON(): unknown }) => ({ [key]: seq.toJSON() }) },
    { tag: `!${name}`, collection: 'map' as const, resolve: (map: { toJSON(): unknown }) => ({ [key]: map.toJSON() }) },
  ];
});

/** A template as CloudFormation reads it: JSON, or YAML (with short-form intrinsics). */
export function parseTemplate(text: string): CfnTemplate {
  let value: unknown;
  if (text.trimStart().startsWith('{')) {
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new TemplateError(`Template format error: JSON not well-formed. (${(e as Error).message})`);
    }
  } else {
    const doc = parseDocument(text, { customTags: YAML_TAGS, prettyErrors: false });
    if (doc.errors.length > 0) {
      throw new TemplateError(`Template format error: YAML not well-formed. (${doc.errors[0].message.split('\n')[0]})`);
    }
    value = doc.toJS();
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TemplateError('Template format error: not a JSON or YAML object.');
  }
  return value as CfnTemplate;
}

/**
 * The values of a nested stack's parameters, from the resource's `Parameters` property (values sent
 * as strings). A parameter the template does not declare, or one without a value or Default, fails
 * like CloudFormation's CreateStack/UpdateStack validation.
 */
export function nestedParameters(template: CfnTemplate, given: unknown): Record<string, string> {
  if (given !== undefined && (given === null || typeof given !== 'object' || Array.isArray(given))) {
    throw new TemplateError('Value of property Parameters must be an object with String (or simple type) properties');
  }
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(given ?? {})) {
    if (value !== null && typeof value === 'object') {
      throw new TemplateError('Value of property Parameters must be an object with String (or simple type) properties');
    }
    values[name] = String(value);
  }
  const declared = template.Parameters ?? {};
  const unknown = Object.keys(values).filter((name) => !(name in declared));
  if (unknown.length > 0) throw new TemplateError(`Parameters: [${unknown.join(', ')}] do not exist in the template`);
  const missing = Object.entries(declared).filter(([name, p]) => !(name in values) && p.Default === undefined).map(([name]) => name);
  if (missing.length > 0) throw new TemplateError(`Parameters: [${missing.join(', ')}] must have values`);
  return values;
}

/** The parent's record of a nested stack: Ref = the stack id, `Outputs.<Key>` attributes (strings), the stack's state. */
export function nestedStackRecord(decl: ResourceDeclaration, stack: StackState): ResourceRecord {
  const attributes = Object.fromEntries(Object.entries(stack.outputs).map(([key, value]) => [`Outputs.${key}`, String(value)]));
  return { ...recordOf(decl, stack.stackId, attributes), stack };
}

/** Statuses a nested stack can be updated from (CloudFormation refuses an update from any other). */
const UPDATABLE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE']);

/** Throws CloudFormation's refusal when the nested stack cannot be updated in its status. */
export function checkUpdatable(stack: StackState): void {
  if (!UPDATABLE.has(stack.status)) {
    throw new TemplateError(`Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`);
  }
}
