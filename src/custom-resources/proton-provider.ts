import * as path from 'path';
import { ArnFormat, Duration, Lazy, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import { OwnershipTag, ProtonResourceTypeName } from './contract';
import type { ProtonHandlerOptions } from '../constructs/proton-handler';
import { HANDLER_OPERATIONS, OWNED_RESOURCE_ACTIONS, PermissionStatement, PermissionTarget, PermissionTargets, statementsFor } from '../private/permissions';

/** The one bundle of both handlers, built by `npx projen bundle` from `lambda/index.ts`. */
const HANDLER_ASSET_DIR = path.join(__dirname, '..', '..', 'assets', 'lambda', 'index');

/**
 * `arn:<partition>:proton:<region>:<account>:<type>/*` for a Proton ARN (tokens have no `:`),
 * or undefined for anything else.
 */
function protonTypeWildcard(arn: string): string | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[2] !== 'proton') return undefined;
  const type = parts.slice(5).join(':').split('/')[0];
  return `${parts.slice(0, 5).join(':')}:${type}/*`;
}

/**
 * A resource of an IAM statement as cdk-nag names it in a granular finding id: references
 * become `<LogicalId>` / `<LogicalId.Attribute>` / `<AWS::Pseudo>`.
 */
function nagResource(stack: Stack, resource: string): string {
  const render = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const p = part as Record<string, unknown>;
    if (typeof p.Ref === 'string') return `<${p.Ref}>`;
    if (Array.isArray(p['Fn::GetAtt'])) return `<${(p['Fn::GetAtt'] as string[]).join('.')}>`;
    if (Array.isArray(p['Fn::Join'])) {
      const [separator, parts] = p['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(separator);
    }
    return JSON.stringify(part);
  };
  return render(stack.resolve(resource));
}

/** Namespaced id of the provider on its stack: `getOrCreate` finds it there. */
const PROVIDER_ID = 'cdk-proton.ProtonProvider';

/**
 * The Lambda-backed Provider (onEvent + isComplete) that carries out every cdk-proton custom
 * resource of a stack. There is exactly one per stack, found by its id on the stack (never cached
 * outside the construct tree), so a stack pays once for the framework's functions and state
 * machine however many Proton resources it declares.
 *
 * Timing (failure modes 1–3): Proton's template create/update/delete are synchronous, so their
 * `isComplete` succeeds on the first call, made right after `onEvent`, and costs no wait. What
 * does wait is template-version registration (seconds; the AWS waiter polls every 2 s) and
 * deployments of environments, services, instances, pipelines and components (minutes; the AWS
 * waiters poll every 5–10 s). One provider has one interval, so {@link ProtonProvider.QUERY_INTERVAL}
 * is 10 s: a registration is seen one interval after it finishes, and a 10-minute deployment
 * costs 60 polls rather than 120. {@link ProtonProvider.TOTAL_TIMEOUT} is 35 min (210 polls; it
 * must be a multiple of the interval): longer than Proton deployments of ordinary stacks, and short
 * enough that the worst case — a 3-minute `onEvent`, 35 minutes of polls, up to 210 s spent
 * inside the polls themselves, a 3-minute final `isComplete` — ends (≈ 45 min) well before
 * {@link ProtonProvider.SERVICE_TIMEOUT} of 50 min set on every custom resource, itself inside
 * CloudFormation's one-hour limit. So a request always ends with SUCCESS or FAILED sent by the
 * framework, never with CloudFormation giving up on a silent resource.
 * {@link ProtonProvider.HANDLER_TIMEOUT} (3 min) bounds one handler call: a handful of Proton calls,
 * each with up to 10 SDK attempts whose backoff is capped at 20 s.
 */
export class ProtonProvider extends Construct implements iam.IGrantable {
  /**
   * Distinct Proton resource ARNs the handler policy lists one by one. Beyond it, every Proton
   * ARN is rendered as its type's wildcard in the stack's account and region
   * (`arn:…:proton:<region>:<account>:environment/*`): IAM limits a role's inline policies to
   * 10,240 characters, which ~120 listed ARNs would exhaust together with the actions.
   */
  public static readonly MAX_EXACT_PROTON_ARNS = 40;

  /** Interval between two `isComplete` calls of one request. */
  public static readonly QUERY_INTERVAL = Duration.seconds(10);
  /** Polling budget of one request (a multiple of `QUERY_INTERVAL`). */
  public static readonly TOTAL_TIMEOUT = Duration.minutes(35);
  /** `ServiceTimeout` of every cdk-proton custom resource. */
  public static readonly SERVICE_TIMEOUT = Duration.minutes(50);
  /** Timeout of each handler Lambda function (`onEvent`, `isComplete`). */
  public static readonly HANDLER_TIMEOUT = Duration.minutes(3);
  /** Runtime of the handler functions: the latest Node.js runtime of this aws-cdk-lib. */
  public static readonly HANDLER_RUNTIME = lambda.Runtime.NODEJS_24_X;

  /** The provider of `scope`'s stack, created on first use. */
  public static getOrCreate(scope: Construct): ProtonProvider {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(PROVIDER_ID);
    // Not instanceof: the provider may come from another copy of the library in the same app.
    return existing !== undefined && Symbol.for(PROVIDER_ID) in existing ? existing as ProtonProvider : new ProtonProvider(stack, PROVIDER_ID, {});
  }

  /** Creates the provider of `scope`'s stack with `options`; throws when the stack already has one. */
  public static configure(scope: Construct, options: ProtonHandlerOptions): ProtonProvider {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(PROVIDER_ID);
    if (existing !== undefined) {
      throw new Error(`ProtonHandler.configure: the Proton handler of stack '${stack.node.path}' already exists (the stack declares a Proton resource, `
        + 'which created it with the default options). Call ProtonHandler.configure(stack, options) before declaring the stack\'s first Proton resource.');
    }
    if (options.memorySize !== undefined && (options.memorySize < 128 || options.memorySize > 10240)) {
      throw new Error(`memorySize ${options.memorySize} is not a Lambda memory size: give 128 to 10240 (MiB).`);
    }
    if (options.vpc === undefined && (options.vpcSubnets !== undefined || options.securityGroups !== undefined)) {
      throw new Error('vpcSubnets and securityGroups apply to functions in a VPC: give vpc too, or remove them.');
    }
    return new ProtonProvider(stack, PROVIDER_ID, options);
  }

  /** The `ServiceToken` of the custom resources. */
  public readonly serviceToken: string;

  /**
   * The handler functions' principal, for grants on what Proton reads with the caller's
   * permissions (template bundles in S3).
   */
  public get grantPrincipal(): iam.IPrincipal {
    return this.role;
  }

  /** The role both handler functions run with; Proton permissions are granted per resource ARN. */
  private readonly role: iam.Role;
  /** ARNs per set of actions and conditions, rendered lazily: constructs register after the provider exists. */
  private readonly resourcesByActions = new Map<string, string[]>();
  /** Distinct exact Proton ARNs registered so far (see MAX_EXACT_PROTON_ARNS). */
  private readonly exactProtonArns = new Set<string>();
  /** Whether Proton ARNs are rendered as per-type wildcards (too many to list). */
  private collapsed = false;

  private constructor(scope: Construct, id: string, options: ProtonHandlerOptions) {
    super(scope, id);
    Object.defineProperty(this, Symbol.for(PROVIDER_ID), { value: true });

    const logOptions = {
      retention: options.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: options.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    };
    const logGroup = new logs.LogGroup(this, 'HandlerLogs', logOptions);
    this.role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-proton custom-resource handler: manages the Proton resources declared in this stack',
    });
    // Logs go to one known log group: no AWSLambdaBasicExecutionRole (which allows every group).
    logGroup.grantWrite(this.role);
    this.allowOwnedResources();

    const code = lambda.Code.fromAsset(HANDLER_ASSET_DIR);
    const handler = (handlerId: string, entry: 'onEvent' | 'isComplete') => new lambda.Function(this, handlerId, {
      code,
      handler: `index.${entry}`,
      runtime: ProtonProvider.HANDLER_RUNTIME,
      timeout: ProtonProvider.HANDLER_TIMEOUT,
      memorySize: options.memorySize ?? 256,
      role: this.role,
      logGroup,
      description: `cdk-proton ${entry} handler for the Proton custom resources of this stack`,
      vpc: options.vpc,
      vpcSubnets: options.vpcSubnets,
      securityGroups: options.securityGroups,
      tracing: options.tracing,
      environment: options.environment,
    });

    const onEventHandler = handler('OnEventHandler', 'onEvent');
    const isCompleteHandler = handler('IsCompleteHandler', 'isComplete');
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler,
      isCompleteHandler,
      queryInterval: ProtonProvider.QUERY_INTERVAL,
      totalTimeout: ProtonProvider.TOTAL_TIMEOUT,
      // The framework functions log whole requests (ResourceProperties: descriptions, specs): keep them silent.
      frameworkLambdaLoggingLevel: lambda.ApplicationLogLevel.FATAL,
      disableWaiterStateMachineLogging: false,
      // Execution data would contain the CloudFormation request, ResponseURL included: never log it.
      waiterStateMachineLogOptions: {
        level: sfn.LogLevel.ALL, includeExecutionData: false, destination: new logs.LogGroup(this, 'WaiterLogs', logOptions),
      },
      // The framework's functions (logging FATAL only) write to the handlers' log group.
      logGroup,
      vpc: options.vpc,
      vpcSubnets: options.vpcSubnets,
      securityGroups: options.securityGroups,
    });
    this.serviceToken = provider.serviceToken;
    if (options.permissionsBoundary) {
      iam.PermissionsBoundary.of(this).apply(options.permissionsBoundary);
    }
    this.acknowledgeFrameworkFindings(provider, [onEventHandler, isCompleteHandler]);
    this.acknowledgeServerlessFindings(provider, [onEventHandler, isCompleteHandler], options);
  }

  /**
   * cdk-nag `ServerlessChecks` findings on the provider's functions and state machine, each with
   * why it does not apply or cannot be changed (see README, "cdk-nag").
   */
  private acknowledgeServerlessFindings(provider: cr.Provider, handlers: lambda.Function[], options: ProtonHandlerOptions): void {
    const frameworkFunctions = ['framework-onEvent', 'framework-isComplete', 'framework-onTimeout'].map((id) => provider.node.findChild(id));
    for (const fn of handlers) {
      Validations.of(fn).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason: 'The Provider framework invokes this handler synchronously (RequestResponse) and turns its errors into FAILED responses: a dead-letter queue only receives failed asynchronous invocations.',
      });
      if (options.tracing === undefined || options.tracing === lambda.Tracing.DISABLED) {
        Validations.of(fn).acknowledge({
          id: 'Serverless-LambdaTracing',
          reason: 'Tracing is opt-in (ProtonHandler.configure with tracing): each call is a few Proton API calls, logged with names, ids and statuses.',
        });
      }
    }
    for (const fn of frameworkFunctions) {
      Validations.of(fn).acknowledge(
        {
          id: 'Serverless-LambdaDLQ',
          reason: 'aws-cdk-lib\'s Provider framework offers no dead-letter queue; a lost asynchronous invocation still ends: every cdk-proton custom resource has a 50-minute ServiceTimeout.',
        },
        { id: 'Serverless-LambdaTracing', reason: 'aws-cdk-lib\'s Provider framework offers no tracing for its own functions.' },
        { id: 'Serverless-LambdaDefaultMemorySize', reason: 'aws-cdk-lib\'s Provider framework sets the memory of its own functions (they only relay requests).' },
      );
    }
    Validations.of(provider.node.findChild('waiter-state-machine')).acknowledge({
      id: 'Serverless-StepFunctionStateMachineXray',
      reason: 'aws-cdk-lib\'s Provider framework does not expose X-Ray tracing for its waiter state machine; each poll is logged at level ALL instead.',
    });
    if (options.vpc) {
      Validations.of(this).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason: 'Lambda adds AWSLambdaVPCAccessExecutionRole to the roles of functions in a VPC: its network-interface actions only support Resource "*".',
      });
    }
    if (options.tracing !== undefined && options.tracing !== lambda.Tracing.DISABLED) {
      this.acknowledgeWildcards(['*'], 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords only support Resource "*".');
    }
  }

  /**
   * Allows the handler of `resourceType` every Proton operation it calls (the permissions table,
   * `src/private/permissions.ts`) on `targets`: exact ARNs of resources declared in the stack
   * (name-based ARNs are known at synth), wildcards where Proton's ids are unknown at synth (each
   * with its reason in `wildcardReasons`), and `*` for actions without resource-level permissions.
   *
   * The permissions on `*` and on the `foreign` targets (resources the stack did not create, such
   * as an imported service an instance is added to) are the handler's only way to remove
   * `scope`'s resource, and the ownership-tag statement (`allowOwnedResources`) cannot stand in
   * for them: they go to a policy of their own that `scope` depends on, so that CloudFormation
   * deletes `scope`'s resource before that policy when `scope` leaves the stack.
   */
  public allowHandler(
    scope: IConstruct,
    resourceType: ProtonResourceTypeName,
    targets: PermissionTargets,
    wildcardReasons: { [arn: string]: string } = {},
    foreign: readonly PermissionTarget[] = [],
  ): void {
    const removal: iam.PolicyStatement[] = [];
    for (const statement of statementsFor(HANDLER_OPERATIONS[resourceType], targets)) {
      if (statement.target === '*' || foreign.includes(statement.target)) {
        removal.push(new iam.PolicyStatement({ actions: statement.actions, resources: [...statement.resources] }));
      } else {
        this.allowStatement(statement);
      }
      if (statement.target === '*') {
        wildcardReasons = {
          ...wildcardReasons,
          '*': `${statement.actions.join(', ')} support no resource-level permissions (Service Authorization Reference for AWS Proton): their Resource must be "*".`,
        };
      }
    }
    let acknowledged = this.role as IConstruct;
    if (removal.length > 0) {
      const policy = new iam.Policy(this, `RemovalPolicy${Names.uniqueId(scope)}`, { roles: [this.role], statements: removal });
      scope.node.addDependency(policy);
      acknowledged = policy;
    }
    const stack = Stack.of(this);
    for (const [arn, reason] of Object.entries(wildcardReasons)) {
      const onRole = !removal.some((s) => s.resources.includes(arn));
      Validations.of(onRole ? this.role : acknowledged).acknowledge({ id: `AwsSolutions-IAM5[Resource::${nagResource(stack, arn)}]`, reason });
    }
  }

  /**
   * Allows every action the handlers take on existing Proton resources (not their creates) on the
   * Proton resources of the stack's account and region that this stack created: the condition
   * requires the ownership tag the handler writes on each resource it creates (`cdk-proton:stack-id`
   * = this stack's id). CloudFormation deletes a resource removed from the stack, or the old
   * resource of a replacement, in its cleanup phase, after the policy was updated to the new
   * template, which no longer names that resource: these statements keep the handler able to read
   * and delete it, and IAM itself keeps its changes away from what another stack (or anyone) made.
   * Reads are allowed where the tag is absent too (`StringEqualsIfExists`): a resource that is
   * gone has no tags, and the handler polls until Proton says it is not found.
   */
  private allowOwnedResources(): void {
    const stack = Stack.of(this);
    const resource = stack.formatArn({ service: 'proton', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME });
    const tag = `aws:ResourceTag/${OwnershipTag.STACK_ID}`;
    const reads = OWNED_RESOURCE_ACTIONS.filter((action) => /^proton:(Get|List)/.test(action));
    const writes = OWNED_RESOURCE_ACTIONS.filter((action) => !reads.includes(action));
    const owned = (actions: string[], operator: string) =>
      new iam.PolicyStatement({ actions, resources: [resource], conditions: { [operator]: { [tag]: stack.stackId } } });
    this.role.addToPrincipalPolicy(owned(writes, 'StringEquals'));
    this.role.addToPrincipalPolicy(owned(reads, 'StringEqualsIfExists'));
    this.acknowledgeWildcards([resource],
      `Only the Proton resources this stack created (the condition requires their ownership tag ${OwnershipTag.STACK_ID} = this stack's id): CloudFormation deletes a removed or replaced resource in its cleanup phase, when the policy no longer names it.`);
  }

  /**
   * Adds `statement`'s resources to the handler policy's statement of the same actions and
   * conditions (rendered lazily: constructs register after the provider exists).
   */
  private allowStatement(statement: PermissionStatement): void {
    const key = `${statement.actions.join(',')} ${JSON.stringify(statement.conditions ?? {})}`;
    let resources = this.resourcesByActions.get(key);
    if (resources === undefined) {
      const collected: string[] = [];
      resources = collected;
      this.resourcesByActions.set(key, collected);
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: statement.actions,
        resources: Lazy.list({ produce: () => this.render(collected) }),
        ...(statement.conditions ? { conditions: statement.conditions as { [operator: string]: { [key: string]: string } } } : {}),
      }));
    }
    resources.push(...statement.resources);
    for (const arn of statement.resources) {
      if (protonTypeWildcard(arn) !== undefined && !arn.endsWith('*')) this.exactProtonArns.add(arn);
    }
    if (this.collapsed) {
      this.acknowledgeCollapsed([...statement.resources]);
    } else if (this.exactProtonArns.size > ProtonProvider.MAX_EXACT_PROTON_ARNS) {
      this.collapsed = true;
      this.acknowledgeCollapsed([...this.resourcesByActions.values()].flat());
    }
  }

  /**
   * Acknowledges the cdk-nag AwsSolutions-IAM5 finding of each wildcard resource (exactly those
   * resources) on the handler role, with `reason`.
   */
  public acknowledgeWildcards(resources: string[], reason: string): void {
    const stack = Stack.of(this);
    Validations.of(this.role).acknowledge(
      ...resources.map((resource) => ({ id: `AwsSolutions-IAM5[Resource::${nagResource(stack, resource)}]`, reason })),
    );
  }

  /** The statement's resources: exact, or Proton ARNs as per-type wildcards once collapsed. */
  private render(resources: string[]): string[] {
    return [...new Set(this.collapsed ? resources.map((arn) => protonTypeWildcard(arn) ?? arn) : resources)];
  }

  private acknowledgeCollapsed(resourceArns: string[]): void {
    const wildcards = [...new Set(resourceArns.map(protonTypeWildcard).filter((w): w is string => w !== undefined))];
    this.acknowledgeWildcards(wildcards,
      `The stack declares more than ${ProtonProvider.MAX_EXACT_PROTON_ARNS} Proton resources: listed one by one, their ARNs would exceed IAM's 10,240-character limit on a role's inline policies, so the handler may act on this resource type in this account and region. Its ownership tags still keep it from updating or deleting anything the stack did not create.`);
  }

  /**
   * Allows the handler to hand a customer managed key to Proton, as AWSProtonFullAccess does:
   * describe it, and create grants only through Proton.
   */
  public allowKeyUse(key: kms.IKey): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:DescribeKey'], resources: [key.keyArn] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:CreateGrant'],
      resources: [key.keyArn],
      conditions: { StringLike: { 'kms:ViaService': `proton.${Stack.of(this).region}.amazonaws.com` } },
    }));
  }

  /**
   * cdk-nag findings on the Provider framework's own resources, which cdk-proton cannot change.
   * The ids are granular (the exact policy or resource), so nothing else is acknowledged with them.
   */
  private acknowledgeFrameworkFindings(provider: cr.Provider, handlers: lambda.Function[]): void {
    const stack = Stack.of(this);
    const invokedByArn = (fn: Construct) => {
      const logicalId = stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
      return `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`;
    };
    const frameworkFunctions = ['framework-isComplete', 'framework-onTimeout'].map((id) => provider.node.findChild(id));
    Validations.of(provider).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The Provider framework creates the roles of its own functions (onEvent, isComplete, onTimeout) with AWSLambdaBasicExecutionRole; it offers no way to scope their logging permissions.',
      },
      ...[...handlers, ...frameworkFunctions].map((fn) => ({
        id: invokedByArn(fn),
        reason: `The Provider framework invokes ${fn.node.id} through lambda:InvokeFunction on its ARN and on \`<arn>:*\` (its versions and aliases): the wildcard covers only that one function.`,
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'The waiter state machine logs at level ALL (AwsSolutions-SF1); Step Functions log delivery actions (logs:CreateLogDelivery, logs:PutResourcePolicy, ...) only support Resource "*".',
      },
      {
        id: 'AwsSolutions-SF2',
        reason: 'The Provider framework does not expose X-Ray tracing for its waiter state machine; each poll is logged at level ALL instead.',
      },
    );
  }
}
