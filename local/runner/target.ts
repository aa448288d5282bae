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
