import type { PropertiesOf, PropertyRule, PropertySchema } from '../../src/custom-resources/contract';

/**
 * The one parser of CloudFormation `ResourceProperties`.
 *
 * CloudFormation hands every scalar to the handler as a string ("true", "42"), whatever the
 * template said, and drops nothing else: each reader checks the shape and converts back, and
 * names the resource type and property when a value is malformed.
 */
export class PropertyReader {
  constructor(private readonly resourceType: string, private readonly raw: Record<string, unknown>) {}

  public requiredString(key: string): string {
    const value = this.optionalString(key);
    if (value === undefined || value === '') {
      throw this.malformed(key, 'is required');
    }
    return value;
  }

  /** A required string that must be one of `allowed` (an enum of Proton's model). */
  public requiredOneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const value = this.requiredString(key);
    if (!(allowed as readonly string[]).includes(value)) {
      throw this.malformed(key, `must be one of ${allowed.join(', ')}, got "${value}"`);
    }
    return value as T;
  }

  public optionalString(key: string): string | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null) {
      return undefined;
    }
    if (typeof value === 'string') {
      return value;
    }
    if (typeof value === 'number' || typeof value === 'boolean') {
      return String(value);
    }
    throw this.malformed(key, `must be a string, got ${typeof value}`);
  }

  public optionalBoolean(key: string): boolean | undefined {
    const value = this.optionalString(key);
    if (value === undefined) {
      return undefined;
    }
    if (value === 'true' || value === 'false') {
      return value === 'true';
    }
    throw this.malformed(key, `must be "true" or "false", got "${value}"`);
  }

  public optionalNumber(key: string): number | undefined {
    const value = this.optionalString(key);
    if (value === undefined) {
      return undefined;
    }
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed)) {
      throw this.malformed(key, `must be a number, got "${value}"`);
    }
    return parsed;
  }

  public optionalStringList(key: string): string[] | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null) {
      return undefined;
    }
    if (!Array.isArray(value)) {
      throw this.malformed(key, 'must be a list of strings');
    }
    return value.map((item, i) => {
      if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
        throw this.malformed(`${key}[${i}]`, `must be a string, got ${typeof item}`);
      }
      return String(item);
    });
  }

  /** A list of objects, each read by its own reader (named `<type>.<key>[i]` in errors). */
  public objectList(key: string): PropertyReader[] {
    const value = this.raw[key] ?? [];
    if (!Array.isArray(value)) {
      throw this.malformed(key, 'must be a list of objects');
    }
    return value.map((item, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw this.malformed(`${key}[${i}]`, 'must be an object');
      }
      return new PropertyReader(`${this.resourceType}.${key}[${i}]`, item as Record<string, unknown>);
    });
  }

  public optionalStringMap(key: string): Record<string, string> | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null) {
      return undefined;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw this.malformed(key, 'must be a map of strings');
    }
    const nested = new PropertyReader(`${this.resourceType}.${key}`, value as Record<string, unknown>);
    return Object.fromEntries(Object.keys(value).map((k) => [k, nested.optionalString(k) ?? '']));
  }

  /** Every key of `schema`, read by its rule (the kind's contract, `src/custom-resources/contract.ts`). */
  public read<S extends PropertySchema>(schema: S): PropertiesOf<S> {
    const entries = Object.entries(schema).map(([key, rule]) => [key, this.byRule(key, rule)] as const);
    return Object.fromEntries(entries.filter(([, value]) => value !== undefined)) as PropertiesOf<S>;
  }

  private byRule(key: string, rule: PropertyRule<unknown, boolean>): unknown {
    switch (rule.read) {
      case 'stringMap':
        return this.optionalStringMap(key);
      case 'oneOf':
        return this.requiredOneOf(key, rule.allowed!);
      case 'string':
        return rule.optional ? this.optionalString(key) : this.requiredString(key);
    }
  }

  private malformed(key: string, problem: string): Error {
    return new Error(`${this.resourceType} property ${key} ${problem}.`);
  }
}
