/**
 * The deployed Lambda functions: a stand-in `AWS::Lambda::Function` becomes runnable code, loaded
 * the way Lambda loads it — the S3 object its Code names (which must have been published), the
 * asset directory it came from in the cloud assembly, its Handler, Timeout, MemorySize and
 * Environment, plus the runtime's own variables, the local endpoint and credentials: with IAM
 * (an emulator that authorizes), those of a session of the function's role, whose effective
 * policies the emulator is told before each invocation (identities.ts); without, or for a role the
 * runner did not deploy, dummy credentials of the function's account (the account its ARN names).
 */
import { createHash } from 'crypto';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishedAsset, s3Client } from './assets';
import type { RunnerClock } from './clock';
import { ResourceRecord } from './custom-resource';
import { IdentityControl, rolePolicies, SessionCredentials, sessionArn, sessionCredentials } from './identities';
import { InvokeResult, LambdaContainer, LogSink } from './lambda-container';
import { AccountTargets } from './target';

/** The `AWS::Lambda::Function` properties the runner reads (resolved). */
export interface LambdaFunctionProperties {
  readonly Code?: { readonly S3Bucket?: string; readonly S3Key?: string };
  readonly Handler?: string;
  readonly Runtime?: string;
  readonly Timeout?: number;
  readonly MemorySize?: number;
  readonly Role?: string;
  readonly Environment?: { readonly Variables?: Record<string, unknown> };
}

export interface LambdaFunctionRecord {
  readonly physicalId: string;
  readonly arn: string;
  readonly properties: LambdaFunctionProperties;
}

export class FunctionRegistry {
  private readonly assets = new Map<string, PublishedAsset>();
  private readonly containers = new Map<string, { fingerprint: string; container: LambdaContainer }>();
  private readonly s3 = new Map<string, S3Client>();

  /**
   * @param iam where the functions' identities are registered (undefined: functions call with
   *   their account's credentials and nothing is authorized)
   * @param note runner notes (e.g. a managed policy the runner does not know)
   */
  constructor(
    private readonly targets: AccountTargets,
    private readonly log: LogSink,
    private readonly iam?: IdentityControl,
    private readonly note: (message: string) => void = () => undefined,
  ) {}

  /**
   * Invokes a deployed function; with IAM, first tells the emulator what its role's policies are
   * now (`resources`: every deployed resource, the function's own stack's first).
   */
  public async invoke(fn: LambdaFunctionRecord, event: unknown, resources: readonly ResourceRecord[], clock?: RunnerClock): Promise<InvokeResult> {
    const session = await this.registerSession(fn, resources);
    return this.container(fn, session).invoke(event, clock);
  }

  /**
   * Registers the identity of a session of `roleArn` (named `sessionName`) with its effective
   * policies as deployed, and returns its credentials; undefined without IAM or for a role the
   * runner did not deploy.
   */
  public async assumeRole(roleArn: string, sessionName: string, resources: readonly ResourceRecord[]): Promise<SessionCredentials | undefined> {
    if (this.iam === undefined) return undefined;
    const role = rolePolicies(roleArn, resources, this.note);
    if (role === undefined) return undefined;
    const principalArn = sessionArn(roleArn, role.roleName, sessionName);
    const credentials = sessionCredentials(principalArn);
    await this.iam.setIdentity(credentials.accessKeyId, { principalArn, accountId: roleArn.split(':')[4], policies: role.policies });
    return credentials;
  }

  private async registerSession(fn: LambdaFunctionRecord, resources: readonly ResourceRecord[]): Promise<SessionCredentials | undefined> {
    const roleArn = fn.properties.Role;
    if (roleArn === undefined) return undefined;
    const session = await this.assumeRole(roleArn, fn.physicalId, resources);
    if (session === undefined && this.iam !== undefined) this.note(`function ${fn.physicalId}: its role ${roleArn} was not deployed by the local runner, so its calls are not authorized`);
    return session;
  }

  /** Makes published assets known as function code. */
  public addAssets(assets: readonly PublishedAsset[]): void {
    for (const asset of assets) this.assets.set(`${asset.bucket}/${asset.key}`, asset);
  }

  /**
   * Checks that the function's code can be loaded, as Lambda's CreateFunction/UpdateFunctionCode
   * does (the S3 object exists). Throws with Lambda's message otherwise.
   */
  public async validateCode(fn: LambdaFunctionRecord): Promise<void> {
    const code = fn.properties.Code ?? {};
    if (code.S3Bucket === undefined) return;
    try {
      await this.s3Of(fn).send(new HeadObjectCommand({ Bucket: code.S3Bucket, Key: code.S3Key }));
    } catch (e) {
      throw new Error(
        `Error occurred while GetObject. S3 Error Code: ${(e as Error).name}. S3 Error Message: s3://${code.S3Bucket}/${code.S3Key} could not be read.`,
      );
    }
  }

  /** The (warm) container of a deployed function; a changed configuration (or identity) gets a fresh one. */
  public container(fn: LambdaFunctionRecord, session?: SessionCredentials): LambdaContainer {
    const fingerprint = createHash('sha256').update(JSON.stringify([fn.properties, session?.accessKeyId])).digest('hex');
    const existing = this.containers.get(fn.arn);
    if (existing?.fingerprint === fingerprint) return existing.container;
    existing?.container.stop();
    const container = new LambdaContainer(
      {
        functionName: fn.physicalId,
        functionArn: fn.arn,
        codeDirectory: this.codeDirectory(fn),
        handler: String(fn.properties.Handler),
        timeoutSeconds: Number(fn.properties.Timeout ?? 3),
        memorySize: Number(fn.properties.MemorySize ?? 128),
        environment: this.environment(fn, session),
      },
      this.log,
    );
    this.containers.set(fn.arn, { fingerprint, container });
    return container;
  }

  /** Stops the container of a deleted function. */
  public remove(arn: string): void {
    this.containers.get(arn)?.container.stop();
    this.containers.delete(arn);
  }

  public stopAll(): void {
    for (const { container } of this.containers.values()) container.stop();
    this.containers.clear();
    for (const client of this.s3.values()) client.destroy();
    this.s3.clear();
  }

  /** An S3 client of the function's account. */
  private s3Of(fn: LambdaFunctionRecord): S3Client {
    const target = this.targets.ofArn(fn.arn);
    let client = this.s3.get(target.accountId);
    if (!client) {
      client = s3Client(target);
      this.s3.set(target.accountId, client);
    }
    return client;
  }

  private codeDirectory(fn: LambdaFunctionRecord): string {
    const code = fn.properties.Code ?? {};
    const asset = this.assets.get(`${code.S3Bucket}/${code.S3Key}`);
    if (!asset) {
      throw new Error(
        `Function ${fn.physicalId}: its code s3://${code.S3Bucket}/${code.S3Key} is not a file asset of the deployed assembly (inline ZipFile code is not supported by the local runner).`,
      );
    }
    if (asset.packaging !== 'zip') {
      throw new Error(`Function ${fn.physicalId}: its code asset ${asset.sourcePath} is a single file; the local runner runs directory (zip) assets.`);
    }
    return asset.sourcePath;
  }

  private environment(fn: LambdaFunctionRecord, session: SessionCredentials | undefined): Record<string, string> {
    const variables = fn.properties.Environment?.Variables ?? {};
    const name = fn.physicalId;
    const target = this.targets.ofArn(fn.arn);
    return {
      ...Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      TZ: 'UTC',
      LANG: 'en_US.UTF-8',
      _HANDLER: String(fn.properties.Handler),
      LAMBDA_TASK_ROOT: this.codeDirectory(fn),
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.properties.Runtime ?? 'nodejs'}`,
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.properties.MemorySize ?? 128),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${createHash('sha256').update(name).digest('hex').slice(0, 32)}`,
      AWS_REGION: target.region,
      AWS_DEFAULT_REGION: target.region,
      AWS_ACCESS_KEY_ID: session?.accessKeyId ?? target.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: session?.secretAccessKey ?? target.credentials.secretAccessKey,
      ...(session ? { AWS_SESSION_TOKEN: session.sessionToken } : {}),
      AWS_ENDPOINT_URL_PROTON: target.endpoint,
      AWS_ENDPOINT_URL_S3: target.endpoint,
    };
  }
}
