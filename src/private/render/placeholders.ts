/**
 * Placeholders stand in, while a template is rendered, for values known only at deploy time: CDK
 * tokens in a spec, and the outputs of environments and components. A placeholder is a plain
 * string (`__CDKPROTON_TOKEN_<n>__`) that YAML keeps as written, so the rendered text still
 * parses, and the renderer can tell where each one was used: as a value (printed into the
 * template, fine) or in a decision (`if`, `for`, a comparison, a filter), which cannot be made
 * before deployment and is a synth error naming the value, the file and the line.
 *
 * The same mechanism renders one template for many resources: a *stand-in* is a placeholder for a
 * value known at synth (a resource's name) that the render does not decide on, so every resource
 * whose spec is the same shares the render, and the stand-ins are replaced by each resource's
 * values afterwards (`stand-ins.ts`). A filter applied to a stand-in gives a *derived* stand-in,
 * computed for each resource the same way.
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
  /** Set on a stand-in for a value known at synth: the value (a name) it is replaced by after the render. */
  readonly standIn?: string;
  /** Set on a derived stand-in: the filter call whose result it stands for, its input holding stand-ins. */
  readonly derivation?: Derivation;
}

/** `input | filter(args...)`, where `input` holds stand-ins: the value is computed for each resource. */
export interface Derivation {
  readonly filter: string;
  readonly input: string;
  readonly args: readonly unknown[];
}

/**
 * The values a stand-in may take: Proton's resource name pattern (`^[0-9A-Za-z]+[0-9A-Za-z_-]*$`).
 * Printed anywhere in a template they read as the marker reads — no YAML indicator, quote,
 * escape or JSON escape, and `proton_cfn_sanitize` keeps them — except where YAML would read a
 * plain scalar as a number or boolean, which `stand-ins.ts` checks for each value. Other values
 * are not stood in for: they are rendered as they are.
 */
export const STAND_IN_VALUE = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** The placeholders of one render; each marker is unique within it. */
export class Placeholders {
  private readonly byIndex: Placeholder[] = [];

  /** A new placeholder for `label` (standing for `value`). */
  public create(label: string, value?: unknown): string {
    const marker = `__CDKPROTON_TOKEN_${this.byIndex.length}__`;
    this.byIndex.push({ marker, label, value });
    return marker;
  }

  /** A stand-in for `value`, a value known at synth that matches {@link STAND_IN_VALUE}. */
  public createStandIn(label: string, value: string): string {
    const marker = `__CDKPROTON_TOKEN_${this.byIndex.length}__`;
    this.byIndex.push({ marker, label, standIn: value });
    return marker;
  }

  /** A derived stand-in: the result of a filter applied to a string holding stand-ins. */
  public createDerived(label: string, derivation: Derivation): string {
    const marker = `__CDKPROTON_TOKEN_${this.byIndex.length}__`;
    this.byIndex.push({ marker, label, derivation });
    return marker;
  }

  /** Whether `marker` is a stand-in (derived or not). */
  public isStandIn(marker: string): boolean {
    const placeholder = this.get(marker);
    return placeholder !== undefined && (placeholder.standIn !== undefined || placeholder.derivation !== undefined);
  }

  /** Whether any stand-in was created. */
  public hasStandIns(): boolean {
    return this.byIndex.some((p) => p.standIn !== undefined);
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

/** Every placeholder marker in a string with its index, in order. */
export function findMarkerPositions(value: string): Array<{ readonly marker: string; readonly index: number }> {
  return [...value.matchAll(MARKER_GLOBAL)].map((m) => ({ marker: m[0], index: m.index! }));
}

/** `value` with each marker replaced by `replacement(marker)`, or kept where it returns undefined. */
export function replaceMarkers(value: string, replacement: (marker: string) => string | undefined): string {
  return value.replace(MARKER_GLOBAL, (marker) => replacement(marker) ?? marker);
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
