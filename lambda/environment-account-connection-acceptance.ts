import {
  AcceptEnvironmentAccountConnectionCommand,
  EnvironmentAccountConnection,
  EnvironmentAccountConnectionStatus,
  EnvironmentAccountConnectionSummary,
  GetEnvironmentAccountConnectionCommand,
  paginateListEnvironmentAccountConnections,
  RejectEnvironmentAccountConnectionCommand,
} from '@aws-sdk/client-proton';
import { failure } from './engine/errors';
import { log } from './engine/log';
import { getOrUndefined } from './engine/name-keyed-create';
import { PropertyReader } from './engine/properties';
import { ResourceHandler, UpdatePlan, planUpdate } from './engine/resource-handler';
import { CONNECTION_ID_PATTERN } from './environment-account-connection';
import {
  CONNECTION_DECISIONS,
  EnvironmentAccountConnectionAcceptanceData,
  EnvironmentAccountConnectionAcceptanceProperties,
} from '../src/custom-resources/contract';

type Decision = typeof CONNECTION_DECISIONS[number];

/** The connection status each decision leads to. */
const TARGET_STATUS: Record<Decision, string> = { ACCEPT: 'CONNECTED', REJECT: 'REJECTED' };

/** The properties that designate the connection: a change is another connection. */
const DESIGNATION: ReadonlyArray<keyof EnvironmentAccountConnectionAcceptanceProperties> = ['ConnectionId', 'EnvironmentAccountId', 'EnvironmentName'];

const ACCOUNT_ID_PATTERN = /^\d{12}$/;

/**
 * `Custom::ProtonEnvironmentAccountConnectionAcceptance`: the management account's answer to a
 * connection requested by an environment account. The physical id is the connection's id.
 *
 * The connection is named by its id, or by its request: the one PENDING or CONNECTED connection
 * the environment account requested for the environment (so that a management stack needs nothing
 * from the other account but its id and the environment name).
 *
 * Accept and reject are idempotent in Proton; they are called only when the connection is not
 * already in the decided state, and the request completes once Proton reports that state
 * (`CONNECTED` or `REJECTED`). Rejecting is final: Proton refuses to accept a rejected connection.
 *
 * Delete leaves the connection as it is: Proton has no "un-accept", and only the environment
 * account can delete a connection. To revoke an accepted connection from this side, change the
 * decision to REJECT (Proton refuses while an environment uses it).
 */
export class EnvironmentAccountConnectionAcceptanceHandler
  extends ResourceHandler<EnvironmentAccountConnectionAcceptanceProperties, EnvironmentAccountConnectionAcceptanceData> {
  protected parseProperties(reader: PropertyReader): EnvironmentAccountConnectionAcceptanceProperties {
    const type = this.event.ResourceType;
    const decision = reader.requiredOneOf('Decision', CONNECTION_DECISIONS);
    const id = reader.optionalString('ConnectionId');
    const environmentAccountId = reader.optionalString('EnvironmentAccountId');
    const environmentName = reader.optionalString('EnvironmentName');
    const byRequest = environmentAccountId !== undefined || environmentName !== undefined;
    if (id !== undefined && byRequest) {
      throw failure(`${type} names the connection by ConnectionId or by its request (EnvironmentAccountId and EnvironmentName), not both.`);
    }
    if (id !== undefined) {
      if (!CONNECTION_ID_PATTERN.test(id)) {
        throw failure(`${type} property ConnectionId must be an environment account connection id (a lowercase UUID), got '${id}'.`);
      }
      return { ConnectionId: id, Decision: decision };
    }
    if (environmentAccountId === undefined || environmentName === undefined) {
      throw failure(`${type} needs ConnectionId, or EnvironmentAccountId and EnvironmentName together (the request to accept).`);
    }
    if (!ACCOUNT_ID_PATTERN.test(environmentAccountId)) {
      throw failure(`${type} property EnvironmentAccountId must be a 12-digit account id, got '${environmentAccountId}'.`);
    }
    return { EnvironmentAccountId: environmentAccountId, EnvironmentName: environmentName, Decision: decision };
  }

  /** The connection id; a request designates its connection only once it is found (never a physical id). */
  protected identity(props: EnvironmentAccountConnectionAcceptanceProperties): string {
    return props.ConnectionId ?? `request of ${props.EnvironmentAccountId} for ${props.EnvironmentName}`;
  }

  /** Every connection id is ours to "delete": deleting only leaves the connection as it is. */
  protected isOurPhysicalId(physicalId: string): boolean {
    return CONNECTION_ID_PATTERN.test(physicalId);
  }

  protected analyzeUpdate(
    oldProps: EnvironmentAccountConnectionAcceptanceProperties,
    newProps: EnvironmentAccountConnectionAcceptanceProperties,
  ): UpdatePlan {
    const plan = planUpdate(oldProps, newProps, DESIGNATION);
    // Naming the accepted connection by its id instead of its request is the same connection.
    if (plan.kind === 'replacement' && newProps.ConnectionId === this.event.PhysicalResourceId) {
      return { kind: 'in-place', changes: plan.reasons };
    }
    return plan;
  }

  /** Never used: a designation naming the current connection is an in-place update. */
  protected sameIdentityReplacementMessage(id: string, reasons: readonly string[]): string {
    return `Cannot replace the acceptance of environment account connection '${id}': ${reasons.join(', ')} changed.`;
  }

  protected async onCreate(): Promise<string> {
    const id = this.props.ConnectionId ?? await this.findRequested(this.props.EnvironmentAccountId!, this.props.EnvironmentName!);
    await this.decide(id);
    return id;
  }

  protected async onUpdateInPlace(_oldProps: EnvironmentAccountConnectionAcceptanceProperties, id: string): Promise<void> {
    await this.decide(id);
  }

  protected async deleteStep(id: string): Promise<boolean> {
    log('acceptance removed: the connection is left as it is (Proton has no un-accept; only the environment account can delete it)', { physicalId: id });
    return true;
  }

  protected async isCreateComplete(id: string): Promise<EnvironmentAccountConnectionAcceptanceData | undefined> {
    const connection = await this.get(id);
    if (connection === undefined) {
      throw failure(`Proton environment account connection '${id}' disappeared: the environment account deleted it.`);
    }
    const target = TARGET_STATUS[this.props.Decision as Decision];
    if (connection.status === 'PENDING') {
      log('waiting for the environment account connection', { physicalId: id, status: connection.status });
      return undefined;
    }
    if (connection.status !== target) {
      throw failure(`Environment account connection '${id}' is ${connection.status}, expected ${target} after ${this.props.Decision}.`);
    }
    return {
      Id: connection.id!,
      Arn: connection.arn!,
      Status: connection.status!,
      EnvironmentAccountId: connection.environmentAccountId!,
      EnvironmentName: connection.environmentName!,
    };
  }

  private async decide(id: string): Promise<void> {
    const decision = this.props.Decision as Decision;
    const connection = await this.get(id);
    if (connection === undefined) {
      throw failure(`Environment account connection '${id}' was not found in this account and region. The environment account must request it first `
        + '(deploy its EnvironmentAccountConnection before this stack), in this region, naming this account as the management account.');
    }
    if (connection.status === TARGET_STATUS[decision]) {
      log('environment account connection already in the decided state', { physicalId: id, status: connection.status });
      return;
    }
    if (decision === 'ACCEPT' && connection.status === 'REJECTED') {
      throw failure(`Cannot accept environment account connection '${id}': it was rejected, and rejecting is final. `
        + 'The environment account must request a new connection; accept that one instead.');
    }
    try {
      if (decision === 'ACCEPT') {
        await this.proton.send(new AcceptEnvironmentAccountConnectionCommand({ id }));
      } else {
        await this.proton.send(new RejectEnvironmentAccountConnectionCommand({ id }));
      }
      log(`environment account connection ${decision === 'ACCEPT' ? 'accepted' : 'rejected'}`, { physicalId: id });
    } catch (error) {
      throw failure(`Could not ${decision.toLowerCase()} environment account connection '${id}'`, error);
    }
  }

  /**
   * The connection `environmentAccountId` requested for `environmentName`: the one PENDING or
   * CONNECTED; when there is none, the latest REJECTED one is the answer to a REJECT (a replayed
   * request) and final for an ACCEPT.
   */
  private async findRequested(environmentAccountId: string, environmentName: string): Promise<string> {
    const open = await this.requested(environmentName, ['PENDING', 'CONNECTED']);
    const fromAccount = open.filter((c) => c.environmentAccountId === environmentAccountId);
    const request = `the connection environment account ${environmentAccountId} requested for environment '${environmentName}'`;
    if (fromAccount.length === 1) {
      log('found the requested environment account connection', { physicalId: fromAccount[0].id, status: fromAccount[0].status });
      return fromAccount[0].id!;
    }
    if (fromAccount.length > 1) {
      throw failure(`Cannot decide ${request}: there are ${fromAccount.length} (${fromAccount.map((c) => `'${c.id}' ${c.status}`).join(', ')}). `
        + 'Name the connection by its id (connection) instead.');
    }
    const rejected = (await this.requested(environmentName, ['REJECTED'])).filter((c) => c.environmentAccountId === environmentAccountId);
    const latest = rejected[rejected.length - 1];
    if (latest !== undefined && this.props.Decision === 'REJECT') {
      log('the requested environment account connection is already rejected', { physicalId: latest.id, status: latest.status });
      return latest.id!;
    }
    if (latest !== undefined) {
      throw failure(`Cannot accept ${request}: it was rejected ('${latest.id}'), and rejecting is final. `
        + 'The environment account must request a new connection; this stack then accepts that one.');
    }
    const others = [...new Set(open.map((c) => c.environmentAccountId))];
    throw failure(`Found no pending connection requested by environment account ${environmentAccountId} for environment '${environmentName}' in this account and region. `
      + 'The environment account must deploy its EnvironmentAccountConnection first (naming this account as the management account and this environment name, '
      + `in this region): deploy its stack before this one${others.length > 0 ? `. Requests for '${environmentName}' come from account(s) ${others.join(', ')}` : ''}.`);
  }

  /** The connections requested of this (management) account for `environmentName`, oldest first. */
  private async requested(environmentName: string, statuses: EnvironmentAccountConnectionStatus[]): Promise<EnvironmentAccountConnectionSummary[]> {
    const found: EnvironmentAccountConnectionSummary[] = [];
    try {
      const pages = paginateListEnvironmentAccountConnections({ client: this.proton }, { requestedBy: 'MANAGEMENT_ACCOUNT', environmentName, statuses });
      for await (const page of pages) found.push(...(page.environmentAccountConnections ?? []));
    } catch (error) {
      throw failure(`Could not list the environment account connections requested for environment '${environmentName}'`, error);
    }
    return found.sort((a, b) => (a.requestedAt?.getTime() ?? 0) - (b.requestedAt?.getTime() ?? 0));
  }

  private get(id: string): Promise<EnvironmentAccountConnection | undefined> {
    return getOrUndefined(async () => (await this.proton.send(new GetEnvironmentAccountConnectionCommand({ id }))).environmentAccountConnection!);
  }
}
