/**
 * IAM in the emulator: a request signed with an access key registered with an identity
 * (`control.setIdentity`) is authorized against that principal's policies, the way IAM does it —
 * the operation's action on the resources the Service Authorization Reference names, the actions
 * AWS's operations table adds (TagResource on a create with tags, iam:PassRole with
 * iam:PassedToService for every role passed, the bundle's s3:GetObject), explicit deny, conditions
 * — and a denied request answers AccessDeniedException with IAM's message. Requests of keys that
 * are not registered are not authorized (the emulator's behaviour without IAM).
 */
import {
  CreateEnvironmentCommand, CreateEnvironmentTemplateCommand, CreateEnvironmentTemplateVersionCommand, GetEnvironmentTemplateCommand,
  ListEnvironmentsCommand, ListServiceInstancesCommand, ProtonClient, UpdateEnvironmentTemplateVersionCommand,
} from '@aws-sdk/client-proton';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { emulatorPerTest, uploadBundle } from './helpers';
import { ENV_BUNDLE, REGISTRATION_MS } from './template-fixtures';
import { DEFAULT_ACCOUNT_ID, Emulator } from '../../local/emulator';
import type { PolicyDocument } from '../../local/emulator/core/iam';

const ACCOUNT = DEFAULT_ACCOUNT_ID;
const PRINCIPAL = `arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/ci`;
const ACCESS_KEY = 'ASIAEXAMPLEDEPLOYER1';
const arn = (resource: string) => `arn:aws:proton:us-east-1:${ACCOUNT}:${resource}`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/proton-service`;

const fixture = emulatorPerTest({ durations: { registrationMs: REGISTRATION_MS } });

/** A client signing with the registered access key, acting as `PRINCIPAL` with `statements`. */
function clientWith(emu: Emulator, ...statements: object[]): ProtonClient {
  emu.control.setIdentity(ACCESS_KEY, { principalArn: PRINCIPAL, accountId: ACCOUNT, policies: [{ name: 'inline', document: policy(...statements) }] });
  return new ProtonClient({ endpoint: emu.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'x', sessionToken: 't' } });
}

function policy(...statements: object[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

const allow = (Action: string | string[], Resource: string | string[], Condition?: object) => ({ Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) });

/** The error a call fails with: `name: message (HTTP status)`. */
async function failureOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (e) {
    const error = e as Error & { $metadata?: { httpStatusCode?: number } };
    return `${error.name}: ${error.message} (${error.$metadata?.httpStatusCode})`;
  }
  throw new Error('The call succeeded.');
}

const denied = (action: string, resource?: string) =>
  `AccessDeniedException: User: ${PRINCIPAL} is not authorized to perform: ${action}${resource ? ` on resource: ${resource}` : ''} `
  + `because no identity-based policy allows the ${action} action (403)`;

test('an allowed call runs; one no statement allows is denied with IAM\'s message, naming the action and the resource', async () => {
  const proton = clientWith(fixture.emu, allow('proton:CreateEnvironmentTemplate', arn('environment-template/net')));
  try {
    await proton.send(new CreateEnvironmentTemplateCommand({ name: 'net' }));
    expect(await failureOf(proton.send(new CreateEnvironmentTemplateCommand({ name: 'other' }))))
      .toBe(denied('proton:CreateEnvironmentTemplate', arn('environment-template/other')));
    expect(await failureOf(proton.send(new GetEnvironmentTemplateCommand({ name: 'net' }))))
      .toBe(denied('proton:GetEnvironmentTemplate', arn('environment-template/net')));
    // Nothing was created by the denied call.
    expect(Object.keys((fixture.emu.control.dump().accounts as any)[`${ACCOUNT}:us-east-1`].templates)).toEqual(['ENVIRONMENT:net']);
  } finally {
    proton.destroy();
  }
});

test('an explicit deny wins over an allow, and says so', async () => {
  const proton = clientWith(fixture.emu,
    allow('proton:*', '*'),
    { Effect: 'Deny', Action: 'proton:Create*', Resource: arn('environment-template/locked-*') });
  try {
    await proton.send(new CreateEnvironmentTemplateCommand({ name: 'open' }));
    expect(await failureOf(proton.send(new CreateEnvironmentTemplateCommand({ name: 'locked-net' })))).toBe(
      `AccessDeniedException: User: ${PRINCIPAL} is not authorized to perform: proton:CreateEnvironmentTemplate on resource: `
      + `${arn('environment-template/locked-net')} with an explicit deny in an identity-based policy (403)`,
    );
  } finally {
    proton.destroy();
  }
});

test('an action without resource-level permissions is authorized on "*": a grant on a service ARN does not allow ListServiceInstances', async () => {
  const proton = clientWith(fixture.emu, allow(['proton:ListServiceInstances', 'proton:ListEnvironments'], arn('service/web')));
  try {
    expect(await failureOf(proton.send(new ListServiceInstancesCommand({ serviceName: 'web' })))).toBe(denied('proton:ListServiceInstances'));
    expect(await failureOf(proton.send(new ListEnvironmentsCommand({})))).toBe(denied('proton:ListEnvironments'));
    clientWith(fixture.emu, allow('proton:ListEnvironments', '*'));
    await expect(proton.send(new ListEnvironmentsCommand({}))).resolves.toMatchObject({ environments: [] });
  } finally {
    proton.destroy();
  }
});

describe('a create from a template', () => {
  /** A published environment template version `net:1.0`, made without IAM. */
  async function publishedTemplate(): Promise<void> {
    const source = await uploadBundle(fixture.emu, 'bundles', 'net.tar.gz', ENV_BUNDLE);
    await fixture.proton.send(new CreateEnvironmentTemplateCommand({ name: 'net' }));
    await fixture.proton.send(new CreateEnvironmentTemplateVersionCommand({ templateName: 'net', source: { s3: source } }));
    fixture.emu.control.advance(REGISTRATION_MS);
    await fixture.proton.send(new UpdateEnvironmentTemplateVersionCommand({ templateName: 'net', majorVersion: '1', minorVersion: '0', status: 'PUBLISHED' }));
  }

  const create = (proton: ProtonClient, name: string, tags?: Array<{ key: string; value: string }>) => proton.send(new CreateEnvironmentCommand({
    name, templateName: 'net', templateMajorVersion: '1', spec: 'proton: EnvironmentSpec\nspec:\n  bucket_prefix: dev\n', protonServiceRoleArn: ROLE, tags,
  }));

  test('passes its role only with iam:PassRole conditioned on proton.amazonaws.com, and its tags only with proton:TagResource', async () => {
    await publishedTemplate();
    const createOnly = allow('proton:CreateEnvironment', arn('environment/*'));
    const toEc2 = allow('iam:PassRole', ROLE, { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
    const toProton = allow('iam:PassRole', ROLE, { StringEquals: { 'iam:PassedToService': 'proton.amazonaws.com' } });
    let proton = clientWith(fixture.emu, createOnly, toEc2);
    expect(await failureOf(create(proton, 'a'))).toBe(denied('iam:PassRole', ROLE));
    proton = clientWith(fixture.emu, createOnly, toProton);
    expect(await failureOf(create(proton, 'b', [{ key: 'team', value: 'platform' }]))).toBe(denied('proton:TagResource', arn('environment/b')));
    await create(proton, 'c');
    proton = clientWith(fixture.emu, createOnly, toProton, allow('proton:TagResource', arn('environment/*'), { StringEquals: { 'aws:RequestTag/team': 'platform' } }));
    await create(proton, 'd', [{ key: 'team', value: 'platform' }]);
    expect(await failureOf(create(proton, 'e', [{ key: 'team', value: 'other' }]))).toBe(denied('proton:TagResource', arn('environment/e')));
    proton.destroy();
  });

  test('proton:EnvironmentTemplate carries the template\'s ARN', async () => {
    await publishedTemplate();
    const passRole = allow('iam:PassRole', ROLE, { StringEquals: { 'iam:PassedToService': 'proton.amazonaws.com' } });
    let proton = clientWith(fixture.emu, passRole, allow('proton:CreateEnvironment', '*', { StringEquals: { 'proton:EnvironmentTemplate': arn('environment-template/other') } }));
    expect(await failureOf(create(proton, 'a'))).toBe(denied('proton:CreateEnvironment', arn('environment/a')));
    proton = clientWith(fixture.emu, passRole, allow('proton:CreateEnvironment', '*', { StringEquals: { 'proton:EnvironmentTemplate': arn('environment-template/net') } }));
    await create(proton, 'a');
    proton.destroy();
  });
});

test('a template version\'s bundle is read with the caller\'s s3:GetObject; its tags are authorized on the version Proton numbers', async () => {
  const source = await uploadBundle(fixture.emu, 'bundles', 'net.tar.gz', ENV_BUNDLE);
  await fixture.proton.send(new CreateEnvironmentTemplateCommand({ name: 'net' }));
  const versionCreate = allow('proton:CreateEnvironmentTemplateVersion', arn('environment-template/net'));
  const create = (proton: ProtonClient) => proton.send(new CreateEnvironmentTemplateVersionCommand({
    templateName: 'net', source: { s3: source }, tags: [{ key: 'team', value: 'platform' }],
  }));
  let proton = clientWith(fixture.emu, versionCreate, allow('proton:TagResource', arn('environment-template/net:*')));
  expect(await failureOf(create(proton))).toBe(denied('s3:GetObject', 'arn:aws:s3:::bundles/net.tar.gz'));
  proton = clientWith(fixture.emu, versionCreate, allow('s3:GetObject', 'arn:aws:s3:::bundles/*'), allow('proton:TagResource', arn('environment-template/net:2.0')));
  expect(await failureOf(create(proton))).toBe(denied('proton:TagResource', arn('environment-template/net:1.0')));
  proton = clientWith(fixture.emu, versionCreate, allow('s3:GetObject', 'arn:aws:s3:::bundles/*'), allow('proton:TagResource', arn('environment-template/net:1.0')));
  await expect(create(proton)).resolves.toMatchObject({ environmentTemplateVersion: { arn: arn('environment-template/net:1.0') } });
  proton.destroy();
});

test('S3 requests are authorized too: AccessDenied with S3\'s message (resource in quotes); HEAD without a body', async () => {
  await uploadBundle(fixture.emu, 'bundles', 'net.tar.gz', ENV_BUNDLE);
  clientWith(fixture.emu, allow('s3:GetObject', 'arn:aws:s3:::bundles/public/*'));
  const s3 = new S3Client({ endpoint: fixture.emu.endpoint, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'x' } });
  try {
    expect(await failureOf(s3.send(new GetObjectCommand({ Bucket: 'bundles', Key: 'net.tar.gz' })))).toBe(
      `AccessDenied: User: ${PRINCIPAL} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::bundles/net.tar.gz" `
      + 'because no identity-based policy allows the s3:GetObject action (403)',
    );
    expect(await failureOf(s3.send(new HeadObjectCommand({ Bucket: 'bundles', Key: 'net.tar.gz' })))).toMatch(/ \(403\)$/);
  } finally {
    s3.destroy();
  }
});

test('keys that are not registered are not authorized; a forgotten key is not either; the HTTP control API registers keys too', async () => {
  // The fixture's client signs with an unregistered key: no IAM.
  await fixture.proton.send(new CreateEnvironmentTemplateCommand({ name: 'free' }));
  const registered = clientWith(fixture.emu);
  expect(await failureOf(registered.send(new ListEnvironmentsCommand({})))).toBe(denied('proton:ListEnvironments'));
  fixture.emu.control.setIdentity(ACCESS_KEY, undefined);
  await expect(registered.send(new ListEnvironmentsCommand({}))).resolves.toMatchObject({ environments: [] });

  const put = await fetch(`${fixture.emu.endpoint}/_emulator/identities/${ACCESS_KEY}`, {
    method: 'PUT',
    body: JSON.stringify({ principalArn: PRINCIPAL, accountId: ACCOUNT, policies: [{ name: 'inline', document: policy(allow('proton:GetEnvironmentTemplate', '*')) }] }),
  });
  expect(put.status).toBe(200);
  expect(fixture.emu.control.dump().identities).toEqual({ [ACCESS_KEY]: PRINCIPAL });
  await registered.send(new GetEnvironmentTemplateCommand({ name: 'free' }));
  expect(await failureOf(registered.send(new ListEnvironmentsCommand({})))).toBe(denied('proton:ListEnvironments'));
  const bad = await fetch(`${fixture.emu.endpoint}/_emulator/identities/${ACCESS_KEY}`, { method: 'PUT', body: JSON.stringify({ principalArn: PRINCIPAL, accountId: ACCOUNT, policies: 'x' }) });
  expect(await bad.json()).toEqual({ error: 'Member \'policies\' must be a list of {"name": string, "document": policy document object}.' });
  expect((await fetch(`${fixture.emu.endpoint}/_emulator/identities/${ACCESS_KEY}`, { method: 'DELETE' })).status).toBe(200);
  await expect(registered.send(new ListEnvironmentsCommand({}))).resolves.toMatchObject({ environments: [] });
  registered.destroy();
});

test('the registered identity\'s account is the caller\'s account, whatever its key', async () => {
  const other = '222222222222';
  fixture.emu.control.setIdentity(ACCESS_KEY, { principalArn: `arn:aws:sts::${other}:assumed-role/R/s`, accountId: other, policies: [{ name: 'p', document: policy(allow('proton:*', '*')) }] });
  const proton = new ProtonClient({ endpoint: fixture.emu.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'x' } });
  const created = await proton.send(new CreateEnvironmentTemplateCommand({ name: 'theirs' }));
  expect(created.environmentTemplate!.arn).toBe(`arn:aws:proton:us-east-1:${other}:environment-template/theirs`);
  proton.destroy();
});
