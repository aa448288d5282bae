import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tar from 'tar';
import {
  formatBundleProblems, terraformOutputKeys, unpackTemplateBundle, validateTemplateBundle,
  type TemplateBundleKind,
} from '../../src/private/template-bundle-rules';
import { CFN_MANIFEST, makeBundle, schemaFile } from '../emulator/helpers';
import { ENV_BUNDLE, ENV_SCHEMA_WITHOUT_PATTERN as ENV_SCHEMA } from '../emulator/template-fixtures';

const SVC_SCHEMA = schemaFile({ service_input_type: 'SvcInput', pipeline_input_type: 'PipeInput' }, {
  SvcInput: `      properties:
        message: {type: string}
`,
  PipeInput: `      properties:
        dockerfile: {type: string, default: Dockerfile}
`,
});
const TF_MANIFEST = 'infrastructure:\n  templates:\n    - file: "*"\n      rendering_engine: hcl\n      template_language: terraform\n';
/** The fixtures' environment template with a second output. */
const CFN = `${ENV_BUNDLE['infrastructure/cloudformation.yaml']}  BucketArn:\n    Value: !GetAtt Bucket.Arn\n`;

const INSTANCE_CFN = 'Resources:\n  Topic: {Type: AWS::SNS::Topic}\nOutputs:\n  Url:\n    Value: x\n';
const PIPELINE_CFN = 'Resources:\n  Repo: {Type: AWS::ECR::Repository}\n';

const ENV: TemplateBundleKind = { templateType: 'ENVIRONMENT' };
const SVC: TemplateBundleKind = { templateType: 'SERVICE', hasPipeline: true };

function files(entries: Record<string, string | Buffer>): Map<string, Buffer> {
  return new Map(Object.entries(entries).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v)]));
}

const envBundle = (extra: Record<string, string | undefined> = {}) => {
  const all: Record<string, string | undefined> = {
    'schema/schema.yaml': ENV_SCHEMA, 'infrastructure/manifest.yaml': CFN_MANIFEST, 'infrastructure/cloudformation.yaml': CFN, ...extra,
  };
  return files(Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as Record<string, string>);
};

/** A tar.gz whose only entry is the directory `schema/`. */
function onlyDirectoryArchive(): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'empty-bundle-'));
  try {
    fs.mkdirSync(path.join(dir, 'schema'));
    tar.create({ gzip: true, sync: true, file: path.join(dir, 'b.tgz'), cwd: dir, portable: true }, ['schema']);
    return fs.readFileSync(path.join(dir, 'b.tgz'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const problemsOf = (bundle: Map<string, Buffer>, kind: TemplateBundleKind) => formatBundleProblems(validateTemplateBundle(bundle, kind).problems);

describe('unpackTemplateBundle', () => {
  test('strips one wrapping directory', () => {
    const unpacked = unpackTemplateBundle(makeBundle({ 'env/schema/schema.yaml': 'a', 'env/infrastructure/manifest.yaml': 'b' }));
    expect([...unpacked.keys()].sort()).toEqual(['infrastructure/manifest.yaml', 'schema/schema.yaml']);
    expect(unpacked.get('schema/schema.yaml')!.toString()).toBe('a');
  });

  test('keeps a bundle rooted at schema/ as it is', () => {
    const unpacked = unpackTemplateBundle(makeBundle({ 'schema/schema.yaml': 'a' }));
    expect([...unpacked.keys()]).toEqual(['schema/schema.yaml']);
  });

  test('rejects what is not a tar archive, and an empty one', () => {
    expect(() => unpackTemplateBundle(Buffer.from('not a tarball at all'))).toThrow(/^The template bundle is not a valid tar.gz archive: /);
    expect(() => unpackTemplateBundle(onlyDirectoryArchive())).toThrow(
      'The template bundle is empty: it must contain schema/schema.yaml and the infrastructure directories.');
  });

  test('rejects archives over 10 MB', () => {
    expect(() => unpackTemplateBundle(Buffer.alloc(10 * 1024 * 1024 + 1))).toThrow(
      'The template bundle is 10485761 bytes; bundles are limited to 10485760 bytes (10 MB).');
  });
});

describe('validateTemplateBundle', () => {
  test('a CloudFormation environment bundle', () => {
    expect(validateTemplateBundle(envBundle(), ENV)).toEqual({
      problems: [],
      parsed: {
        schema: ENV_SCHEMA,
        outputKeys: { infrastructure: ['BucketName', 'BucketArn'] },
        engines: { infrastructure: 'CLOUDFORMATION' },
        cloudFormationFiles: { infrastructure: { path: 'infrastructure/cloudformation.yaml', text: CFN } },
        hasPipeline: false,
      },
    });
  });

  test('a Terraform environment bundle collects output blocks of all .tf files', () => {
    const result = validateTemplateBundle(envBundle({
      'infrastructure/cloudformation.yaml': undefined,
      'infrastructure/manifest.yaml': TF_MANIFEST,
      'infrastructure/main.tf': 'resource "aws_s3_bucket" "b" {}\noutput "bucket" {\n  value = aws_s3_bucket.b.id\n}\n',
      'infrastructure/outputs.tf': '# output "commented" {\noutput "arn" { value = 1 }\n',
      'infrastructure/README.md': 'output "ignored" {',
    }), ENV);
    expect(result.problems).toEqual([]);
    expect(result.parsed?.outputKeys).toEqual({ infrastructure: ['bucket', 'arn'] });
    expect(result.parsed?.engines).toEqual({ infrastructure: 'TERRAFORM' });
  });

  test('a CodeBuild environment bundle has no engine', () => {
    const manifest = 'infrastructure:\n  templates:\n    - rendering_engine: codebuild\n      settings:\n        provision: [make deploy]\n        deprovision: [make destroy]\n';
    const result = validateTemplateBundle(envBundle({ 'infrastructure/cloudformation.yaml': undefined, 'infrastructure/manifest.yaml': manifest }), ENV);
    expect(result.problems).toEqual([]);
    expect(result.parsed?.engines).toEqual({});
    const bare = 'infrastructure:\n  templates:\n    - rendering_engine: codebuild\n';
    expect(problemsOf(envBundle({ 'infrastructure/manifest.yaml': bare }), ENV)).toBe(
      'infrastructure/manifest.yaml: infrastructure.templates[0].settings must be a mapping with provision and deprovision command lists (rendering_engine codebuild)');
  });

  test('a service bundle with and without pipeline', () => {
    const svc = files({
      'schema/schema.yaml': SVC_SCHEMA,
      'instance_infrastructure/manifest.yaml': CFN_MANIFEST,
      'instance_infrastructure/cloudformation.yaml': INSTANCE_CFN,
      'pipeline_infrastructure/manifest.yaml': CFN_MANIFEST,
      'pipeline_infrastructure/cloudformation.yaml': PIPELINE_CFN,
    });
    expect(validateTemplateBundle(svc, SVC).parsed).toEqual({
      schema: SVC_SCHEMA,
      outputKeys: { instance_infrastructure: ['Url'], pipeline_infrastructure: [] },
      engines: { instance_infrastructure: 'CLOUDFORMATION', pipeline_infrastructure: 'CLOUDFORMATION' },
      cloudFormationFiles: {
        instance_infrastructure: { path: 'instance_infrastructure/cloudformation.yaml', text: INSTANCE_CFN },
        pipeline_infrastructure: { path: 'pipeline_infrastructure/cloudformation.yaml', text: PIPELINE_CFN },
      },
      hasPipeline: true,
    });
    expect(problemsOf(svc, { templateType: 'SERVICE', hasPipeline: false })).toBe(
      'pipeline_infrastructure/: the service template has pipelineProvisioning CUSTOMER_MANAGED, so its bundle must not contain pipeline_infrastructure/; remove it or create the template without pipelineProvisioning; '
      + 'schema/schema.yaml: schema.pipeline_input_type is not allowed because the service template has pipelineProvisioning CUSTOMER_MANAGED (no Proton pipeline); remove it');
    svc.delete('pipeline_infrastructure/manifest.yaml');
    svc.set('schema/schema.yaml', Buffer.from(SVC_SCHEMA.replace('  pipeline_input_type: "PipeInput"\n', '')));
    expect(problemsOf(svc, SVC)).toBe(
      'pipeline_infrastructure/manifest.yaml: is missing; every infrastructure directory needs a manifest.yaml listing its template files (pipeline_infrastructure/ has 1 file(s)); '
      + 'schema/schema.yaml: schema.pipeline_input_type is required because the service template has a pipeline (it was created without pipelineProvisioning CUSTOMER_MANAGED)');
  });

  test('a service schema must define its service_input_type', () => {
    const svc = files({
      'schema/schema.yaml': SVC_SCHEMA.replace('service_input_type: "SvcInput"', 'service_input_type: "Missing"'),
      'instance_infrastructure/manifest.yaml': CFN_MANIFEST,
      'instance_infrastructure/cloudformation.yaml': 'Resources: {}\n',
    });
    expect(problemsOf(svc, { templateType: 'SERVICE' })).toBe(
      "schema/schema.yaml: schema.pipeline_input_type is not allowed because the service template has pipelineProvisioning CUSTOMER_MANAGED (no Proton pipeline); remove it; schema/schema.yaml: schema.service_input_type 'Missing' is not defined in schema.types");
  });

  test('customer-managed environment bundles hold only a schema of string outputs', () => {
    const kind: TemplateBundleKind = { templateType: 'ENVIRONMENT', customerManaged: true };
    const schemaOnly = files({ 'schema/schema.yaml': ENV_SCHEMA });
    expect(validateTemplateBundle(schemaOnly, kind).parsed)
      .toEqual({ schema: ENV_SCHEMA, outputKeys: {}, engines: {}, cloudFormationFiles: {}, hasPipeline: false });
    expect(problemsOf(envBundle(), kind)).toBe(
      'infrastructure/: a customer-managed environment template bundle contains only schema/schema.yaml; remove the infrastructure directory');
    expect(problemsOf(files({ 'schema/schema.yaml': ENV_SCHEMA.replace('type: string', 'type: number').replace('"demo"', '1') }), kind)).toBe(
      "schema/schema.yaml: schema.types.EnvInput.properties.bucket_prefix.type must be string: a customer-managed environment's schema lists the outputs of its infrastructure, which are strings (found \"number\")");
  });

  test.each<[string, Record<string, string | undefined>, string]>([
    ['no schema', { 'schema/schema.yaml': undefined }, 'schema/schema.yaml: is missing; every template bundle needs a schema file'],
    ['no manifest', { 'infrastructure/manifest.yaml': undefined },
      'infrastructure/manifest.yaml: is missing; every infrastructure directory needs a manifest.yaml listing its template files (infrastructure/ has 1 file(s))'],
    ['manifest not YAML', { 'infrastructure/manifest.yaml': 'infrastructure: [' },
      'infrastructure/manifest.yaml: is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] (line 1, column 18)'],
    ['manifest without templates', { 'infrastructure/manifest.yaml': 'infrastructure: {}' },
      'infrastructure/manifest.yaml: must have infrastructure.templates, a list of {file, rendering_engine, template_language} entries'],
    ['pre-GA engine key', { 'infrastructure/manifest.yaml': 'infrastructure:\n  templates:\n    - file: cloudformation.yaml\n      engine: jinja\n' },
      "infrastructure/manifest.yaml: infrastructure.templates[0].rendering_engine must be one of jinja, hcl, codebuild (found nothing) (the pre-GA key 'engine' is no longer accepted)"],
    ['wrong language', { 'infrastructure/manifest.yaml': CFN_MANIFEST.replace('cloudformation\n', 'terraform\n') },
      'infrastructure/manifest.yaml: infrastructure.templates[0].template_language must be cloudformation with rendering_engine jinja (found "terraform")'],
    ['missing template file', { 'infrastructure/cloudformation.yaml': undefined, 'infrastructure/other.yaml': CFN },
      'infrastructure/cloudformation.yaml: is listed in infrastructure/manifest.yaml but is not in the bundle'],
    ['two CloudFormation files', { 'infrastructure/manifest.yaml': CFN_MANIFEST + '    - file: "b.yaml"\n      rendering_engine: jinja\n      template_language: cloudformation\n' },
      'infrastructure/manifest.yaml: lists 2 CloudFormation templates; a CloudFormation manifest lists exactly one file'],
    ['invalid CloudFormation YAML', { 'infrastructure/cloudformation.yaml': 'Resources:\n  A: [\n' },
      expect.stringMatching(/^infrastructure\/cloudformation.yaml: is not valid YAML: .* \(line \d+, column \d+\)$/) as unknown as string],
    ['terraform without .tf files', { 'infrastructure/manifest.yaml': TF_MANIFEST },
      "infrastructure/: has no .tf files, but its manifest lists file '*' (which selects the .tf files)"],
    ['service directories in an environment bundle', { 'instance_infrastructure/manifest.yaml': CFN_MANIFEST },
      'instance_infrastructure/: is not part of an environment template bundle (expected schema/ and infrastructure/); remove instance_infrastructure/'],
    ['service input type in an environment schema', { 'schema/schema.yaml': ENV_SCHEMA.replace('  types:', '  service_input_type: "EnvInput"\n  types:') },
      'schema/schema.yaml: schema.service_input_type is not allowed in an environment template schema; remove it'],
    ['no environment input type', { 'schema/schema.yaml': ENV_SCHEMA.replace('  environment_input_type: "EnvInput"\n', '') },
      'schema/schema.yaml: schema.environment_input_type is required in an environment template schema'],
    ['wrong openapi version', { 'schema/schema.yaml': ENV_SCHEMA.replace('"3.0.0"', '"2.0"') },
      'schema/schema.yaml: schema.format.openapi must be "3.0.0" (found string "2.0")'],
    ['file over 2 MB', { 'infrastructure/big.bin': 'x'.repeat(2 * 1024 * 1024 + 1) },
      'infrastructure/big.bin: is 2097153 bytes; each file of a bundle is limited to 2097152 bytes (2 MB)'],
  ])('%s', (_name, changes, expected) => {
    const result = validateTemplateBundle(envBundle(changes), ENV);
    expect(result.parsed).toBeUndefined();
    expect(formatBundleProblems(result.problems)).toEqual(expected);
  });

  test('CodeBuild bundles are limited to 500 files', () => {
    const manifest = 'infrastructure:\n  templates:\n    - rendering_engine: codebuild\n      settings: {provision: [a], deprovision: [b]}\n';
    const many: Record<string, string> = { 'infrastructure/manifest.yaml': manifest };
    for (let i = 0; i < 499; i++) many[`infrastructure/src/f${i}.ts`] = '';
    expect(problemsOf(envBundle(many), ENV)).toBe('The bundle has 502 files; CodeBuild provisioning bundles are limited to 500 files');
  });
});

describe('IaC content', () => {
  const jinja = `Resources:
  Queue:
    Type: AWS::SQS::Queue
{% if environment.inputs.bucket_prefix == 'demo' %}
    Properties: {DelaySeconds: 5}
{% else %}
    Properties: {DelaySeconds: 0}
{% endif %}
Outputs:
  QueueUrl: {Value: !Ref Queue}
`;

  test('a Jinja template that is not YAML before rendering renders with the sample inputs; its outputs are the rendered ones', () => {
    const result = validateTemplateBundle(envBundle({ 'infrastructure/cloudformation.yaml': jinja }), ENV);
    expect(result.problems).toEqual([]);
    expect(result.parsed?.outputKeys).toEqual({ infrastructure: ['QueueUrl'] });
    expect(result.parsed?.cloudFormationFiles).toEqual({ infrastructure: { path: 'infrastructure/cloudformation.yaml', text: jinja } });
  });

  test('checkIac false (registration) leaves the IaC content to deployments', () => {
    const broken = '{% if %}';
    const result = validateTemplateBundle(envBundle({ 'infrastructure/cloudformation.yaml': broken }), ENV, { checkIac: false });
    expect(result.problems).toEqual([]);
    expect(result.parsed?.cloudFormationFiles.infrastructure.text).toBe(broken);
    expect(problemsOf(envBundle({ 'infrastructure/cloudformation.yaml': broken }), ENV))
      .toBe('infrastructure/cloudformation.yaml:1: Jinja syntax error: unexpected token: %}');
  });

  test('with an invalid schema only the Jinja syntax is checked', () => {
    const bundle = envBundle({ 'schema/schema.yaml': ENV_SCHEMA.replace('"3.0.0"', '"2.0"'), 'infrastructure/cloudformation.yaml': '{{ environment.inputs.nope }}' });
    expect(problemsOf(bundle, ENV)).toBe('schema/schema.yaml: schema.format.openapi must be "3.0.0" (found string "2.0")');
  });

  test('Terraform files read only declared inputs', () => {
    const tf = 'resource "x" "y" {\n  # var.environment.inputs.commented\n  name = var.environment.inputs.bucket_prefix\n  other = var.environment.inputs["nope"]\n}\n';
    expect(problemsOf(envBundle({ 'infrastructure/manifest.yaml': TF_MANIFEST, 'infrastructure/cloudformation.yaml': undefined, 'infrastructure/main.tf': tf }), ENV))
      .toBe('infrastructure/main.tf:4: environment.inputs.nope is not an input of EnvInput (inputs: bucket_prefix); declare it in schema/schema.yaml or fix the name');
  });
});

test('terraformOutputKeys ignores comments', () => {
  expect(terraformOutputKeys('output "a" {}\n/* output "b" {} */\n// output "c" {}\n  output "d" {\n}\n')).toEqual(['a', 'd']);
});
