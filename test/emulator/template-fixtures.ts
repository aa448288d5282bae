/**
 * Shared by the template tests: a fresh emulator per test (manual clock, strict), and
 * valid environment/service bundles to derive broken ones from.
 */
import { CFN_MANIFEST, emulatorPerTest, schemaFile, type EmulatorAndClient } from './helpers';

export { CFN_MANIFEST };

export const REGISTRATION_MS = 4_000;
export const BUCKET = 'bundles';

/** A fresh emulator (manual clock, strict) and a client without retries, per test. */
export function templateEmulatorFixture(): EmulatorAndClient {
  return emulatorPerTest({ durations: { registrationMs: REGISTRATION_MS } });
}

/** An environment schema: one string input with a default. */
export const ENV_SCHEMA_WITHOUT_PATTERN = schemaFile({ environment_input_type: 'EnvInput' }, {
  EnvInput: `      properties:
        bucket_prefix:
          type: string
          default: "demo"
`,
});

/** The same, and the default must match the input's pattern. */
export const ENV_SCHEMA = `${ENV_SCHEMA_WITHOUT_PATTERN}          pattern: "^[a-z0-9-]{1,20}$"\n`;

export const ENV_BUNDLE: Record<string, string> = {
  'schema/schema.yaml': ENV_SCHEMA,
  'infrastructure/manifest.yaml': CFN_MANIFEST,
  'infrastructure/cloudformation.yaml': `Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: '{{ environment.inputs.bucket_prefix }}-{{ environment.name }}'
Outputs:
  BucketName:
    Value: !Ref Bucket
`,
};

export const SVC_SCHEMA = schemaFile({ service_input_type: 'SvcInput' }, {
  SvcInput: `      properties:
        message:
          type: string
          minLength: 1
          maxLength: 100
      required: [message]
`,
});

/** A service bundle without pipeline (for templates with pipelineProvisioning CUSTOMER_MANAGED). */
export const SVC_BUNDLE: Record<string, string> = {
  'schema/schema.yaml': SVC_SCHEMA,
  'instance_infrastructure/manifest.yaml': CFN_MANIFEST,
  'instance_infrastructure/cloudformation.yaml': `Resources:
  Param:
    Type: AWS::SSM::Parameter
    Properties:
      Type: String
      Name: '/{{ service.name }}/{{ service_instance.name }}'
      Value: '{{ service_instance.inputs.message }} in {{ environment.outputs.BucketName }}'
`,
};

/** `bundle` with some files replaced (string) or removed (undefined). */
export function changed(bundle: Record<string, string>, changes: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = { ...bundle };
  for (const [path, content] of Object.entries(changes)) {
    if (content === undefined) delete out[path];
    else out[path] = content;
  }
  return out;
}
