/**
 * Where the runner deploys: the local endpoint (Proton + S3), and the account and region the
 * stacks, the handlers' requests and the stand-in ARNs belong to.
 */
export interface AwsTarget {
  readonly endpoint: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly urlSuffix: string;
  /**
   * Dummy credentials. The access key id is the 12-digit account id, which the emulator reads as
   * the caller's account.
   */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export function localTarget(endpoint: string, accountId: string, region: string): AwsTarget {
  return {
    endpoint,
    accountId,
    region,
    partition: 'aws',
    urlSuffix: 'amazonaws.com',
    credentials: { accessKeyId: accountId, secretAccessKey: 'local-runner-secret' },
  };
}

/**
 * The targets of one endpoint and region, one per account: each stack is deployed, and each
 * function runs, with the credentials of its own account.
 */
export class AccountTargets {
  private readonly byAccount = new Map<string, AwsTarget>();

  constructor(public readonly endpoint: string, public readonly defaultAccountId: string, public readonly region: string) {}

  /** The runner's own account (env-agnostic stacks deploy there). */
  public get default(): AwsTarget {
    return this.of(this.defaultAccountId);
  }

  /** The target of `accountId` (undefined: the default account). */
  public of(accountId: string | undefined): AwsTarget {
    const account = accountId ?? this.defaultAccountId;
    let target = this.byAccount.get(account);
    if (!target) {
      target = localTarget(this.endpoint, account, this.region);
      this.byAccount.set(account, target);
    }
    return target;
  }

  /** The target of the account an ARN names (`arn:<partition>:<service>:<region>:<account>:...`). */
  public ofArn(arn: string): AwsTarget {
    return this.of(arn.split(':')[4]);
  }
}
