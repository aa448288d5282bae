/**
 * Resource ordering: CloudFormation creates a resource only after everything it references
 * (Ref, Fn::GetAtt, Fn::Sub) or names in DependsOn, and deletes in the reverse order.
 */
import { referencedResources, TemplateError } from './intrinsics';
import { CfnResource, dependsOnList } from './template';

/** For each resource, the resources it depends on. */
export function dependencyMap(resources: Record<string, CfnResource>): Map<string, Set<string>> {
  const known = new Set(Object.keys(resources));
  const deps = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(resources)) {
    const set = referencedResources(resource.Properties ?? {}, known);
    for (const dep of dependsOnList(resource)) {
      if (!known.has(dep)) {
        throw new TemplateError(`${id}.DependsOn: ${dep} is not a resource of this template (or its Condition is false).`);
      }
      set.add(dep);
    }
    set.delete(id);
    deps.set(id, set);
  }
  return deps;
}

/**
 * The resources in creation order: dependencies first, otherwise template order (deterministic).
 * Fails on a dependency cycle, naming the resources in it.
 */
export function creationOrder(resources: Record<string, CfnResource>): string[] {
  const deps = dependencyMap(resources);
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    const s = state.get(id);
    if (s === 'done') return;
    if (s === 'visiting') {
      throw new TemplateError(`Circular dependency between resources: ${[...path.slice(path.indexOf(id)), id].join(' -> ')}.`);
    }
    state.set(id, 'visiting');
    for (const dep of deps.get(id) ?? []) visit(dep, [...path, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of Object.keys(resources)) visit(id, []);
  return order;
}
