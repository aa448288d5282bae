import {
  AcceptEnvironmentAccountConnectionCommand,
  EnvironmentAccountConnection,
  GetEnvironmentAccountConnectionCommand,
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

/**
 * `Custom::ProtonEnvironmentAccountConnectionAcceptance`: the management account's answer to a
 * connection requested by an environment account. The physical id is the connection's id.
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
    const id = reader.requiredString('ConnectionId');
    if (!CONNECTION_ID_PATTERN.test(id)) {
      throw failure(`${this.event.ResourceType} property ConnectionId must be an environment account connection id (a lowercase UUID), got '${id}'.`);
    }
    return { ConnectionId: id, Decision: reader.requiredOneOf('Decision', CONNECTION_DECISIONS) };
  }

  protected identity(props: EnvironmentAccountConnectionAcceptanceProperties): string {
    return props.ConnectionId;
  }

  protected analyzeUpdate(
    oldProps: EnvironmentAccountConnectionAcceptanceProperties,
    newProps: EnvironmentAccountConnectionAcceptanceProperties,
  ): UpdatePlan {
    return planUpdate(oldProps, newProps, ['ConnectionId']);
  }

  /** Never used: the only immutable property is the identity itself. */
  protected sameIdentityReplacementMessage(id: string, reasons: readonly string[]): string {
    return `Cannot replace the acceptance of environment account connection '${id}': ${reasons.join(', ')} changed.`;
  }

  protected async onCreate(): Promise<string> {
    await this.decide(this.props.ConnectionId);
    return this.props.ConnectionId;
  }

  protected async onUpdateInPlace(_oldProps: EnvironmentAccountConnectionAcceptanceProperties, id: string): Promise<void> {
    await this.decide(id);
  }

  protected async onDeleteOwned(id: string): Promise<void> {
    log('acceptance removed: the connection is left as it is (Proton has no un-accept; only the environment account can delete it)', { physicalId: id });
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

  private get(id: string): Promise<EnvironmentAccountConnection | undefined> {
    return getOrUndefined(async () => (await this.proton.send(new GetEnvironmentAccountConnectionCommand({ id }))).environmentAccountConnection!);
  }
}
