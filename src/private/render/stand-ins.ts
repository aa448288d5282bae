/**
 * One render for every resource whose spec is the same: names (of the environment, service,
 * instance, component, ...) are rendered as stand-ins (`placeholders.ts`), and each resource's
 * result is the shared one with the stand-ins replaced by its names — which is what rendering
 * with its names gives, because:
 *
 * - the render only printed, concatenated and carried the stand-ins (`jinja.ts`: any decision on
 *   one fails the shared render), and computes each filter applied to one for each resource's
 *   names here (derived stand-ins);
 * - names match `STAND_IN_VALUE`, so the rendered text tokenizes as YAML the same way, and this
 *   module checks, for each resource's names, the rest: that no plain scalar holding a name reads
 *   as another type, that the keys of a mapping stay distinct and are not keys the reader looks
 *   for, and that no name is part of a tag, anchor or alias.
 *
 * Where one of these does not hold, the caller renders with the names (`withStandInValues`).
 */
import { READ_KEYS, readsAsString } from './cloudformation';
import { IacRenderResult } from './iac';
import { applyFilter } from './jinja';
import { findMarkers, Placeholders, replaceMarkers, STAND_IN_VALUE } from './placeholders';

/**
 * The result of rendering with the names of `placeholders`' stand-ins, from `shared`, a render
 * with the same namespace but for its stand-ins (rendered with `standIns: true`); undefined when
 * these names would change the render beyond being printed (render with them instead).
 */
export function instantiateStandIns(shared: IacRenderResult, placeholders: Placeholders): IacRenderResult | undefined {
  const standIns = shared.standIns;
  if (!standIns) throw new Error('instantiateStandIns: the render was not made with stand-ins');
  const values = new Map<string, string>();
  for (const placeholder of placeholders.all()) {
    if (placeholder.standIn !== undefined) values.set(placeholder.marker, placeholder.standIn);
  }
  const replace = (text: string) => replaceMarkers(text, (marker) => values.get(marker));
  for (const { marker, derivation } of standIns.derived) {
    let value: unknown;
    try {
      value = applyFilter(derivation!.filter, replace(derivation!.input), derivation!.args);
    } catch {
      return undefined; // the filter fails for these names: the render with them says how
    }
    if (typeof value !== 'string' || !STAND_IN_VALUE.test(value)) return undefined;
    values.set(marker, value);
  }
  const sites = standIns.sites;
  if (sites) {
    if (sites.inSyntax) return undefined;
    if (sites.plainScalars.some((value) => !readsAsString(replace(value)))) return undefined;
    for (const keys of sites.mappingKeys) {
      const seen = new Set<string>();
      for (const key of keys) {
        if (key === null) continue;
        const replaced = replace(key);
        if (seen.has(replaced) || (replaced !== key && READ_KEYS.has(replaced))) return undefined;
        seen.add(replaced);
      }
    }
  }
  const text = replace(shared.text);
  // Every stand-in is printed as created; one that a transformation changed (it cannot) would be left over.
  if (findMarkers(text).some((marker) => !values.has(marker) && values.has(marker.toUpperCase()))) return undefined;
  return {
    text,
    outputs: shared.outputs.map((o) => (o.literal === undefined ? { key: replace(o.key) } : { key: replace(o.key), literal: replace(o.literal) })),
    valueUses: shared.valueUses.filter((use) => !values.has(use.marker)).map((use) => ({ ...use, value: placeholders.get(use.marker)?.value })),
  };
}

/** `value` (a namespace) with each stand-in replaced by its name, to render with the names. */
export function withStandInValues<T>(value: T, placeholders: Placeholders): T {
  return mapStrings(value, (text) => replaceMarkers(text, (marker) => placeholders.get(marker)?.standIn)) as T;
}

function mapStrings(value: unknown, fn: (text: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, fn));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  }
  return value;
}
