/**
 * The L2 mechanics every cdk-proton construct shares, written once:
 * - {@link ProtonResourceBase}: the resource's kind and ARN, from which its events and its grants
 *   follow; owned constructs and imports both extend it;
 * - {@link ProtonCustomResource}: the custom resource of an owned construct, with its properties
 *   and `Data` attributes typed by the contract of its resource type, the reserved-tag check,
 *   the output-key check and the app-wide duplicate-name check.
 *
 * Not exported from the package: jsii copies the members of these bases into each public class.
 */
import { CustomResource, Lazy, RemovalPolicy, Resource, Stack, Stage, TagManager, TagType, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import { usesCloudFormationBackend, warnOmitted } from './cfn-backend/backend';
import { OperationUse, PermissionTargets, ProtonArnType, grantProton } from './permissions';
import { OUTPUT_ATTRIBUTE_PREFIX, ProtonContract, ProtonResourceTypeName } from '../custom-resources/contract';
import { ProtonProvider } from '../custom-resources/proton-provider';

/** What the shared mechanics know about one kind of Proton resource. */
export interface ProtonKind {
  /** How messages name the kind, e.g. `environment template`. */
  readonly description: string;
  /** The custom resource type. */
  readonly resourceType: ProtonResourceTypeName;
  /** The resource type of its ARN, e.g. `environment-template`. */
  readonly arnResourceType: string;
  /**
   * The EventBridge `detail-type` of its status changes, e.g. `AWS Proton Environment Status Change`
   * (https://docs.aws.amazon.com/proton/latest/userguide/event-bridge.html). Absent: Proton sends no
   * events for the kind.
   */
  readonly statusChangeDetailType?: string;
}

/** EventBridge `source` of Proton's events. */
export const PROTON_EVENT_SOURCE = 'aws.proton';

/**
 * `detail-type` of the deployment events (listed in the EventBridge reference of Proton,
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-proton.html, without their fields).
 */
export const DEPLOYMENT_STATUS_CHANGE_DETAIL_TYPE = 'AWS Proton Deployment Status Change';

/** Type marks for `isXxx` checks that work across duplicate copies of the package (unlike `instanceof`). */
export function markAs(target: object, kind: string): void {
  Object.defineProperty(target, Symbol.for(`cdk-proton.${kind}`), { value: true });
}

/** Whether `x` was marked as `kind` (by any copy of this package). */
export function isMarked(x: unknown, kind: string): boolean {
  return typeof x === 'object' && x !== null && Symbol.for(`cdk-proton.${kind}`) in x;
}

/**
 * A Proton resource, owned or imported: it knows its kind and its ARN, so its events are one call.
 * Proton matches an event to a resource by its ARN in the event's `resources` (the examples of the
 * user guide's EventBridge page carry exactly that ARN).
 *
 * @internal
 */
export abstract class ProtonResourceBase extends Resource {
  /** @internal The kind of resource. */
  public abstract readonly _kind: ProtonKind;
  /** @internal The ARN Proton's events about this resource carry in `resources`. */
  protected abstract get _eventResourceArn(): string;

  /**
   * A rule for every AWS Proton event about this resource (source `aws.proton`, the resource's ARN
   * in `resources`).
   *
   * @param id the rule's construct id
   * @param options the rule's target, name, description and further event pattern
   */
  public onEvent(id: string, options: events.OnEventOptions = {}): events.Rule {
    const rule = new events.Rule(this, id, options);
    rule.addEventPattern({ source: [PROTON_EVENT_SOURCE], resources: [this._eventResourceArn] });
    rule.addTarget(options.target);
    return rule;
  }

  /**
   * A rule for the status changes of this resource (`detail.status`, `detail.previousStatus`;
   * `DELETED` when it is deleted).
   *
   * @param id the rule's construct id
   * @param options the rule's target, name, description and further event pattern
   */
  public onStatusChange(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this._onDetailType(id, options, this._kind.statusChangeDetailType!);
  }

  /** @internal A rule for the events of one detail type about this resource. */
  protected _onDetailType(id: string, options: events.OnEventOptions, detailType: string): events.Rule {
    const rule = this.onEvent(id, options);
    rule.addEventPattern({ detailType: [detailType] });
    return rule;
  }

  /**
   * @internal What IAM authorizes this resource's actions on, by the permissions table's targets
   * (`src/private/permissions.ts`): its ARN, as the resource type of its kind's ARN. Kinds whose
   * actions also name other resources (a service instance's service, a template's versions) add them.
   */
  protected get _grantTargets(): PermissionTargets {
    return { [this._kind.arnResourceType as ProtonArnType]: [this._eventResourceArn] };
  }

  /** @internal Grants `grantee` the operations `uses` (a row of the permissions table's `GRANTS`) on this resource. */
  protected _grant(grantee: iam.IGrantable, uses: readonly OperationUse[]): iam.Grant {
    return grantProton(grantee, uses, this._grantTargets);
  }
}

/**
 * A Proton resource that Proton deploys (an environment, a service, its instances and pipeline, a component).
 *
 * @internal
 */
export abstract class ProtonDeployedResourceBase extends ProtonResourceBase {
  /**
   * A rule for the deployments of this resource (`AWS Proton Deployment Status Change` events
   * naming the resource's ARN).
   *
   * @param id the rule's construct id
   * @param options the rule's target, name, description and further event pattern
   */
  public onDeploymentStatusChange(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this._onDetailType(id, options, DEPLOYMENT_STATUS_CHANGE_DETAIL_TYPE);
  }
}

/** How an owned construct's custom resource is declared. */
export interface ProtonCustomResourceOptions<T extends ProtonResourceTypeName> {
  readonly kind: ProtonKind & { readonly resourceType: T };
  /** The `ResourceProperties` the handler receives for this resource type. */
  readonly properties: ProtonContract[T]['properties'];
  /** @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The resource's tags (`tags` of the construct): rendered into the `Tags` property, and checked
   * for reserved prefixes once the app is built.
   */
  readonly tags?: TagManager;
  /**
   * The Proton identity, unique in an account and region, of what the resource creates: a second
   * construct of the app declaring the same identity fails synthesis. Unresolved names are not checked.
   */
  readonly identity?: ProtonIdentity;
  /**
   * What the stack's handler may act on for this resource (the permissions table's targets), and
   * the KMS keys it lets Proton use on the caller's behalf. Granted only where the resource is
   * deployed through the handler (not on the cloudformation backend).
   * @default - nothing granted here (the construct grants it)
   */
  readonly handlerAccess?: { readonly targets: PermissionTargets; readonly keys?: ReadonlyArray<kms.IKey | undefined> };
}

/** What makes a Proton resource unique in its account and region. */
export interface ProtonIdentity {
  /** The name (or `service/instance`), as known at synth. */
  readonly name: string;
  /** The property holding it, for the message, e.g. `environmentName`. */
  readonly property: string;
  /** How a construct of the app may refer to the existing resource instead, e.g. `Environment.fromEnvironmentName`. */
  readonly importWith: string;
  /** The message for a duplicate, instead of the standard one (`first`: the first construct's path; `where`: account and region). */
  readonly duplicateMessage?: (first: string, where: string) => string;
}

/** Tag key prefixes reserved for AWS and for cdk-proton's ownership tags. */
export const RESERVED_TAG_PREFIXES = ['aws:', 'cdk-proton:'];

/** Output keys as Proton names them (CloudFormation outputs, Terraform outputs). */
const OUTPUT_KEY = /^[A-Za-z0-9_.-]{1,1024}$/;

/**
 * The custom resource of an owned construct (always the construct's `Resource` child, so logical
 * ids stay stable), created through the stack's provider.
 *
 * @typeParam T the resource type: it types the properties and the attribute names (`Data` keys)
 */
export class ProtonCustomResource<T extends ProtonResourceTypeName> {
  /** The custom resource (an empty construct where the cloudformation backend omits the resource). */
  public readonly resource: IConstruct;
  /** Set where the cloudformation backend omits the resource: its attributes have no value. */
  private readonly omitted?: ProtonKind;

  constructor(private readonly scope: IConstruct, options: ProtonCustomResourceOptions<T>) {
    const kind = options.kind;
    if (usesCloudFormationBackend(scope)) {
      // Reached only by the Proton-only kinds (the others deploy as nested stacks, or as nothing, in that backend): omitted.
      warnOmitted(scope, kind.description);
      this.resource = new Construct(scope, 'Resource');
      this.omitted = kind;
      return;
    }
    const provider = ProtonProvider.getOrCreate(scope);
    if (options.handlerAccess) {
      provider.allowHandler(scope, kind.resourceType, options.handlerAccess.targets);
      options.handlerAccess.keys?.forEach((key) => key && provider.allowKeyUse(key));
    }
    this.resource = new CustomResource(scope, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: kind.resourceType,
      // The tags are rendered at synth from the TagManager (Tags.of(...) included).
      properties: { ...options.properties, ...options.tags && { Tags: options.tags.renderedTags } },
      serviceTimeout: ProtonProvider.SERVICE_TIMEOUT,
      removalPolicy: options.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    const tags = options.tags;
    if (tags) {
      scope.node.addValidation({ validate: () => reservedTagErrors(tags, `${kind.description} '${scope.node.path}'`) });
    }
    if (options.identity) {
      registerIdentity(scope, kind, options.identity);
    }
  }

  /** The `Fn::GetAtt` of a key of the resource type's `Data`. */
  public attr(key: keyof ProtonContract[T]['data'] & string): string {
    return this.attribute(key);
  }

  /**
   * An output the app reads, as a token: checks the key and records it in `requested` (only
   * requested outputs travel back through the custom resource).
   *
   * @param key the output's name
   * @param requested the keys requested so far (the construct's `Outputs` property renders them)
   * @param attributeKey the `Data` key of the output, after `Output.`
   * @param example an output name for the message
   */
  public output(key: string, requested: Set<string>, attributeKey: string = key, example: string = 'Url'): string {
    checkOutputKey(key, example);
    requested.add(attributeKey);
    return this.attribute(`${OUTPUT_ATTRIBUTE_PREFIX}${attributeKey}`);
  }

  /** A resource attribute outside the typed `Data` keys (e.g. prefixed outputs). */
  public rawAttr(name: string): string {
    return this.attribute(name);
  }

  private attribute(name: string): string {
    const omitted = this.omitted;
    if (omitted) {
      // Known only if used: an attribute that reaches the template fails synth.
      return Lazy.string({
        produce: () => {
          throw new Error(`The ${omitted.description} '${this.scope.node.path}' is omitted by the cloudformation backend (Proton-only), `
            + `so its attribute ${name} has no value. Do not use it in stacks on the cloudformation backend.`);
        },
      });
    }
    return (this.resource as CustomResource).getAttString(name);
  }

  /** The construct the resource belongs to. */
  public get owner(): IConstruct {
    return this.scope;
  }
}

/**
 * Checks an output name given to `getOutput`.
 * @param example an output name for the message
 * @param source what declares the outputs, for the message
 */
export function checkOutputKey(key: string, example: string, source: string = 'the template'): void {
  if (Token.isUnresolved(key) || !OUTPUT_KEY.test(key)) {
    throw new Error(`getOutput: '${key}' is not an output name: give the literal name of an output of ${source} `
      + `(letters, digits, '_', '.', '-'), e.g. '${example}'.`);
  }
}

/** The errors (none or one) for tags of `tags` that use a reserved prefix. */
export function reservedTagErrors(tags: TagManager, what: string): string[] {
  const reserved = Object.keys(tags.tagValues()).filter((key) => RESERVED_TAG_PREFIXES.some((prefix) => key.startsWith(prefix)));
  return reserved.length === 0 ? [] : [
    `Tag key(s) ${reserved.join(', ')} of ${what} use a reserved prefix (${RESERVED_TAG_PREFIXES.join(', ')}): `
    + 'AWS and cdk-proton\'s ownership tags use them. Rename these tags.',
  ];
}

/** An imported resource of a kind whose interface has only attributes (see importResource). */
class ImportedResource extends Resource {}

/**
 * An imported resource of `arn` (its account and region are the ARN's) carrying `attributes`,
 * e.g. `{ repositoryName, repositoryArn }`: what a `fromXxx` importer returns for a kind whose
 * interface has no methods of its own.
 */
export function importResource<T extends object>(scope: Construct, id: string, arn: string, attributes: T): T & Resource {
  return Object.assign(new ImportedResource(scope, id, { environmentFromArn: arn }), attributes);
}

/** A tag manager of a Proton resource (a map of tags, rendered into the `Tags` property). */
export function protonTags(kind: ProtonKind): TagManager {
  return new TagManager(TagType.MAP, kind.resourceType);
}

/** The identities declared so far, per cloud assembly: `kind|account|region|name` → the declaring construct. */
const IDENTITIES = new WeakMap<IConstruct, Map<string, IConstruct>>();

/**
 * Records that `scope` declares a Proton resource of `kind` named `identity.name` in its stack's
 * account and region, and throws when another construct of the app already declares it: Proton
 * names are unique per account and region, so the second create would fail at deploy time (or
 * adopt nothing: its ownership tags are another resource's).
 *
 * Two environment-agnostic stacks may deploy to different accounts, so each such stack is its
 * own namespace; within one stack, account and region are always the same.
 */
export function registerIdentity(scope: IConstruct, kind: ProtonKind, identity: ProtonIdentity): void {
  if (Token.isUnresolved(identity.name)) {
    return;
  }
  const stack = Stack.of(scope);
  const where = Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)
    ? `stack ${stack.node.path}`
    : `account ${stack.account} in ${stack.region}`;
  const assembly = Stage.of(scope) ?? scope.node.root;
  let declared = IDENTITIES.get(assembly);
  if (declared === undefined) {
    declared = new Map();
    IDENTITIES.set(assembly, declared);
  }
  const key = JSON.stringify([kind.resourceType, where, identity.name]);
  const first = declared.get(key);
  if (first !== undefined && first !== scope && identity.duplicateMessage) {
    throw new Error(identity.duplicateMessage(first.node.path, where));
  }
  if (first !== undefined && first !== scope) {
    throw new Error(`'${scope.node.path}' and '${first.node.path}' both declare the ${kind.description} '${identity.name}' (${where}): `
      + 'Proton names are unique per account and region, so the second create would fail at deploy time. Give one of them another '
      + `${identity.property}, or declare the resource once and refer to it elsewhere (pass the construct, or ${identity.importWith}).`);
  }
  declared.set(key, scope);
}
