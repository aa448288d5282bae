import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ProtonProvider } from '../custom-resources/proton-provider';

/**
 * Options of the Lambda functions (and their logs) that carry out the cdk-proton custom resources
 * of one stack: give them with `ProtonHandler.configure` before the stack's first Proton resource.
 */
export interface ProtonHandlerOptions {
  /**
   * How long the handler logs (and the waiter state machine's) are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log groups when the stack is deleted (or the provider removed).
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * Memory of the `onEvent` and `isComplete` handler functions, in MiB.
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * The VPC to run every function of the provider in (handlers and framework). The subnets need a
   * route to the Proton API: a NAT gateway, or a `com.amazonaws.<region>.proton` interface endpoint
   * (and one for Step Functions and Lambda, which the framework calls).
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The subnets of `vpc` the functions run in.
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The security groups of the functions (with `vpc`).
   * @default - a dedicated security group allowing all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * A permissions boundary for every role of the provider (the handler role and the framework's).
   * @default - no permissions boundary
   */
  readonly permissionsBoundary?: iam.IManagedPolicy;

  /**
   * X-Ray tracing of the `onEvent` and `isComplete` handler functions (the framework's functions
   * and waiter state machine cannot be traced).
   * @default lambda.Tracing.DISABLED
   */
  readonly tracing?: lambda.Tracing;

  /**
   * Environment variables of the `onEvent` and `isComplete` handler functions, e.g.
   * `AWS_ENDPOINT_URL_PROTON` for a Proton-compatible endpoint (the SDK's standard variable).
   * @default - none
   */
  readonly environment?: { [key: string]: string };
}

/**
 * The Lambda functions that carry out the cdk-proton custom resources: one set per stack, shared
 * by all its Proton resources (the aws-cdk-lib Provider framework with an `onEvent` and an
 * `isComplete` handler).
 */
export class ProtonHandler {
  /**
   * Sets the options of the handler functions of `scope`'s stack. Call it before declaring the
   * stack's first Proton resource (which creates the handler with the default options).
   *
   * @example
   * declare const stack: Stack;
   * declare const vpc: ec2.IVpc;
   * ProtonHandler.configure(stack, {
   *   vpc,
   *   memorySize: 512,
   *   logRetention: logs.RetentionDays.ONE_MONTH,
   *   logRemovalPolicy: RemovalPolicy.DESTROY,
   * });
   */
  public static configure(scope: Construct, options: ProtonHandlerOptions): void {
    ProtonProvider.configure(scope, options);
  }

  private constructor() {}
}
