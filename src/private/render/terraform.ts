/**
 * Terraform IaC files are not rendered: Proton generates Terraform variables from the spec
 * (`var.environment.inputs.<name>`, `var.service_instance.inputs.<name>`, `var.pipeline.inputs.<name>`,
 * plus `var.proton_tags`) and Terraform reads them
 * (https://docs.aws.amazon.com/proton/latest/userguide/env-parameters-tform.html). What can be
 * checked before deployment is that every input a file reads is one the schema declares.
 */
import { Reference } from './jinja';

/** `var.<namespace>.inputs.<name>` and `var.<namespace>.inputs["<name>"]`, outside comments. */
const VARIABLE = /\bvar\.(environment|service_instance|pipeline)\.inputs(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\[\s*"([^"]+)"\s*\])/g;

/** The `<namespace>.inputs.<name>` paths a Terraform file reads, with their lines. */
export function terraformInputReferences(hcl: string): Reference[] {
  const out: Reference[] = [];
  const lines = stripComments(hcl).split('\n');
  lines.forEach((text, i) => {
    for (const m of text.matchAll(VARIABLE)) out.push({ path: [m[1], 'inputs', m[2] ?? m[3]], line: i + 1 });
  });
  return out;
}

/** Blanks `#`, `//` and `/* *\/` comments, keeping line breaks (and so line numbers). */
function stripComments(hcl: string): string {
  return hcl
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:"])(#|\/\/).*$/gm, '$1');
}
