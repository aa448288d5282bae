/**
 * A second, independent client: boto3 (botocore's own serializer, signer and error parser)
 * against the emulator, to prove nothing in the protocol is specific to the JS SDK.
 */
import { execFile } from 'child_process';
import { promisify } from 'util';
import { emulatorFixture } from './helpers';

const fixture = emulatorFixture();

const SCRIPT = String.raw`
import json, os, sys
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

proton = boto3.client(
    'proton',
    endpoint_url=os.environ['EMULATOR_ENDPOINT'],
    region_name='eu-west-1',
    aws_access_key_id='123456789012',
    aws_secret_access_key='x',
    config=Config(retries={'mode': 'standard', 'max_attempts': 1}),
)

def error(call):
    try:
        call()
        return None
    except ClientError as e:
        return {
            'code': e.response['Error']['Code'],
            'message': e.response['Error']['Message'],
            'status': e.response['ResponseMetadata']['HTTPStatusCode'],
            'requestId': e.response['ResponseMetadata'].get('RequestId'),
        }

created = proton.create_environment_template(name='boto-env', displayName='Boto', description='from boto3')
got = proton.get_environment_template(name='boto-env')
listed = proton.list_environment_templates()
print(json.dumps({
    'created': created['environmentTemplate'],
    'got': got['environmentTemplate'],
    'gotRequestId': got['ResponseMetadata']['RequestId'],
    'listed': [t['name'] for t in listed['templates']],
    'notFound': error(lambda: proton.get_environment_template(name='nope')),
    'invalid': error(lambda: proton.create_environment_template(name='bad name')),
}, default=lambda v: v.timestamp()))
`;

describe('boto3 against the emulator', () => {
  test('create/get/list a template and parse errors', async () => {
    const { stdout } = await promisify(execFile)('python3', ['-c', SCRIPT], {
      env: { ...process.env, EMULATOR_ENDPOINT: fixture.emu.endpoint, PYTHONWARNINGS: 'ignore' },
    });
    const result = JSON.parse(stdout);
    const arn = 'arn:aws:proton:eu-west-1:123456789012:environment-template/boto-env';
    const t0 = Date.UTC(2026, 0, 1) / 1000;
    expect(result.created).toEqual({
      name: 'boto-env',
      arn,
      displayName: 'Boto',
      description: 'from boto3',
      createdAt: t0,
      lastModifiedAt: t0,
    });
    expect(result.got).toEqual(result.created);
    expect(result.gotRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.listed).toEqual(['boto-env']);
    expect(result.notFound).toMatchObject({ code: 'ResourceNotFoundException', status: 404 });
    expect(result.notFound.message).toContain('nope');
    expect(result.notFound.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.invalid).toMatchObject({
      code: 'ValidationException',
      status: 400,
      message: "1 validation error detected: Value 'bad name' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9A-Za-z]+[0-9A-Za-z_\\-]*$",
    });
  });
});
