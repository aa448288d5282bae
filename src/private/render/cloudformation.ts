/**
 * Reading a rendered CloudFormation template (YAML with CloudFormation's short-form tags, or
 * JSON): it must be a mapping with a `Resources` mapping of at least one resource
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html);
 * its `Outputs` keys are what Proton reports as the resource's outputs, and an output whose
 * `Value` is a plain scalar (not an intrinsic function such as `!Ref`) has that value.
 *
 * A template rendered with stand-ins (names as placeholders, `placeholders.ts`) is read once for
 * every resource that shares the render: the parse also notes where the stand-ins are, for
 * `stand-ins.ts` to tell whether a resource's names would read differently.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, Schema, Tags, YAMLMap, YAMLSeq } from 'yaml';
import { findMarkerPositions, findMarkers } from './placeholders';

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

/** The tags YAML resolves an untagged plain scalar with (the core schema's), by their test. */
const IMPLICIT_TAGS = new Schema({ customTags: CFN_TAGS }).tags.filter((tag) => tag.default === true && tag.test !== undefined);

/** Whether the parser reads an untagged plain scalar of this value as a string (not a number, boolean or null). */
export function readsAsString(value: string): boolean {
  const tag = IMPLICIT_TAGS.find((t) => t.test!.test(value));
  return tag === undefined || tag.tag === 'tag:yaml.org,2002:str';
}

/** One `Outputs` entry: its key and, when its `Value` is a plain scalar, that value as a string. */
export interface RenderedOutput {
  readonly key: string;
  readonly literal?: string;
}

export interface ParsedCloudFormation {
  readonly outputs: readonly RenderedOutput[];
  /** Where the stand-ins are, when the template holds some. */
  readonly standInSites?: StandInSites;
}

/**
 * Where stand-ins are in a rendered template, and so where replacing them with values could
 * change how YAML reads it (values match `STAND_IN_VALUE`: no indicator, quote or escape).
 */
export interface StandInSites {
  /** A stand-in is (part of) a tag, an anchor or an alias, or follows a backslash: its value could change the syntax. */
  readonly inSyntax: boolean;
  /** The values of the untagged plain scalars holding stand-ins: YAML could read one as a number, boolean or null. */
  readonly plainScalars: readonly string[];
  /** The keys of each mapping that has a key holding stand-ins (null: not a string): they must stay distinct. */
  readonly mappingKeys: ReadonlyArray<ReadonlyArray<string | null>>;
}

/** The keys this module reads: a key holding stand-ins must not become one of them. */
export const READ_KEYS: ReadonlySet<string> = new Set(['Resources', 'Outputs', 'Value']);

/** A problem of the rendered text: the message and the line (of the rendered text) when known. */
export interface CloudFormationProblem {
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/**
 * Parses a rendered template; returns its outputs, or what makes it not a CloudFormation template.
 * With `standIns` (the stand-in markers of the render), also where they are.
 */
export function parseRenderedCloudFormation(
  text: string, standIns?: (marker: string) => boolean,
): ParsedCloudFormation | { problem: CloudFormationProblem } {
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
  const standInSites = standIns && findStandInSites(text, doc, standIns);
  return { outputs: isMap(outputs) ? readOutputs(outputs) : [], ...standInSites ? { standInSites } : {} };
}

function findStandInSites(text: string, doc: ReturnType<typeof parseDocument>, isStandIn: (marker: string) => boolean): StandInSites | undefined {
  // Stand-ins are printed as created (upper case): a cheap test first.
  const holdsStandIn = (value: string) => value.includes('__CDKPROTON_TOKEN_') && findMarkers(value).some(isStandIn);
  let inSyntax = false;
  let any = false;
  for (const { marker, index } of findMarkerPositions(text)) {
    if (!isStandIn(marker)) continue;
    any = true;
    // The start of the token the marker is in: a tag (!), an anchor (&) or an alias (*) would take its value as a name.
    let start = index;
    while (start > 0 && !/[\s[\]{},'"]/.test(text[start - 1])) start--;
    if (text[index - 1] === '\\' || /[!&*]/.test(text[start])) inSyntax = true;
  }
  if (!any) return undefined;
  const plainScalars: string[] = [];
  const mappingKeys: Array<Array<string | null>> = [];
  const walk = (node: unknown): void => {
    if (isScalar(node)) {
      if (node.type === 'PLAIN' && node.tag === undefined && typeof node.value === 'string' && holdsStandIn(node.value)) plainScalars.push(node.value);
    } else if (isMap(node)) {
      const keys = node.items.map((pair) => (isScalar(pair.key) && typeof pair.key.value === 'string' ? pair.key.value : null));
      if (keys.some((key) => key !== null && holdsStandIn(key))) mappingKeys.push(keys);
      node.items.forEach((pair) => {
        walk(pair.key);
        walk(pair.value);
      });
    } else if (isSeq(node)) {
      node.items.forEach(walk);
    }
  };
  walk(doc.contents);
  return { inSyntax, plainScalars, mappingKeys };
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
