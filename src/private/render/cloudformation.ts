/**
 * Reading a rendered CloudFormation template (YAML with CloudFormation's short-form tags, or
 * JSON): it must be a mapping with a `Resources` mapping of at least one resource
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html);
 * its `Outputs` keys are what Proton reports as the resource's outputs, and an output whose
 * `Value` is a plain scalar (not an intrinsic function such as `!Ref`) has that value.
 */
import { isMap, isScalar, LineCounter, parseDocument, Tags, YAMLMap, YAMLSeq } from 'yaml';

/**
 * CloudFormation's short-form intrinsic functions, known to the parser so their values parse
 * without a warning each (an unknown tag costs the `yaml` package a warning object; with these it
 * parses a rendered template about twice as fast). The values keep their tag (`!Ref`).
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 */
const CFN_TAGS: Tags = ['Ref', 'Condition', 'GetAtt', 'Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub',
  'Transform', 'And', 'Equals', 'If', 'Not', 'Or', 'ToJsonString', 'Length'].flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => value },
  { tag: `!${name}`, collection: 'seq' as const, nodeClass: YAMLSeq, resolve: (value: unknown) => value as YAMLSeq },
  { tag: `!${name}`, collection: 'map' as const, nodeClass: YAMLMap, resolve: (value: unknown) => value as YAMLMap },
]);

/** One `Outputs` entry: its key and, when its `Value` is a plain scalar, that value as a string. */
export interface RenderedOutput {
  readonly key: string;
  readonly literal?: string;
}

export interface ParsedCloudFormation {
  readonly outputs: readonly RenderedOutput[];
}

/** A problem of the rendered text: the message and the line (of the rendered text) when known. */
export interface CloudFormationProblem {
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/** Parses a rendered template; returns its outputs, or what makes it not a CloudFormation template. */
export function parseRenderedCloudFormation(text: string): ParsedCloudFormation | { problem: CloudFormationProblem } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter, logLevel: 'error', uniqueKeys: true, customTags: CFN_TAGS });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const { line, col } = lineCounter.linePos(e.pos[0]);
    return { problem: { message: e.message.split('\n')[0], line, column: col } };
  }
  const root = doc.contents;
  if (!isMap(root)) {
    return { problem: { message: 'is not a CloudFormation template: it must be a mapping with a Resources section' } };
  }
  const resources = root.get('Resources', true);
  if (!isMap(resources) || resources.items.length === 0) {
    return { problem: { message: 'is not a CloudFormation template: it has no Resources section with at least one resource' } };
  }
  const outputs = root.get('Outputs', true);
  return { outputs: isMap(outputs) ? readOutputs(outputs) : [] };
}

function readOutputs(outputs: YAMLMap): RenderedOutput[] {
  return outputs.items.map((pair) => {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const value = isMap(pair.value) ? pair.value.get('Value', true) : undefined;
    const literal = isScalar(value) && (value.tag === undefined || value.tag.startsWith('tag:yaml.org,2002:')) && value.value !== null
      ? String(value.value)
      : undefined;
    return literal === undefined ? { key } : { key, literal };
  });
}
