/**
 * The evaluation context of one stack's template: pseudo parameters, parameter defaults,
 * conditions, mappings, and the resources deployed so far (Ref = physical id, Fn::GetAtt =
 * stand-in attributes or a custom resource's Data).
 */
import { ResourceRecord } from './custom-resource';
import { evaluateCondition, PseudoParameters, ResolveContext, TemplateError } from './intrinsics';
import { STACK_TYPE } from './operation-context';
import { CfnTemplate, isCustomResourceType } from './template';

export interface StackResolverOptions {
  readonly template: CfnTemplate;
  readonly pseudo: PseudoParameters;
  /** Resources deployed so far, by logical id (read at resolution time). */
  readonly resources: () => Record<string, ResourceRecord>;
  readonly importValue: (name: string) => string;
  /** Values given to the template's parameters (a nested stack's `Parameters`); others take their Default. */
  readonly parameters?: Record<string, string>;
}

export function stackResolver(options: StackResolverOptions): ResolveContext {
  const { template } = options;
  const conditionCache = new Map<string, boolean>();
  const ctx: ResolveContext = {
    pseudo: options.pseudo,
    mappings: template.Mappings ?? {},
    parameter: (name) => {
      const parameter = template.Parameters?.[name];
      if (!parameter) return undefined;
      if (parameter.Type.startsWith('AWS::SSM::Parameter::')) {
        throw new TemplateError(
          `Parameter ${name} reads the SSM parameter ${String(parameter.Default)}; the local runner has no SSM Parameter Store, so nothing may reference it.`,
        );
      }
      const value = options.parameters?.[name] ?? parameter.Default;
      if (value === undefined) {
        throw new TemplateError(`Parameter ${name} has no Default; the local runner deploys templates whose parameters all have defaults.`);
      }
      // A list parameter's value is its comma-delimited items.
      return parameter.Type === 'CommaDelimitedList' || parameter.Type.startsWith('List<') ? String(value).split(',') : value;
    },
    condition: (name) => {
      const cached = conditionCache.get(name);
      if (cached !== undefined) return cached;
      const expr = template.Conditions?.[name];
      if (expr === undefined) throw new TemplateError(`Condition ${name} is not defined in the template's Conditions.`);
      const value = evaluateCondition(expr, ctx, `Conditions.${name}`);
      conditionCache.set(name, value);
      return value;
    },
    ref: (logicalId) => deployed(logicalId, 'Ref').physicalId,
    getAtt: (logicalId, attribute) => {
      const record = deployed(logicalId, `Fn::GetAtt ${attribute}`);
      const value = record.attributes[attribute];
      if (value !== undefined) return value;
      if (record.type === STACK_TYPE) {
        throw new TemplateError(`Template error: resource ${logicalId} does not support attribute type ${attribute} in Fn::GetAtt`);
      }
      if (isCustomResourceType(record.type)) {
        throw new TemplateError(`CustomResource attribute error: Vendor response doesn't contain ${attribute} attribute in object ${record.physicalId} (${logicalId}).`);
      }
      throw new TemplateError(`Fn::GetAtt ${logicalId}.${attribute}: the local stand-in for ${record.type} has no attribute ${attribute} (it has ${Object.keys(record.attributes).join(', ')}).`);
    },
    importValue: options.importValue,
  };

  function deployed(logicalId: string, what: string): ResourceRecord {
    const record = options.resources()[logicalId];
    if (record) return record;
    if (template.Resources[logicalId]) throw new TemplateError(`${what} ${logicalId}: the resource is not deployed (yet).`);
    throw new TemplateError(`${what} ${logicalId}: no resource, parameter or pseudo parameter has that name.`);
  }

  return ctx;
}

/**
 * The template's resources whose Condition (if any) is true. A template without resources is
 * refused like CloudFormation refuses it, before the stack is created or updated.
 */
export function activeResources(template: CfnTemplate, ctx: ResolveContext): CfnTemplate['Resources'] {
  if (Object.keys(template.Resources ?? {}).length === 0) {
    throw new TemplateError('Template format error: At least one Resources member must be defined.');
  }
  return Object.fromEntries(Object.entries(template.Resources).filter(([, r]) => r.Condition === undefined || ctx.condition(r.Condition)));
}
