/**
 * Placeholders stand in, while a template is rendered, for values known only at deploy time: CDK
 * tokens in a spec, and the outputs of environments and components. A placeholder is a plain
 * string (`__CDKPROTON_TOKEN_<n>__`) that YAML keeps as written, so the rendered text still
 * parses, and the renderer can tell where each one was used: as a value (printed into the
 * template, fine) or in a decision (`if`, `for`, a comparison, a filter), which cannot be made
 * before deployment and is a synth error naming the value, the file and the line.
 */

const MARKER = /__CDKPROTON_TOKEN_(\d+)__/i;
const MARKER_GLOBAL = /__CDKPROTON_TOKEN_(\d+)__/gi;

/** One placeholder: what it stands for (`service_instance.inputs.vpc_id`) and the value it replaces. */
export interface Placeholder {
  /** The marker string printed into the rendered template. */
  readonly marker: string;
  /** What the value is, for messages: its path in the namespace, e.g. `environment.outputs.VpcId`. */
  readonly label: string;
  /** The value the placeholder replaces (e.g. the CDK token), for callers that map it back. */
  readonly value?: unknown;
}

/** The placeholders of one render; each marker is unique within it. */
export class Placeholders {
  private readonly byIndex: Placeholder[] = [];

  /** A new placeholder for `label` (standing for `value`). */
  public create(label: string, value?: unknown): string {
    const marker = `__CDKPROTON_TOKEN_${this.byIndex.length}__`;
    this.byIndex.push({ marker, label, value });
    return marker;
  }

  /** The placeholder a marker belongs to. */
  public get(marker: string): Placeholder | undefined {
    const match = MARKER.exec(marker);
    return match ? this.byIndex[Number(match[1])] : undefined;
  }

  /** Every placeholder created, in creation order. */
  public all(): readonly Placeholder[] {
    return this.byIndex;
  }
}

/** The first placeholder marker in a string, if any. */
export function findMarker(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return MARKER.exec(value)?.[0];
}

/** Every placeholder marker in a string, in order. */
export function findMarkers(value: string): string[] {
  return [...value.matchAll(MARKER_GLOBAL)].map((m) => m[0]);
}

/** The first placeholder marker anywhere in a value (strings, lists, mappings). */
export function findMarkerDeep(value: unknown): string | undefined {
  if (typeof value === 'string') return findMarker(value);
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findMarkerDeep(item);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) {
      const found = findMarkerDeep(item);
      if (found) return found;
    }
  }
  return undefined;
}
