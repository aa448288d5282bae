import {
  formatSpecErrors, isBackwardCompatible, parseEnvironmentSpec, parseServiceSpec, parseTemplateSchema, parseYaml, validateSpec,
} from '../../src/private/spec-schema';

const SERVICE_SCHEMA = `
schema:
  format:
    openapi: "3.0.0"
  service_input_type: "SvcInput"
  pipeline_input_type: "PipeInput"
  types:
    SvcInput:
      type: object
      description: "Service inputs"
      properties:
        port:
          type: number
          default: 80
          minimum: 0
          maximum: 65535
        task_size:
          type: string
          enum: ["x-small", "small"]
          default: "x-small"
        unique_name:
          type: string
          minLength: 1
          maxLength: 10
          pattern: "^[a-z]+$"
        subnets:
          type: array
          items:
            type: string
          minItems: 1
          maxItems: 2
      required:
        - unique_name
    PipeInput:
      type: object
      properties:
        dockerfile:
          type: string
          default: "Dockerfile"
`;

describe('parseTemplateSchema', () => {
  test('a valid schema yields its input types', () => {
    const { schema, problems } = parseTemplateSchema(SERVICE_SCHEMA);
    expect(problems).toEqual([]);
    expect(schema?.inputTypes.service_input_type?.name).toBe('SvcInput');
    expect(schema?.inputTypes.service_input_type?.required).toEqual(['unique_name']);
    expect(Object.keys(schema?.inputTypes.service_input_type?.properties ?? {})).toEqual(['port', 'task_size', 'unique_name', 'subnets']);
    expect(schema?.inputTypes.pipeline_input_type?.name).toBe('PipeInput');
    expect(schema?.inputTypes.environment_input_type).toBeUndefined();
  });

  test.each([
    ['schema: [', /^is not valid YAML: .*\(line 1, column \d+\)$/],
    ['foo: 1', /^must have a top-level 'schema' mapping/],
  ])('rejects %j', (text, expected) => {
    const { schema, problems } = parseTemplateSchema(text);
    expect(schema).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  test('names every problem with its location in the schema file', () => {
    const { problems } = parseTemplateSchema(`
schema:
  format:
    openapi: "3.1.0"
  service_input_type: "SvcInput"
  pipeline_input_type: "Missing"
  types:
    SvcInput:
      type: object
      properties:
        port:
          type: float
        name:
          type: string
          pattern: "(["
        size:
          type: string
          default: 5
        tags:
          type: array
        other:
          type: string
          oneOf: []
      required: [port, nope]
`);
    expect(problems).toEqual([
      'schema.format.openapi must be "3.0.0" (found string "3.1.0")',
      "schema.types.SvcInput.required names 'nope', which is not a property of SvcInput",
      'schema.types.SvcInput.properties.port.type must be one of string, number, integer, boolean, array, object (found string "float")',
      expect.stringMatching(/^schema\.types\.SvcInput\.properties\.name\.pattern '\(\[' is not a valid regular expression: /),
      "schema.types.SvcInput.properties.size.default does not match the property's own schema: must be of type string",
      'schema.types.SvcInput.properties.tags.items is required when type is array',
      "schema.types.SvcInput.properties.other: keyword 'oneOf' is not supported (supported: type, properties, required, default, pattern, enum, minLength, maxLength, minimum, maximum, items, minItems, maxItems, description, title, example, format)",
      "schema.pipeline_input_type 'Missing' is not defined in schema.types",
    ]);
  });

  test('an input type must be an object type', () => {
    expect(parseTemplateSchema('schema:\n  format: {openapi: "3.0.0"}\n  environment_input_type: E\n  types:\n    E: {type: string}\n').problems)
      .toEqual(["schema.types.E.type must be 'object' (found string \"string\")"]);
    expect(parseTemplateSchema('schema:\n  format: {openapi: "3.0.0"}\n  environment_input_type: E\n').problems)
      .toEqual(['schema.types must be a mapping of type names to object schemas (found nothing)']);
  });
});

describe('validateSpec', () => {
  test('fills in defaults and accepts valid inputs', () => {
    const inputs = { unique_name: 'web', subnets: ['a'] };
    const { errors, withDefaults } = validateSpec(SERVICE_SCHEMA, 'service_input_type', inputs);
    expect(errors).toEqual([]);
    expect(withDefaults).toEqual({ unique_name: 'web', subnets: ['a'], port: 80, task_size: 'x-small' });
    expect(inputs).toEqual({ unique_name: 'web', subnets: ['a'] });
  });

  test('reports each violation with its path in the spec', () => {
    const { errors } = validateSpec(SERVICE_SCHEMA, 'service_input_type',
      { port: 70000, task_size: 'huge', unique_name: 'Web!', subnets: [1, 'b', 'c'], extra: true }, 'instances[0].spec');
    expect(errors).toEqual([
      { path: 'instances[0].spec.extra', message: 'is not an input of SvcInput (inputs: port, task_size, unique_name, subnets)' },
      { path: 'instances[0].spec.port', message: 'must be <= 65535' },
      { path: 'instances[0].spec.task_size', message: 'must be one of "x-small", "small"' },
      { path: 'instances[0].spec.unique_name', message: 'must match the pattern ^[a-z]+$' },
      { path: 'instances[0].spec.subnets', message: 'must have at most 2 items' },
      { path: 'instances[0].spec.subnets[0]', message: 'must be of type string' },
    ]);
    expect(formatSpecErrors(errors.slice(0, 2))).toBe(
      'instances[0].spec.extra is not an input of SvcInput (inputs: port, task_size, unique_name, subnets); instances[0].spec.port must be <= 65535');
  });

  test('a required input without default must be given', () => {
    expect(validateSpec(SERVICE_SCHEMA, 'service_input_type', {}).errors)
      .toEqual([{ path: 'spec.unique_name', message: 'is required by SvcInput and has no default' }]);
    expect(validateSpec(SERVICE_SCHEMA, 'service_input_type', { unique_name: '' }, '').errors)
      .toEqual([
        { path: 'unique_name', message: 'must be at least 1 characters long' },
        { path: 'unique_name', message: 'must match the pattern ^[a-z]+$' },
      ]);
  });

  test('inputs must be a mapping, and only for declared input types', () => {
    expect(validateSpec(SERVICE_SCHEMA, 'service_input_type', ['x']).errors)
      .toEqual([{ path: 'spec', message: 'must be a mapping of input names to values (found a list)' }]);
    expect(validateSpec(SERVICE_SCHEMA, 'environment_input_type', { a: 1 }).errors)
      .toEqual([{ path: 'spec', message: 'has inputs, but the template schema declares no environment_input_type' }]);
    expect(validateSpec(SERVICE_SCHEMA, 'environment_input_type', undefined).errors).toEqual([]);
  });

  test('an invalid schema is a programming error', () => {
    expect(() => validateSpec('foo: 1', 'service_input_type', {})).toThrow(/^The template schema is invalid: must have a top-level 'schema' mapping/);
  });
});

describe('parseYaml', () => {
  afterEach(() => jest.restoreAllMocks());

  test('stringifies collection keys (unquoted Jinja) without a process warning or console output', () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(parseYaml('Key: {{ x }}\nOther: [{{ y }}]\n')).toEqual({ value: { Key: { '{ x }': null }, Other: [{ '{ y }': null }] } });
    expect(emitWarning).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });

  test('still returns syntax errors with their position', () => {
    expect(parseYaml('a: b: c')).toEqual({ error: 'Nested mappings are not allowed in compact mappings (line 1, column 4)' });
  });
});

describe('parseEnvironmentSpec / parseServiceSpec', () => {
  test('environment spec', () => {
    expect(parseEnvironmentSpec('proton: EnvironmentSpec\nspec:\n  vpc_cidr: 10.0.0.0/16\n'))
      .toEqual({ value: { inputs: { vpc_cidr: '10.0.0.0/16' } }, errors: [] });
    expect(parseEnvironmentSpec('proton: EnvironmentSpec\n')).toEqual({ value: { inputs: {} }, errors: [] });
    expect(parseEnvironmentSpec('proton: ServiceSpec\nspec: [1]\ninstances: []\n').errors).toEqual([
      { path: 'proton', message: "must be 'EnvironmentSpec' (found string \"ServiceSpec\")" },
      { path: 'instances', message: 'is not allowed in a EnvironmentSpec (allowed keys: proton, spec)' },
      { path: 'spec', message: 'must be a mapping of input names to values (found a list)' },
    ]);
    expect(parseEnvironmentSpec('proton: [').errors).toEqual([{ path: '', message: expect.stringMatching(/^The spec is not valid YAML: /) }]);
  });

  test('service spec', () => {
    const spec = 'proton: ServiceSpec\npipeline:\n  dockerfile: Dockerfile\ninstances:\n  - name: dev\n    environment: env-a\n    spec:\n      port: 8080\n  - name: prod\n    environment: env-b\n';
    expect(parseServiceSpec(spec)).toEqual({
      value: {
        pipeline: { dockerfile: 'Dockerfile' },
        instances: [
          { name: 'dev', environment: 'env-a', inputs: { port: 8080 } },
          { name: 'prod', environment: 'env-b', inputs: {} },
        ],
      },
      errors: [],
    });
    expect(parseServiceSpec('proton: ServiceSpec\ninstances:\n  - {name: dev, environment: a}\n  - {name: dev, environment: "", extra: 1, spec: 3}\n  - x\n').errors).toEqual([
      { path: 'instances[1].extra', message: 'is not allowed (allowed keys: name, environment, spec)' },
      { path: 'instances[1].name', message: "'dev' is already used by instances[0]" },
      { path: 'instances[1].environment', message: 'must be the name of an environment (found string "")' },
      { path: 'instances[1].spec', message: 'must be a mapping of input names to values (found number 3)' },
      { path: 'instances[2]', message: 'must be a mapping with name, environment and spec (found string "x")' },
    ]);
    expect(parseServiceSpec('proton: ServiceSpec\n').errors)
      .toEqual([{ path: 'instances', message: 'must be a list of {name, environment, spec} entries (found nothing)' }]);
  });
});

describe('isBackwardCompatible', () => {
  const schema = (props: string, required = '[]') => `
schema:
  format: {openapi: "3.0.0"}
  service_input_type: S
  types:
    S:
      type: object
      properties:
${props}
      required: ${required}
`;
  const base = schema('        a: {type: string}\n        b: {type: number, default: 1}', '[a]');

  test('adding optional inputs or inputs with defaults is compatible', () => {
    expect(isBackwardCompatible(base, schema('        a: {type: string}\n        b: {type: number, default: 1}\n        c: {type: string}\n        d: {type: string, default: x}', '[a, d]'),
      ['service_input_type', 'pipeline_input_type'])).toEqual([]);
  });

  test('removed inputs, type changes and new required inputs without default are not', () => {
    expect(isBackwardCompatible(base, schema('        a: {type: number}\n        c: {type: string}\n        e: {type: string}', '[a, c]'),
      ['service_input_type'])).toEqual([
      "input 'a' of service_input_type changed type from string to number",
      "input 'b' of service_input_type was removed",
      "new input 'c' of service_input_type is required and has no default",
    ]);
    expect(isBackwardCompatible(base, schema('        a: {type: string}\n        b: {type: number}', '[a, b]'), ['service_input_type']))
      .toEqual(["input 'b' of service_input_type became required without a default"]);
  });

  test('removing an input type key is not', () => {
    const withPipeline = base.replace('service_input_type: S', 'service_input_type: S\n  pipeline_input_type: S');
    expect(isBackwardCompatible(withPipeline, base, ['service_input_type', 'pipeline_input_type'])).toEqual(['schema.pipeline_input_type was removed']);
  });
});
