/**
 * Reading a rendered CloudFormation template (YAML with CloudFormation's short-form tags, or
 * JSON): it must be a mapping with a `Resources` mapping of at least one resource
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html);
 * its `Outputs` keys are what Proton reports as the resource's outputs, and an output whose
 * `Value` is a plain scalar (not an intrinsic function such as `!Ref`) has that value.
 */
import { isMap, isScalar, LineCounter, parseDocument, YAMLMap } from 'yaml';

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
  // logLevel error: CloudFormation's tags (!Ref, !Sub, ...) are unknown to YAML and stay silent.
  const doc = parseDocument(text, { prettyErrors: false, lineCounter, logLevel: 'error', uniqueKeys: true });
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
