import {
  CreateEnvironmentAccountConnectionCommand,
  DeleteEnvironmentAccountConnectionCommand,
  EnvironmentAccountConnection,
  GetEnvironmentAccountConnectionCommand,
  UpdateEnvironmentAccountConnectionCommand,
  paginateListEnvironmentAccountConnections,
} from '@aws-sdk/client-proton';
import { clientToken } from './engine/client-token';
import { failure, isProtonError } from './engine/errors';
import { log } from './engine/log';
import { getOrUndefined } from './engine/name-keyed-create';
import { PropertyReader } from './engine/properties';
import { ResourceHandler, UpdatePlan, planUpdate } from './engine/resource-handler';
import { assertCustomerTags, isOwnedBy, listTags, ownershipTags, syncCustomerTags, toProtonTags } from './engine/tags';
import { EnvironmentAccountConnectionData, EnvironmentAccountConnectionProperties } from '../src/custom-resources/contract';

/** Proton's `EnvironmentAccountConnectionId`: a lowercase UUID. */
export const CONNECTION_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A new management account or environment name is a new connection. */
const IMMUTABLE: ReadonlyArray<keyof EnvironmentAccountConnectionProperties> = ['ManagementAccountId', 'EnvironmentName'];

const ROLES = [
  { prop: 'RoleArn', member: 'roleArn' },
  { prop: 'ComponentRoleArn', member: 'componentRoleArn' },
  { prop: 'CodebuildRoleArn', member: 'codebuildRoleArn' },
] as const;

/** `Data` of a connection, read from Proton. */
export function connectionData(c: EnvironmentAccountConnection): EnvironmentAccountConnectionData {
  return { Id: c.id!, Arn: c.arn!, Status: c.status! };
}

/**
 * `Custom::ProtonEnvironmentAccountConnection`: the environment account's request to be managed
 * by a management account, for one environment. The physical id is the connection's id.
 *
 * Create passes a client token derived from the CloudFormation request, so a replayed request
 * returns the same connection. A retry under a new request (Proton answers Conflict: the
 * environment already has a connection) adopts the connection only if it carries this resource's
 * ownership tags. Role changes are applied in place; the connection is complete once requested
 * (PENDING) — the management account accepts it in its own stack.
 */
export class EnvironmentAccountConnectionHandler extends ResourceHandler<EnvironmentAccountConnectionProperties, EnvironmentAccountConnectionData> {
  protected parseProperties(reader: PropertyReader): EnvironmentAccountConnectionProperties {
    const props = {
      ManagementAccountId: reader.requiredString('ManagementAccountId'),
      EnvironmentName: reader.requiredString('EnvironmentName'),
      RoleArn: reader.optionalString('RoleArn'),
      ComponentRoleArn: reader.optionalString('ComponentRoleArn'),
      CodebuildRoleArn: reader.optionalString('CodebuildRoleArn'),
      Tags: reader.optionalStringMap('Tags'),
    };
    if (props.RoleArn === undefined && props.CodebuildRoleArn === undefined) {
      throw failure(`${this.event.ResourceType} needs RoleArn or CodebuildRoleArn (or both): Proton provisions the environment with one of them.`);
    }
    return props;
  }

  /**
   * The connection's key in Proton (`<management account>/<environment>`): never equal to a
   * physical id (a UUID), so a replacement always creates a new connection — which Proton accepts,
   * since a replacement changes the management account or the environment name.
   */
  protected identity(props: EnvironmentAccountConnectionProperties): string {
    return `${props.ManagementAccountId}/${props.EnvironmentName}`;
  }

  protected isOurPhysicalId(physicalId: string): boolean {
    return CONNECTION_ID_PATTERN.test(physicalId);
  }

  protected analyzeUpdate(oldProps: EnvironmentAccountConnectionProperties, newProps: EnvironmentAccountConnectionProperties): UpdatePlan {
    return planUpdate(oldProps, newProps, IMMUTABLE);
  }

  /** Never used: `identity()` is never a physical id, so a replacement always gets a new connection. */
  protected sameIdentityReplacementMessage(id: string, reasons: readonly string[]): string {
    return `Cannot replace environment account connection '${id}': ${reasons.join(', ')} changed.`;
  }

  protected async onCreate(): Promise<string> {
    const props = this.props;
    assertCustomerTags(props.Tags ?? {});
    try {
      const response = await this.proton.send(new CreateEnvironmentAccountConnectionCommand({
        clientToken: clientToken(this.event, 'create'),
        managementAccountId: props.ManagementAccountId,
        environmentName: props.EnvironmentName,
        roleArn: props.RoleArn,
        componentRoleArn: props.ComponentRoleArn,
        codebuildRoleArn: props.CodebuildRoleArn,
        tags: toProtonTags({ ...props.Tags, ...ownershipTags(this.event) }),
      }));
      const connection = response.environmentAccountConnection!;
      log('requested environment account connection', { physicalId: connection.id, arn: connection.arn, status: connection.status });
      return connection.id!;
    } catch (error) {
      if (!isProtonError(error, 'ConflictException')) {
        throw failure(`Could not request an environment account connection for environment '${props.EnvironmentName}' of management account ${props.ManagementAccountId}`, error);
      }
      return this.adoptOrRefuse(error);
    }
  }

  protected async onUpdateInPlace(oldProps: EnvironmentAccountConnectionProperties, id: string): Promise<void> {
    const connection = await this.get(id);
    if (connection === undefined) {
      throw failure(`Proton environment account connection '${id}' no longer exists; it was deleted outside CloudFormation. `
        + 'Remove the EnvironmentAccountConnection from the stack and add it again to request a new one.');
    }
    const removed = ROLES.filter(({ prop }) => oldProps[prop] !== undefined && this.props[prop] === undefined).map(({ prop }) => prop);
    if (removed.length > 0) {
      throw failure(`Cannot remove ${removed.join(', ')} from environment account connection '${id}': Proton can replace a role of a connection but not remove it. `
        + 'Fix: give another role instead; or delete the connection (remove it from the stack) and request a new one.');
    }
    const changes = Object.fromEntries(ROLES
      .filter(({ prop, member }) => this.props[prop] !== undefined && this.props[prop] !== connection[member])
      .map(({ prop, member }) => [member, this.props[prop]]));
    if (Object.keys(changes).length > 0) {
      try {
        await this.proton.send(new UpdateEnvironmentAccountConnectionCommand({ id, ...changes }));
      } catch (error) {
        throw failure(`Could not update the roles of environment account connection '${id}'`, error);
      }
      log('updated environment account connection roles', { physicalId: id, reasons: Object.keys(changes) });
    }
    await syncCustomerTags(this.proton, connection.arn!, await listTags(this.proton, connection.arn!), this.props.Tags ?? {});
  }

  /** Only the environment account can delete a connection: this side. Synchronous; already gone = success. */
  protected async deleteStep(id: string): Promise<boolean> {
    try {
      await this.proton.send(new DeleteEnvironmentAccountConnectionCommand({ id }));
      log('deleted environment account connection', { physicalId: id });
    } catch (error) {
      if (!isProtonError(error, 'ResourceNotFoundException')) throw failure(`Could not delete environment account connection '${id}'`, error);
      log('environment account connection already gone', { physicalId: id });
    }
    return true;
  }

  protected async isCreateComplete(id: string): Promise<EnvironmentAccountConnectionData> {
    const connection = await this.get(id);
    if (connection === undefined) {
      throw failure(`Proton environment account connection '${id}' disappeared right after it was written: it was deleted outside CloudFormation.`);
    }
    return connectionData(connection);
  }

  private get(id: string): Promise<EnvironmentAccountConnection | undefined> {
    return getOrUndefined(async () => (await this.proton.send(new GetEnvironmentAccountConnectionCommand({ id }))).environmentAccountConnection!);
  }

  /**
   * The environment already has a live connection to this management account. It is this
   * resource's own (a create retried under a new request, after a crash) when it carries its
   * ownership tags: adopt it, bringing its roles and tags up to date. Otherwise refuse.
   */
  private async adoptOrRefuse(conflict: unknown): Promise<string> {
    const props = this.props;
    const paginator = paginateListEnvironmentAccountConnections({ client: this.proton }, {
      requestedBy: 'ENVIRONMENT_ACCOUNT',
      environmentName: props.EnvironmentName,
      statuses: ['PENDING', 'CONNECTED'],
    });
    for await (const page of paginator) {
      for (const summary of page.environmentAccountConnections ?? []) {
        if (summary.managementAccountId !== props.ManagementAccountId) {
          continue;
        }
        if (!isOwnedBy(await listTags(this.proton, summary.arn!), this.event)) {
          break;
        }
        log('adopting environment account connection created earlier by this resource', { physicalId: summary.id, arn: summary.arn });
        await this.onUpdateInPlace(props, summary.id!);
        return summary.id!;
      }
    }
    throw failure(`Environment '${props.EnvironmentName}' already has an environment account connection to management account ${props.ManagementAccountId}, `
      + `not created by resource ${this.event.LogicalResourceId} of this stack. Proton allows one per environment: delete the existing connection `
      + '(aws proton delete-environment-account-connection, from this account) or use another environment name', conflict);
  }
}
