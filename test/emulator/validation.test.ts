import {
  CreateEnvironmentTemplateCommand,
  CreateEnvironmentTemplateVersionCommand,
  ListEnvironmentTemplatesCommand,
  UpdateAccountSettingsCommand,
} from '@aws-sdk/client-proton';
import { emulatorFixture, protonClient } from './helpers';
import type { OperationTable } from '../../local/emulator/core/runtime';
import { validateInput, validateOutput } from '../../local/emulator/core/validate';

const received: unknown[] = [];
const operations: OperationTable = {
  ListEnvironmentTemplates: (input) => {
    received.push(input);
    return { templates: [] };
  },
};
const fixture = emulatorFixture({ operations, partial: true });

const proton = () => protonClient(fixture.emu);

async function validationMessage(call: Promise<unknown>): Promise<string> {
  const err = await call.then(() => undefined, (e: Error) => e);
  expect(err).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
  return err!.message;
}

const NAME_PATTERN = '^[0-9A-Za-z]+[0-9A-Za-z_\\-]*$';

describe('input validation against the model, through the SDK', () => {
  test('pattern', async () => {
    expect(await validationMessage(proton().send(new CreateEnvironmentTemplateCommand({ name: 'x y' })))).toBe(
      `1 validation error detected: Value 'x y' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN}`,
    );
  });

  test('required member', async () => {
    expect(await validationMessage(proton().send(new CreateEnvironmentTemplateCommand({} as never)))).toBe(
      "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
    );
  });

  test('length (both bounds, and every violation is listed)', async () => {
    expect(await validationMessage(proton().send(new CreateEnvironmentTemplateCommand({ name: 'a'.repeat(101) })))).toBe(
      `1 validation error detected: Value '${'a'.repeat(101)}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 100`,
    );
    expect(await validationMessage(proton().send(new CreateEnvironmentTemplateCommand({ name: '' })))).toBe(
      "2 validation errors detected: Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1; "
      + `Value '' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN}`,
    );
  });

  test('a sensitive member is named without its value', async () => {
    expect(await validationMessage(proton().send(new CreateEnvironmentTemplateCommand({ name: 'web', description: 'd'.repeat(501) })))).toBe(
      "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 500",
    );
  });

  test('enum', async () => {
    expect(await validationMessage(proton().send(new CreateEnvironmentTemplateCommand({ name: 'web', provisioning: 'SELF' as never })))).toBe(
      "1 validation error detected: Value 'SELF' at 'provisioning' failed to satisfy constraint: Member must satisfy enum value set: [CUSTOMER_MANAGED]",
    );
  });

  test('list size and list elements (1-based, .member)', async () => {
    const tags = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    expect(await validationMessage(proton().send(new CreateEnvironmentTemplateCommand({ name: 'web', tags })))).toMatch(
      /^1 validation error detected: Value '\[\{key=k0, value=v\}, .*\]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50$/,
    );
    expect(await validationMessage(proton().send(new CreateEnvironmentTemplateCommand({
      name: 'web',
      tags: [{ key: 'ok', value: 'v' }, { key: 'k'.repeat(129), value: 'v' }],
    })))).toBe(
      `1 validation error detected: Value '${'k'.repeat(129)}' at 'tags.2.member.key' failed to satisfy constraint: Member must have length less than or equal to 128`,
    );
  });

  test('nested structure members (union source.s3)', async () => {
    expect(await validationMessage(proton().send(new CreateEnvironmentTemplateVersionCommand({
      templateName: 'web',
      source: { s3: { bucket: 'B', key: '' } },
    })))).toBe(
      '3 validation errors detected: '
      + "Value 'B' at 'source.s3.bucket' failed to satisfy constraint: Member must have length greater than or equal to 3; "
      + "Value 'B' at 'source.s3.bucket' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9]+[a-z0-9-\\.]+[a-z0-9]+$; "
      + "Value '' at 'source.s3.key' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  test('integer range', async () => {
    expect(await validationMessage(proton().send(new ListEnvironmentTemplatesCommand({ maxResults: 101 })))).toBe(
      "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100",
    );
    expect(await validationMessage(proton().send(new ListEnvironmentTemplatesCommand({ maxResults: 0 })))).toBe(
      "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  });

  test('"or empty" patterns accept the empty string, and reject other values', async () => {
    expect(await validationMessage(proton().send(new UpdateAccountSettingsCommand({ pipelineServiceRoleArn: 'arn:aws:iam::1:role/x' })))).toBe(
      "1 validation error detected: Value 'arn:aws:iam::1:role/x' at 'pipelineServiceRoleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: "
      + '(^$)|(^arn:(aws|aws-cn|aws-us-gov):iam::\\d{12}:role/([\\w+=,.@-]{1,512}[/:])*([\\w+=,.@-]{1,64})$)',
    );
    expect(() => validateInput('UpdateAccountSettings', { pipelineServiceRoleArn: '' })).not.toThrow();
  });

  test('valid input reaches the operation; unknown members are dropped, not rejected', async () => {
    received.length = 0;
    const res = await fetch(fixture.emu.endpoint, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AwsProton20200720.ListEnvironmentTemplates',
        'content-type': 'application/x-amz-json-1.0',
        'authorization': 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/proton/aws4_request, Signature=x',
      },
      body: JSON.stringify({ maxResults: 5, futureMember: true }),
    });
    expect(res.status).toBe(200);
    expect(received).toEqual([{ maxResults: 5 }]);
  });
});

describe('validateInput (unit)', () => {
  test('a union needs exactly one member', () => {
    expect(() => validateInput('CreateEnvironmentTemplateVersion', { templateName: 'web', source: {} })).toThrow(
      "Union 'source' must have exactly one of [s3] set, found 0.",
    );
  });

  test('null list elements are violations', () => {
    expect(() => validateInput('UntagResource', { resourceArn: 'arn:aws:proton:us-east-1:111111111111:environment/x', tagKeys: [null] })).toThrow(
      "1 validation error detected: Value null at 'tagKeys.1.member' failed to satisfy constraint: Member must not be null",
    );
  });
});

describe('validateOutput (strict mode)', () => {
  const template = { name: 'web', arn: 'arn:aws:proton:us-east-1:111111111111:environment-template/web', createdAt: 1, lastModifiedAt: 2 };

  test('a conforming output passes', () => {
    expect(validateOutput('GetEnvironmentTemplate', { environmentTemplate: template })).toBeUndefined();
    expect(validateOutput('DeleteEnvironmentTemplate', {})).toBeUndefined();
  });

  test('a missing required member', () => {
    expect(validateOutput('GetEnvironmentTemplate', { environmentTemplate: { ...template, arn: undefined } })).toBe(
      "Required member 'environmentTemplate.arn' is missing.",
    );
  });

  test('a timestamp that is not epoch seconds', () => {
    expect(validateOutput('GetEnvironmentTemplate', { environmentTemplate: { ...template, createdAt: new Date(0) } })).toBe(
      "Expected a timestamp (epoch seconds) at 'environmentTemplate.createdAt', found object.",
    );
  });

  test('an unknown member', () => {
    expect(validateOutput('GetEnvironmentTemplate', { environmentTemplate: { ...template, status: 'ACTIVE' } })).toBe(
      "Unknown member(s) 'environmentTemplate.status'.",
    );
  });

  test('a value outside the enum', () => {
    expect(validateOutput('GetEnvironmentTemplate', { environmentTemplate: { ...template, provisioning: 'SELF' } })).toBe(
      "'SELF' at 'environmentTemplate.provisioning' is not one of [CUSTOMER_MANAGED].",
    );
  });

  test('lengths and patterns are not enforced on outputs', () => {
    expect(validateOutput('GetEnvironmentTemplate', { environmentTemplate: { ...template, name: 'not a valid name' } })).toBeUndefined();
  });
});
