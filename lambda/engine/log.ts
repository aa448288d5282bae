/**
 * The only logger of the handler. It accepts identities and statuses only — never properties,
 * specs, schemas, template files, outputs, descriptions, or the CloudFormation ResponseURL — and
 * the type below is what enforces it.
 */
export interface SafeLogFields {
  readonly requestType?: string;
  readonly resourceType?: string;
  readonly logicalId?: string;
  readonly physicalId?: string;
  readonly requestId?: string;
  readonly name?: string;
  readonly arn?: string;
  readonly status?: string;
  readonly operation?: string;
  readonly errorName?: string;
  readonly reasons?: readonly string[];
  /**
   * A failure's stack trace: the handler's own messages (identities, statuses, Proton's error
   * messages) and its code locations — never properties, specs or outputs, which no message holds.
   */
  readonly stack?: string;
}

export function log(message: string, fields: SafeLogFields = {}): void {
  // eslint-disable-next-line no-console
  console.log(JSON.stringify({ message, ...fields }));
}
