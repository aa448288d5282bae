import {
  GetEnvironmentTemplateCommand,
  GetAccountSettingsCommand,
  ListEnvironmentTemplatesCommand,
  ProtonServiceException,
} from '@aws-sdk/client-proton';
import { emulatorFixture, protonClient, withEmulator } from './helpers';
import { startEmulator } from '../../local/emulator';
import { conflict, notFound } from '../../local/emulator/core/errors';
import { composeOperations, missingOperations } from '../../local/emulator/core/operations';
import type { OperationTable, RequestContext } from '../../local/emulator/core/runtime';

/** A stand-in table: the protocol layer is tested independently of the resource modules. */
const operations: OperationTable = {
  GetEnvironmentTemplate: (input: { name: string }, ctx: RequestContext) => {
    if (input.name === 'missing') throw notFound(`The environment template '${input.name}' does not exist.`);
    if (input.name === 'crash') throw new Error('handler bug');
    if (input.name === 'badshape') {
      return { environmentTemplate: { name: input.name, arn: 'arn:aws:proton:us-east-1:222222222222:environment-template/x', createdAt: '2026-01-01', lastModifiedAt: 0 } };
    }
    return {
      environmentTemplate: {
        name: input.name,
        arn: `arn:aws:proton:${ctx.region}:${ctx.accountId}:environment-template/${input.name}`,
        createdAt: ctx.nowSeconds(),
        lastModifiedAt: ctx.nowSeconds(),
      },
    };
  },
  GetAccountSettings: () => {
    throw conflict('Account settings are being updated.');
  },
};

const fixture = emulatorFixture({ operations, partial: true, accountId: '222222222222', region: 'eu-west-1' });

const SIGV4 = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/proton/aws4_request, SignedHeaders=host, Signature=abc';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function raw(target: string | undefined, body: string, headers: Record<string, string> = { authorization: SIGV4 }) {
  const res = await fetch(fixture.emu.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', ...(target ? { 'x-amz-target': target } : {}), ...headers },
    body,
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

describe('awsJson1_0 protocol', () => {
  test('a successful call answers 200 JSON with a request id, and the SDK parses it', async () => {
    const res = await raw('AwsProton20200720.GetEnvironmentTemplate', '{"name":"web"}');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(res.headers.get('x-amzn-requestid')).toMatch(UUID);
    expect(JSON.parse(res.body)).toEqual({
      environmentTemplate: {
        name: 'web',
        arn: 'arn:aws:proton:us-east-1:222222222222:environment-template/web',
        createdAt: Date.UTC(2026, 0, 1) / 1000,
        lastModifiedAt: Date.UTC(2026, 0, 1) / 1000,
      },
    });

    const out = await protonClient(fixture.emu).send(new GetEnvironmentTemplateCommand({ name: 'web' }));
    expect(out.environmentTemplate?.createdAt).toEqual(new Date(Date.UTC(2026, 0, 1)));
    expect(out.$metadata.requestId).toMatch(UUID);
  });

  test('the account is a 12-digit access key id, the region the credential scope region', async () => {
    const client = protonClient(fixture.emu, { accountId: '123456789012', region: 'ap-northeast-1' });
    const out = await client.send(new GetEnvironmentTemplateCommand({ name: 'web' }));
    expect(out.environmentTemplate?.arn).toBe('arn:aws:proton:ap-northeast-1:123456789012:environment-template/web');
  });

  test('every request gets a different request id', async () => {
    const a = await raw('AwsProton20200720.GetEnvironmentTemplate', '{"name":"web"}');
    const b = await raw('AwsProton20200720.GetEnvironmentTemplate', '{"name":"web"}');
    expect(a.headers.get('x-amzn-requestid')).not.toBe(b.headers.get('x-amzn-requestid'));
  });

  test('a modelled error has __type, message, x-amzn-ErrorType and its Smithy status', async () => {
    const res = await raw('AwsProton20200720.GetEnvironmentTemplate', '{"name":"missing"}');
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(res.headers.get('x-amzn-requestid')).toMatch(UUID);
    expect(JSON.parse(res.body)).toEqual({
      __type: 'ResourceNotFoundException',
      message: "The environment template 'missing' does not exist.",
    });
  });

  test('the SDK surfaces modelled errors by name, message and status', async () => {
    const client = protonClient(fixture.emu);
    const err = await client.send(new GetAccountSettingsCommand({})).catch((e) => e);
    expect(err).toBeInstanceOf(ProtonServiceException);
    expect(err.name).toBe('ConflictException');
    expect(err.message).toBe('Account settings are being updated.');
    expect(err.$metadata.httpStatusCode).toBe(409);
    expect(err.$metadata.requestId).toMatch(UUID);
  });

  test('a request without an Authorization header is AccessDeniedException (403)', async () => {
    const res = await raw('AwsProton20200720.GetEnvironmentTemplate', '{"name":"web"}', {});
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-requestid')).toMatch(UUID);
    expect(JSON.parse(res.body)).toEqual({
      __type: 'AccessDeniedException',
      message: 'Missing Authentication Token: the request has no AWS Signature Version 4 Authorization header.',
    });
  });

  test('an unknown target is UnknownOperationException (400)', async () => {
    const res = await raw('AwsProton20200720.LaunchRocket', '{}');
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(JSON.parse(res.body)).toEqual({
      __type: 'UnknownOperationException',
      message: "The operation 'AwsProton20200720.LaunchRocket' is not supported by this service; expected AwsProton20200720.<Operation>.",
    });
    const otherService = await raw('DynamoDB_20120810.ListTables', '{}');
    expect(JSON.parse(otherService.body).__type).toBe('UnknownOperationException');
    const none = await raw(undefined, '{}');
    expect(none.status).toBe(400);
    expect(JSON.parse(none.body)).toEqual({ __type: 'UnknownOperationException', message: 'The request has no X-Amz-Target header.' });
  });

  test('malformed JSON is SerializationException (400)', async () => {
    const res = await raw('AwsProton20200720.GetEnvironmentTemplate', '{"name":');
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-requestid')).toMatch(UUID);
    const body = JSON.parse(res.body);
    expect(body.__type).toBe('SerializationException');
    expect(body.message).toMatch(/^The request body is not valid JSON: /);
  });

  test('a member of the wrong JSON type is SerializationException (400)', async () => {
    const res = await raw('AwsProton20200720.GetEnvironmentTemplate', '{"name":42}');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ __type: 'SerializationException', message: "Expected a string at 'name', found number." });
    const notObject = await raw('AwsProton20200720.GetEnvironmentTemplate', '[]');
    expect(JSON.parse(notObject.body)).toEqual({ __type: 'SerializationException', message: "Expected a structure at 'input', found array." });
  });

  test('an empty body is the empty input {}', async () => {
    const res = await raw('AwsProton20200720.GetEnvironmentTemplate', '');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toBe("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
  });

  test('strict mode: an output that does not match the model is a 500 naming the mismatch', async () => {
    const client = protonClient(fixture.emu, { maxAttempts: 1 });
    const err = await client.send(new GetEnvironmentTemplateCommand({ name: 'badshape' })).catch((e) => e);
    expect(err.name).toBe('InternalServerException');
    expect(err.$metadata.httpStatusCode).toBe(500);
    expect(err.message).toBe(
      "Strict mode: the emulator's GetEnvironmentTemplate output does not match GetEnvironmentTemplateOutput: Expected a timestamp (epoch seconds) at 'environmentTemplate.createdAt', found string.",
    );
  });

  test('a handler crash is InternalServerException with the cause', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const res = await raw('AwsProton20200720.GetEnvironmentTemplate', '{"name":"crash"}');
      expect(res.status).toBe(500);
      expect(JSON.parse(res.body)).toEqual({
        __type: 'InternalServerException',
        message: 'The emulator failed while running GetEnvironmentTemplate: handler bug',
      });
    } finally {
      stderr.mockRestore();
    }
  });

  test('partial mode: an unimplemented operation answers 501 NotImplemented, not retried', async () => {
    const client = protonClient(fixture.emu);
    fixture.emu.control.resetCallCounts();
    const err = await client.send(new ListEnvironmentTemplatesCommand({})).catch((e) => e);
    expect(err.$metadata.httpStatusCode).toBe(501);
    expect(err.name).toBe('NotImplemented');
    expect(err.message).toBe('ListEnvironmentTemplates is not implemented by this emulator (started in partial mode).');
    expect(fixture.emu.control.callCounts()).toEqual({ ListEnvironmentTemplates: 1 });
  });
});

describe('operation table composition', () => {
  const handler = () => ({});

  test('a model operation implemented twice is rejected, naming both modules', () => {
    expect(() => composeOperations({ a: { GetEnvironment: handler }, b: { GetEnvironment: handler } }, { partial: true })).toThrow(
      "Invalid emulator operation table: 'GetEnvironment' is implemented by both a and b.",
    );
  });

  test('a name outside the model is rejected', () => {
    expect(() => composeOperations({ a: { GetEnviroment: handler } }, { partial: true })).toThrow(
      "Invalid emulator operation table: a implements 'GetEnviroment', which is not an operation of the Proton model.",
    );
  });

  test('missing operations are listed unless partial', () => {
    const table = { GetEnvironment: handler };
    expect(missingOperations(table)).toHaveLength(86);
    expect(() => composeOperations({ a: table })).toThrow(/^Invalid emulator operation table: 86 operation\(s\) of the model are not implemented: AcceptEnvironmentAccountConnection, CancelComponentDeployment, /);
    expect(Object.keys(composeOperations({ a: table }, { partial: true }))).toEqual(['GetEnvironment']);
  });

  test('stop() closes the endpoint and may be called twice', async () => {
    const emu = await startEmulator({ operations: {}, partial: true });
    await emu.stop();
    await emu.stop();
    await expect(fetch(emu.endpoint)).rejects.toThrow('fetch failed');
  });

  test('the emulator refuses to start with an incomplete table unless partial', async () => {
    await expect(withEmulator(async () => undefined, { operations: { GetEnvironment: handler } })).rejects.toThrow(
      /86 operation\(s\) of the model are not implemented/,
    );
  });
});
