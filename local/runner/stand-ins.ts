/**
 * Stand-in identities for the resources the local runner does not provision (IAM, Lambda, log
 * groups, state machines, ...): deterministic physical ids and attributes shaped like the real
 * ones (names CloudFormation would generate, ARNs), so references between resources resolve.
 */
import { createHash } from 'crypto';
import { PseudoParameters } from './intrinsics';

export interface StandIn {
  readonly physicalId: string;
  readonly attributes: Record<string, string>;
}

/** Properties that carry an explicit physical name, per resource type. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::Policy': 'PolicyName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::S3::Bucket': 'BucketName',
};

type Shape = (name: string, p: PseudoParameters) => StandIn;

const SHAPES: Record<string, Shape> = {
  'AWS::IAM::Role': (name, p) => ({
    physicalId: name,
    attributes: { Arn: `arn:${p.partition}:iam::${p.accountId}:role/${name}`, RoleId: `AROA${token(name, 17)}` },
  }),
  'AWS::IAM::ManagedPolicy': (name, p) => {
    const arn = `arn:${p.partition}:iam::${p.accountId}:policy/${name}`;
    return { physicalId: arn, attributes: { PolicyArn: arn } };
  },
  'AWS::Lambda::Function': (name, p) => ({
    physicalId: name,
    attributes: { Arn: `arn:${p.partition}:lambda:${p.region}:${p.accountId}:function:${name}` },
  }),
  'AWS::Logs::LogGroup': (name, p) => ({
    physicalId: name,
    attributes: { Arn: `arn:${p.partition}:logs:${p.region}:${p.accountId}:log-group:${name}:*` },
  }),
  'AWS::StepFunctions::StateMachine': (name, p) => {
    const arn = `arn:${p.partition}:states:${p.region}:${p.accountId}:stateMachine:${name}`;
    return { physicalId: arn, attributes: { Arn: arn, Name: name } };
  },
  'AWS::S3::Bucket': (name, p) => ({
    physicalId: name,
    attributes: {
      Arn: `arn:${p.partition}:s3:::${name}`,
      DomainName: `${name}.s3.${p.urlSuffix}`,
      RegionalDomainName: `${name}.s3.${p.region}.${p.urlSuffix}`,
    },
  }),
};

/** The stand-in identity of a non-custom resource. */
export function standIn(type: string, logicalId: string, properties: Record<string, unknown>, p: PseudoParameters): StandIn {
  const explicit = NAME_PROPERTY[type] ? properties[NAME_PROPERTY[type]] : undefined;
  const generated = `${p.stackName}-${logicalId}`.slice(0, 50) + `-${token(`${p.stackId}/${logicalId}`, 12)}`;
  const name = typeof explicit === 'string' ? explicit : type === 'AWS::S3::Bucket' ? generated.toLowerCase() : generated;
  const shape = SHAPES[type];
  if (shape) return shape(name, p);
  const [, service = 'unknown', kind = 'resource'] = type.split('::');
  return {
    physicalId: name,
    attributes: { Arn: `arn:${p.partition}:${service.toLowerCase()}:${p.region}:${p.accountId}:${kind.toLowerCase()}/${name}` },
  };
}

/** A deterministic upper-case alphanumeric token (like CloudFormation's generated name suffixes). */
function token(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').toUpperCase().slice(0, length);
}
