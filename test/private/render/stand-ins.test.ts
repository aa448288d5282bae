/**
 * Stand-ins (src/private/render/stand-ins.ts): names rendered as placeholders so that one render
 * serves every resource whose spec is the same. For each template and names, the shared render
 * given the names is exactly the render with the names — or declines (undefined), where a name
 * would change the render beyond being printed, and the caller renders with the names.
 */
import { IacProblemsError, IacRenderResult, renderIacFile } from '../../../src/private/render/iac';
import { IacNamespace } from '../../../src/private/render/namespaces';
import { Placeholders } from '../../../src/private/render/placeholders';
import { instantiateStandIns, withStandInValues } from '../../../src/private/render/stand-ins';

interface Names {
  readonly service: string;
  readonly instance: string;
  readonly environment: string;
}

/** A service instance namespace with its names as stand-ins, a token input and a deploy-time environment output. */
function namespace(names: Names): { placeholders: Placeholders; namespace: IacNamespace } {
  const placeholders = new Placeholders();
  const ns: IacNamespace = {
    kind: 'SERVICE_INSTANCE',
    service: { name: placeholders.createStandIn('service.name', names.service) },
    serviceInstance: {
      name: placeholders.createStandIn('service_instance.name', names.instance),
      inputs: { port: 8080, vpc_id: placeholders.create('service_instance.inputs.vpc_id', '${Token[Vpc]}') },
    },
    environment: {
      name: placeholders.createStandIn('environment.name', names.environment),
      outputs: { SubnetId: placeholders.create('environment.outputs.SubnetId', '${Token[Subnet]}') },
    },
  };
  return { placeholders, namespace: ns };
}

/** The render with stand-ins (as the first resource of a spec makes it). */
function shared(text: string, names: Names): IacRenderResult {
  const { placeholders, namespace: ns } = namespace(names);
  return renderIacFile({ file: 'instance_infrastructure/cloudformation.yaml', text, namespace: ns, placeholders, standIns: true });
}

/** The shared render given `names` (undefined: declined). */
function instantiate(render: IacRenderResult, names: Names): IacRenderResult | undefined {
  return instantiateStandIns(render, namespace(names).placeholders);
}

/** The render with the names, as the caller makes it when the shared render declines. */
function withNames(text: string, names: Names): IacRenderResult {
  const { placeholders, namespace: ns } = namespace(names);
  return renderIacFile({ file: 'instance_infrastructure/cloudformation.yaml', text, namespace: withStandInValues(ns, placeholders), placeholders });
}

function renderError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(IacProblemsError);
    return (e as Error).message;
  }
  throw new Error('rendered without an error');
}

const API: Names = { service: 'api', instance: 'main', environment: 'net-1' };
const WEB: Names = { service: 'web-frontend', instance: 'blue', environment: 'prod_2' };

const RESOURCE = 'Resources:\n  R:\n    Type: AWS::SNS::Topic\n';

describe('one render serves every resource whose names only are printed', () => {
  const text = [
    'Description: {{ service.name }} {{ service_instance.name }} in {{ environment.name }}',
    'Resources:',
    '  {{ service_instance.name | replace("-", "") | replace("_", "") }}Queue:',
    '    Type: AWS::SQS::Queue',
    '    Properties:',
    "      QueueName: '{{ (service.name ~ '-' ~ service_instance.name) | proton_cfn_sanitize | truncate(29, true, 'zzz', 0) }}'",
    '      Tags: {{ [service.name, environment.name] | tojson }}',
    '      VpcId: {{ service_instance.inputs.vpc_id }}',
    '      SubnetId: "{{ environment.outputs.SubnetId }}"',
    "      Label: {{ service_instance.name | default('none') | upper }}-{{ [environment.name, 'x'] | join('.') }}",
    'Outputs:',
    '  Name:',
    '    Value: {{ service.name }}/{{ service_instance.name }}',
    '  Port:',
    "    Value: '{{ service_instance.inputs.port }}'",
    '  {{ environment.name | replace("-", "") | replace("_", "") }}Subnet:',
    '    Value: {{ environment.outputs.SubnetId }}',
  ].join('\n');

  test('the shared render, given each resource\'s names, is the render with its names', () => {
    const render = shared(text, API);
    for (const names of [API, WEB]) {
      expect(instantiate(render, names)).toEqual(withNames(text, names));
    }
    expect(instantiate(render, WEB)!.outputs).toEqual([
      { key: 'Name', literal: 'web-frontend/blue' }, { key: 'Port', literal: '8080' },
      { key: 'prod2Subnet', literal: '__CDKPROTON_TOKEN_4__' }, // a deploy-time value printed as a plain scalar (placeholders.ts)
    ]);
    expect(instantiate(render, WEB)!.text).toContain("  blueQueue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: 'web-frontend-blue'\n"
      + '      Tags: ["web-frontend", "prod_2"]\n');
    expect(instantiate(render, WEB)!.text).toContain('      Label: BLUE-prod_2.x\n');
  });

  test('deploy-time values keep their value uses; the names are not among them', () => {
    expect(instantiate(shared(text, API), WEB)!.valueUses.map((use) => [use.label, use.value, use.line])).toEqual([
      ['service_instance.inputs.vpc_id', '${Token[Vpc]}', 8], ['environment.outputs.SubnetId', '${Token[Subnet]}', 9],
      ['environment.outputs.SubnetId', '${Token[Subnet]}', 17],
    ]);
  });

  test('a filter computed for each name that fails for one declines for it; the render with it fails as it should', () => {
    const sanitized = `${RESOURCE}Outputs:\n  N:\n    Value: '{{ (service_instance.name ~ ".v2") | proton_cfn_sanitize }}'\n`;
    const render = shared(sanitized, API);
    expect(instantiate(render, { ...API, instance: 'blue' })).toBeUndefined();
    expect(renderError(() => withNames(sanitized, API))).toBe('instance_infrastructure/cloudformation.yaml:6: the filter \'proton_cfn_sanitize\' failed: '
      + 'Illegal character(s) detected in "main.v2". Must match regex ^[a-zA-Z0-9_-]*$ or be a valid ARN');
    // A computed name that is not a name (it would need quoting) declines too.
    const truncated = `${RESOURCE}Outputs:\n  N:\n    Value: '{{ service.name | truncate(5) }}'\n`;
    expect(instantiate(shared(truncated, API), WEB)).toBeUndefined();
    expect(withNames(truncated, WEB).outputs).toEqual([{ key: 'N', literal: 'we...' }]);
    expect(instantiate(shared(truncated, API), { ...WEB, service: 'web' })).toEqual(withNames(truncated, { ...WEB, service: 'web' }));
  });
});

describe('a template that decides on a name fails the shared render (the caller renders with the names)', () => {
  test.each([
    ["{% if environment.name == 'prod' %}", 'a comparison'],
    ['{% if service.name %}', 'an if condition'],
    ["{% if 'prod' in environment.name %}", "an 'in' test"],
    ['{% if service.name.startswith("a") %}', 'a lookup into it'],
    // Without the check, the call would not find the stand-in, and every name would take the else branch.
    ['{% if "api-b".replace(service.name, "") == "-b" %}', 'an argument of a call'],
    ['{% if (service.name | length) > 3 %}', "the filter 'length'"],
    ["{% if (service.name | upper) == 'API' %}", 'a comparison'],
    ["{% if [service.name] | sort | first == 'a' %}", "the filter 'sort'"],
  ])('%s', (condition, what) => {
    const text = `${RESOURCE}${condition}\n  S:\n    Type: AWS::SNS::Topic\n{% endif %}\n`;
    expect(renderError(() => shared(text, API))).toMatch(new RegExp(`^instance_infrastructure/cloudformation.yaml:4: the template decides on .* \\(in ${what.replace(/[()|']/g, '.')}\\)`));
    expect(() => withNames(text, API)).not.toThrow();
  });
});

describe('names that YAML would read differently decline', () => {
  const plain = `${RESOURCE}Outputs:\n  N:\n    Value: {{ service_instance.name }}\n  Q:\n    Value: '{{ environment.name }}'\n`;

  test.each(['123', '1e3', 'true', 'NULL', '0x1F'])('%s printed as a plain scalar', (name) => {
    const render = shared(plain, API);
    expect(instantiate(render, { ...API, instance: name })).toBeUndefined();
    // Quoted, it is printed as it is.
    expect(instantiate(render, { ...API, environment: name })).toEqual(withNames(plain, { ...API, environment: name }));
  });

  test('the render with such a name reads it as YAML does', () => {
    expect(withNames(plain, { ...API, instance: '1e3' }).outputs).toEqual([{ key: 'N', literal: '1000' }, { key: 'Q', literal: 'net-1' }]);
    expect(withNames(plain, { ...API, instance: 'null' }).outputs).toEqual([{ key: 'N' }, { key: 'Q', literal: 'net-1' }]);
  });

  test('keys that would repeat, or become a key the reader looks for', () => {
    const keys = `${RESOURCE}Outputs:\n  {{ service.name }}:\n    Value: a\n  {{ service_instance.name }}:\n    Value: b\n`;
    const render = shared(keys, API);
    expect(instantiate(render, WEB)).toEqual(withNames(keys, WEB));
    expect(instantiate(render, { ...API, instance: 'api' })).toBeUndefined();
    expect(renderError(() => withNames(keys, { ...API, instance: 'api' }))).toBe(
      'instance_infrastructure/cloudformation.yaml: is not valid YAML: Map keys must be unique (line 7, column 3)');
    const outputs = `${RESOURCE}{{ service_instance.name }}:\n  N:\n    Value: a\n`;
    expect(instantiate(shared(outputs, API), { ...API, instance: 'Outputs' })).toBeUndefined();
    expect(withNames(outputs, { ...API, instance: 'Outputs' }).outputs).toEqual([{ key: 'N', literal: 'a' }]);
  });

  test.each([
    ['a tag', 'Value: !{{ service_instance.name }} x', 'Ref'],
    ['an alias', 'Value: *{{ service_instance.name }}', 'a'],
    ['an escape', 'Value: "C:\\{{ service_instance.name }}"', 'a'],
  ])('a name in %s', (_, line, name) => {
    const text = `R: &a x\n${RESOURCE}Outputs:\n  N:\n    ${line}\n`;
    expect(instantiate(shared(text, API), { ...API, instance: name })).toBeUndefined();
  });
});
