/**
 * How Python (and so Jinja2, which AWS Proton renders CloudFormation templates with) turns values
 * into text, where JavaScript differs: `str()` of booleans, `None`, lists and dicts (`repr`), and
 * `json.dumps` (Jinja2's `tojson`). Used by the renderer so a rendered template reads as Proton's.
 *
 * @see https://docs.python.org/3/library/functions.html#repr
 * @see https://docs.python.org/3/library/json.html#json.dumps
 */

/** Python's `str(value)`: what `{{ value }}` prints in Jinja2. */
export function pyStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === null) return 'None';
  if (typeof value === 'number') return pyNumber(value);
  if (Array.isArray(value) || isPlainObject(value)) return pyRepr(value);
  return String(value);
}

/** Python's `repr(value)`: how lists and dicts print their items. */
export function pyRepr(value: unknown): string {
  if (typeof value === 'string') return pyStringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (isPlainObject(value)) {
    return `{${Object.entries(value).map(([k, v]) => `${pyStringRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
  return pyStr(value);
}

function pyNumber(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return String(value);
}

/** Python's string repr: single quotes unless the text has a single quote and no double quote. */
function pyStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of text) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch < ' ' || ch === '\x7f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

/**
 * Jinja2's `tojson`: `json.dumps` with Jinja2's default policy (`sort_keys=True`), Python's
 * separators (`', '` and `': '`, or `','` with an indent), `ensure_ascii`, and the HTML-safe
 * escapes Jinja2 adds (`<`, `>`, `&`, `'` as `\u003c`, `\u003e`, `\u0026`, `\u0027`).
 *
 * @see https://jinja.palletsprojects.com/en/3.1.x/templates/#jinja-filters.tojson
 */
export function pyJsonDumps(value: unknown, indent?: number | string): string {
  const step = typeof indent === 'number' ? ' '.repeat(indent) : indent;
  return dump(value, step, '');
}

function dump(value: unknown, step: string | undefined, current: string): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : pyNumber(value).replace('nan', 'NaN').replace('inf', 'Infinity');
  if (typeof value === 'string') return jsonString(value);
  const inner = step === undefined ? undefined : current + step;
  const open = (items: string[], left: string, right: string) => {
    if (items.length === 0) return `${left}${right}`;
    if (inner === undefined) return `${left}${items.join(', ')}${right}`;
    return `${left}\n${inner}${items.join(`,\n${inner}`)}\n${current}${right}`;
  };
  if (Array.isArray(value)) return open(value.map((v) => dump(v, step, inner ?? '')), '[', ']');
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return open(keys.map((k) => `${jsonString(k)}: ${dump(value[k], step, inner ?? '')}`), '{', '}');
  }
  return jsonString(String(value));
}

function jsonString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') {out += '\\"';} else if (ch === '\\') {out += '\\\\';} else if (ch === '\n') {out += '\\n';} else if (ch === '\r') {out += '\\r';} else if (ch === '\t') {out += '\\t';} else if (ch === '\b') {out += '\\b';} else if (ch === '\f') {out += '\\f';} else if (ch === '<' || ch === '>' || ch === '&' || ch === "'" || code < 0x20 || code > 0x7e) {
      // ensure_ascii (non-ASCII as \uXXXX, surrogate pairs for astral characters) and Jinja2's HTML-safe escapes.
      for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    } else {
      out += ch;
    }
  }
  return `${out}"`;
}

/** Whether a value is a plain mapping (not a list, not null, not a class instance such as a Date). */
export function isPlainObject(value: unknown): value is { [key: string]: unknown } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
