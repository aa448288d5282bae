import { Token } from 'aws-cdk-lib';

/** Proton's `ResourceName`: 1..100 characters, alphanumeric first, then alphanumerics, `_` and `-`. */
const RESOURCE_NAME_PATTERN = /^[0-9A-Za-z]+[0-9A-Za-z_\-]*$/;
const RESOURCE_NAME_MAX_LENGTH = 100;

const ACCOUNT_ID_PATTERN = /^\d{12}$/;

/**
 * Checks an AWS account id known at synth time.
 * @param prop the construct property, e.g. `managementAccountId`
 */
export function validateAccountId(prop: string, value: string): void {
  if (!Token.isUnresolved(value) && !ACCOUNT_ID_PATTERN.test(value)) {
    throw new Error(`${prop} '${value}' is not an AWS account id: give the 12 digits, e.g. '123456789012'.`);
  }
}

/**
 * Checks a Proton resource name known at synth time (tokens are checked by Proton at deploy time).
 * @param prop the construct property, e.g. `environmentTemplateName`
 */
export function validateResourceName(prop: string, value: string | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (value.length < 1 || value.length > RESOURCE_NAME_MAX_LENGTH || !RESOURCE_NAME_PATTERN.test(value)) {
    throw new Error(`${prop} '${value}' is not a valid Proton name: it must be 1 to ${RESOURCE_NAME_MAX_LENGTH} characters, `
      + 'start with a letter or digit and contain only letters, digits, "_" and "-" '
      + `(pattern ${RESOURCE_NAME_PATTERN.source}). Rename it, e.g. '${suggestName(value)}'.`);
  }
}

/**
 * Checks the length of a string known at synth time.
 * @param prop the construct property, e.g. `description`
 */
export function validateLength(prop: string, value: string | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (value.length < min || value.length > max) {
    throw new Error(`${prop} must be ${min} to ${max} characters long, got ${value.length} characters. `
      + (value.length > max ? `Shorten it to ${max} characters.` : `Give at least ${min} character(s) or omit ${prop}.`));
  }
}

/** A path inside a repository (sync configurations): 1 to 4096 characters, relative to its root. */
export function validateRepositoryPath(prop: string, value: string | undefined): void {
  validateLength(prop, value, 1, 4096);
  if (value !== undefined && !Token.isUnresolved(value) && value.startsWith('/')) {
    throw new Error(`${prop} '${value}' must be relative to the repository root: remove the leading '/'.`);
  }
}

function suggestName(value: string): string {
  const cleaned = value.replace(/[^0-9A-Za-z_\-]/g, '-').replace(/^[^0-9A-Za-z]+/, '').slice(0, RESOURCE_NAME_MAX_LENGTH);
  return cleaned.length > 0 ? cleaned : 'my-template';
}

/** A CodeStar (CodeConnections) connection ARN. */
const CONNECTION_ARN_PATTERN = /^arn:(aws|aws-cn|aws-us-gov):(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[\w-]+$/;

/**
 * Checks an AWS CodeStar connection ARN known at synth time.
 * @param prop the construct property, e.g. `connectionArn`
 */
export function validateConnectionArn(prop: string, value: string | undefined): void {
  validatePattern(prop, value, CONNECTION_ARN_PATTERN, 'an AWS CodeStar connection ARN: expected '
    + 'arn:<partition>:codestar-connections:<region>:<account>:connection/<id> (create the connection in the console or with AWS::CodeStarConnections::Connection)');
}

/**
 * Checks a string known at synth time against Proton's pattern for it (and its length).
 * @param prop the construct property, e.g. `repositoryName`
 * @param expected what the value must be and how to give it, after "is not", e.g. `a valid repository name: give it as …`
 */
export function validatePattern(prop: string, value: string | undefined, pattern: RegExp, expected: string, maxLength: number = 2048): void {
  if (value !== undefined && !Token.isUnresolved(value) && (value.length < 1 || value.length > maxLength || !pattern.test(value))) {
    throw new Error(`${prop} '${value}' is not ${expected}.`);
  }
}
