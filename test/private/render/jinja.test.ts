/**
 * Proton's Jinja (src/private/render): where it follows Jinja2 rather than nunjucks, Proton's filters as
 * the user guide documents them, and the checks on deploy-time placeholders.
 */
import { JinjaError, JinjaTemplate } from '../../../src/private/render/jinja';
import { Placeholders } from '../../../src/private/render/placeholders';

const render = (text: string, context: object = {}) => JinjaTemplate.parse(text).render(context).text;
const failure = (text: string, context: object = {}) => {
  try {
    render(text, context);
  } catch (e) {
    expect(e).toBeInstanceOf(JinjaError);
    return { line: (e as JinjaError).line, message: (e as JinjaError).message };
  }
  throw new Error('rendered without an error');
};

describe('Jinja2 semantics', () => {
  test('values print as Python prints them', () => {
    expect(render('{{ a }} {{ b }} {{ c }} {{ d }} {{ None }}', { a: true, b: ['x', "y'z"], c: { k: 1 }, d: 2.5 })).toBe("True ['x', \"y'z\"] {'k': 1} 2.5 None");
  });

  test('tojson sorts keys, escapes like Jinja2 and indents with Python separators', () => {
    expect(render('{{ v | tojson }}', { v: { b: '<&>', a: [1, "it's"] } })).toBe('{"a": [1, "it\\u0027s"], "b": "\\u003c\\u0026\\u003e"}');
    expect(render('{{ v | tojson(2) }}', { v: { a: [1] } })).toBe('{\n  "a": [\n    1\n  ]\n}');
  });

  test('truncate keeps the result within length, end included, with leeway 5 unless given', () => {
    expect(render("{{ 'a-very-long-service--production' | truncate(20, true, 'zzz', 0) }}")).toBe('a-very-long-servizzz');
    expect(render("{{ 'hello wonderful world' | truncate(12) }}")).toBe('hello...');
    expect(render("{{ 'abcdefghijklmnop' | truncate(12) }}")).toBe('abcdefghijklmnop');
  });

  test('indent leaves blank lines alone; format, items, map, unique, min, max, count', () => {
    expect(render("{{ 'a\\n\\nb' | indent(2) }}")).toBe('a\n\n  b');
    expect(render("{{ '%s-%d' | format('x', 3.7) }}")).toBe('x-3');
    expect(render('{% for k, v in d | items %}{{ k }}={{ v }};{% endfor %}', { d: { a: 1, b: 2 } })).toBe('a=1;b=2;');
    expect(render("{{ xs | map(attribute='n') | join(',') }} {{ [3, 1, 3] | unique | join(',') }} {{ [3, 1] | min }} {{ [3, 1] | max }} {{ 'abc' | count }}",
      { xs: [{ n: 'a' }, { n: 'b' }] })).toBe('a,b 3,1 1 3 3');
  });

  test('raw blocks, comments, whitespace control and Python methods', () => {
    expect(render("{# note #}{% raw %}'{{resolve:ssm:/x}}'{% endraw %}\n{%- for p in 'a,b'.split(',') %}\n- {{ p.upper() }}{% endfor %}")).toBe("'{{resolve:ssm:/x}}'\n- A\n- B");
  });

  test('printing an undefined value fails, naming what is missing; lookups through undefined values chain to default', () => {
    expect(failure('a\n{{ outputs.Missing }}', { outputs: { A: '1' } })).toEqual({
      line: 2, message: "outputs.Missing is undefined: outputs has no 'Missing' (it has: A). Give it a default (| default(...)) or reference a value that exists.",
    });
    expect(render("{{ si.components.default.outputs.X | default('none') }}", { si: { components: {} } })).toBe('none');
  });

  test('syntax errors and unknown filters and tests name their line, even in a branch not taken', () => {
    expect(failure('a\n{% if x %}\n{% endfor %}')).toEqual({ line: 3, message: 'Jinja syntax error: unknown block tag: endfor' });
    expect(failure('{% if false %}\n{{ x | nope }}\n{% endif %}').line).toBe(2);
    expect(failure('{% if x is weird %}{% endif %}')).toEqual({ line: 1, message: "unknown test 'weird'" });
  });
});

describe("Proton's filters", () => {
  const outputs = { Queue: 'https://q', Policy: 'arn:aws:iam::123456789012:policy/p' };

  test('formatting filters write block YAML at the column of a {{ that starts its line, flow YAML elsewhere', () => {
    expect(render('E:\n  {{ o | proton_cfn_ecs_task_definition_formatted_env_vars }}', { o: outputs }))
      .toBe('E:\n  - Name: "Queue"\n    Value: "https://q"\n  - Name: "Policy"\n    Value: "arn:aws:iam::123456789012:policy/p"');
    expect(render('V: {{ o | proton_cfn_lambda_function_formatted_env_vars }}', { o: outputs }))
      .toBe('V: {"Queue": "https://q", "Policy": "arn:aws:iam::123456789012:policy/p"}');
    expect(render('P:\n  - a\n  {{ o | proton_cfn_iam_policy_arns }}', { o: outputs })).toBe('P:\n  - a\n  - "arn:aws:iam::123456789012:policy/p"');
    expect(render('E: {{ o | proton_cfn_ecs_task_definition_formatted_env_vars }}', { o: {} })).toBe('E: []');
  });

  test('raw=False and proton_cfn_sanitize validate values with the messages of the user guide', () => {
    expect(failure('{{ v | proton_cfn_sanitize }}', { v: 'this::is::incorrect' })).toEqual({
      line: 1, message: "the filter 'proton_cfn_sanitize' failed: Illegal character(s) detected in \"this::is::incorrect\". Must match regex ^[a-zA-Z0-9_-]*$ or be a valid ARN",
    });
    expect(render('{{ v | proton_cfn_sanitize }}', { v: 'arn:aws:some-service::123456789012:some-resource/resource-name' }))
      .toBe('arn:aws:some-service::123456789012:some-resource/resource-name');
    expect(failure('{{ o | proton_cfn_lambda_function_formatted_env_vars(False) }}', { o: { A: 'a b' } }).message)
      .toBe("the filter 'proton_cfn_lambda_function_formatted_env_vars' failed: Illegal character(s) detected in \"a b\". Must match regex ^[a-zA-Z0-9_-]*$");
  });
});

describe('deploy-time placeholders', () => {
  const placeholders = new Placeholders();
  const token = placeholders.create('service_instance.inputs.vpc_id');

  test('used as values they print and are reported with their line', () => {
    expect(JinjaTemplate.parse("a\nV: '{{ v }}-x' {{ v | default('d') }}").render({ v: token }).valueUses).toEqual([
      { marker: token, line: 2 }, { marker: token, line: 2 },
    ]);
    expect(render('{% if v is defined %}ok{% endif %}', { v: token })).toBe('ok');
  });

  test.each([
    ['{% if v %}x{% endif %}', 'an if condition'],
    ["{% if v == 'a' %}x{% endif %}", 'a comparison'],
    ['{% for c in v %}{% endfor %}', 'a for loop'],
    ['{{ v | upper }}', "the filter 'upper'"],
    ["{{ 'x' | replace('x', v) }}", "an argument of the filter 'replace'"],
    ["{{ 'a' if v else 'b' }}", 'an inline if condition'],
    ['{{ v.split(",") }}', 'a lookup into it'],
    ['{{ v + 1 }}', 'addition'],
  ])('%s is a decision on the value', (text, what) => {
    expect(failure(`\n${text}`, { v: token })).toEqual({ line: 2, message: `decision on deploy-time value ${token} in ${what}` });
  });
});
