/**
 * What AWS Proton accepts as a template bundle (proton-api.md §8.1–8.3, §9): the layout per
 * template kind, `manifest.yaml`, the infrastructure files, `schema/schema.yaml` and the size
 * limits. Shared by the emulator (registration) and the construct library (synth-time checks),
 * so it depends only on `yaml`, `ajv`, `tar` and node builtins.
 */
import { Parser, ReadEntry } from 'tar';
import { INPUT_TYPE_KEYS, InputTypeKey, isObject, parseTemplateSchema, parseYaml } from './spec-schema';

/** Bundle archive size limit (ag-limits). */
export const MAX_BUNDLE_BYTES = 10 * 1024 * 1024;
/** Size limit of each manifest, schema and template file (ag-limits). */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;
/** Files per CodeBuild provisioning bundle (ag-limits). */
export const MAX_CODEBUILD_FILES = 500;

export const SCHEMA_FILE = 'schema/schema.yaml';
/** Every directory that holds infrastructure in some kind of bundle (+ the pre-GA `pipeline/`). */
const IAC_DIRS = ['infrastructure', 'instance_infrastructure', 'pipeline_infrastructure', 'pipeline'];

export type IacEngine = 'CLOUDFORMATION' | 'TERRAFORM';

export interface TemplateBundleKind {
  readonly templateType: 'ENVIRONMENT' | 'SERVICE';
  /** Environment templates with `provisioning: CUSTOMER_MANAGED` (bundle = schema only). */
  readonly customerManaged?: boolean;
  /** Service templates without `pipelineProvisioning: CUSTOMER_MANAGED`. */
  readonly hasPipeline?: boolean;
}

export interface BundleProblem {
  /** The bundle file (or directory, ending in `/`) the problem is in; '' for the archive itself. */
  readonly path: string;
  readonly message: string;
}

/** What a valid bundle provides to deployments. */
export interface ParsedTemplateBundle {
  readonly schema: string;
  /** Output keys of each infrastructure directory's template(s). */
  readonly outputKeys: { readonly [iacDir: string]: string[] };
  /** Provisioning engine of each infrastructure directory (CodeBuild directories have none). */
  readonly engines: { readonly [iacDir: string]: IacEngine };
  readonly hasPipeline: boolean;
}

export interface TemplateBundleValidation {
  readonly problems: BundleProblem[];
  /** Present when `problems` is empty. */
  readonly parsed?: ParsedTemplateBundle;
}

/** Renders problems as `path: message`, separated by `; `. */
export function formatBundleProblems(problems: readonly BundleProblem[]): string {
  return problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ');
}

/**
 * Unpacks a (gzip-compressed) tar archive into a map of file path -> content. When every entry
 * sits under one top-level directory that is not itself a bundle directory (the official samples
 * tar a wrapping folder), that directory is stripped. Throws an Error with a message saying
 * what is wrong when the archive is too large, unreadable, or holds links or unsafe paths.
 */
export function unpackTemplateBundle(targz: Buffer): Map<string, Buffer> {
  if (targz.length > MAX_BUNDLE_BYTES) {
    throw new Error(`The template bundle is ${targz.length} bytes; bundles are limited to ${MAX_BUNDLE_BYTES} bytes (10 MB).`);
  }
  const files = new Map<string, Buffer>();
  const problems: string[] = [];
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      const path = entry.path.replace(/^(\.\/)+/, '');
      if (entry.type === 'Directory') {
        entry.resume();
      } else if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
        problems.push(`${path} is a ${entry.type} entry; bundles may contain only files and directories`);
        entry.resume();
      } else if (path.startsWith('/') || path.split('/').includes('..')) {
        problems.push(`${path} is not a relative path inside the bundle`);
        entry.resume();
      } else {
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => files.set(path, Buffer.concat(chunks)));
      }
    },
  });
  parser.on('warn', (_code: string, message: string | Error) => problems.push(String(message instanceof Error ? message.message : message)));
  parser.on('error', (e: Error) => problems.push(e.message));
  parser.end(targz);
  if (problems.length > 0) throw new Error(`The template bundle is not a valid tar.gz archive: ${problems.join('; ')}.`);
  if (files.size === 0) throw new Error('The template bundle is empty: it must contain schema/schema.yaml and the infrastructure directories.');
  return stripWrappingDirectory(files);
}

function stripWrappingDirectory(files: Map<string, Buffer>): Map<string, Buffer> {
  const tops = new Set([...files.keys()].map((p) => p.split('/')[0]));
  const [top] = tops;
  const wrapped = tops.size === 1 && [...files.keys()].every((p) => p.includes('/'))
    && top !== 'schema' && !IAC_DIRS.includes(top);
  if (!wrapped) return files;
  return new Map([...files].map(([p, body]) => [p.slice(top.length + 1), body]));
}

/**
 * Checks a bundle against Proton's rules for its template kind and returns every problem found,
 * each naming the file. When there are none, also returns what deployments need.
 */
export function validateTemplateBundle(files: ReadonlyMap<string, Buffer>, kind: TemplateBundleKind): TemplateBundleValidation {
  const problems: BundleProblem[] = [];
  for (const [path, body] of files) {
    if (body.length > MAX_FILE_BYTES) {
      problems.push({ path, message: `is ${body.length} bytes; each file of a bundle is limited to ${MAX_FILE_BYTES} bytes (2 MB)` });
    }
  }
  const expected = expectedIacDirs(kind);
  const present = new Set([...files.keys()].map((p) => p.split('/')[0]).filter((top) => IAC_DIRS.includes(top)));
  for (const dir of present) {
    if (!expected.includes(dir)) problems.push({ path: `${dir}/`, message: unexpectedDirMessage(dir, kind) });
  }
  const outputKeys: { [dir: string]: string[] } = {};
  const engines: { [dir: string]: IacEngine } = {};
  let codebuild = false;
  for (const dir of expected) {
    const result = checkIacDir(dir, files, problems);
    if (!result) continue;
    outputKeys[dir] = result.outputKeys;
    if (result.engine === 'CODEBUILD') codebuild = true;
    else engines[dir] = result.engine;
  }
  if (codebuild && files.size > MAX_CODEBUILD_FILES) {
    problems.push({ path: '', message: `The bundle has ${files.size} files; CodeBuild provisioning bundles are limited to ${MAX_CODEBUILD_FILES} files` });
  }
  const schema = checkSchema(files, kind, problems);
  if (problems.length > 0 || schema === undefined) return { problems };
  return { problems, parsed: { schema, outputKeys, engines, hasPipeline: kind.templateType === 'SERVICE' && !!kind.hasPipeline } };
}

function expectedIacDirs(kind: TemplateBundleKind): string[] {
  if (kind.templateType === 'ENVIRONMENT') return kind.customerManaged ? [] : ['infrastructure'];
  return kind.hasPipeline ? ['instance_infrastructure', 'pipeline_infrastructure'] : ['instance_infrastructure'];
}

function unexpectedDirMessage(dir: string, kind: TemplateBundleKind): string {
  if (kind.templateType === 'ENVIRONMENT') {
    return kind.customerManaged
      ? 'a customer-managed environment template bundle contains only schema/schema.yaml; remove the infrastructure directory'
      : `is not part of an environment template bundle (expected schema/ and infrastructure/); remove ${dir}/`;
  }
  if (dir === 'pipeline_infrastructure') {
    return 'the service template has pipelineProvisioning CUSTOMER_MANAGED, so its bundle must not contain pipeline_infrastructure/; remove it or create the template without pipelineProvisioning';
  }
  return `is not part of a service template bundle (expected schema/, instance_infrastructure/ and, with a pipeline, pipeline_infrastructure/); remove ${dir}/`;
}

type DirEngine = IacEngine | 'CODEBUILD';

/** Checks one infrastructure directory: its manifest and the files it names. */
function checkIacDir(
  dir: string, files: ReadonlyMap<string, Buffer>, problems: BundleProblem[],
): { engine: DirEngine; outputKeys: string[] } | undefined {
  const manifestPath = `${dir}/manifest.yaml`;
  const manifestBody = files.get(manifestPath);
  if (!manifestBody) {
    problems.push({ path: manifestPath, message: `is missing; every infrastructure directory needs a manifest.yaml listing its template files (${dir}/ has ${filesUnder(dir, files).length} file(s))` });
    return undefined;
  }
  const { value, error } = parseYaml(manifestBody.toString('utf8'));
  if (error) {
    problems.push({ path: manifestPath, message: `is not valid YAML: ${error}` });
    return undefined;
  }
  const templates = isObject(value) && isObject(value.infrastructure) ? value.infrastructure.templates : undefined;
  if (!Array.isArray(templates) || templates.length === 0) {
    problems.push({ path: manifestPath, message: 'must have infrastructure.templates, a list of {file, rendering_engine, template_language} entries' });
    return undefined;
  }
  const before = problems.length;
  const entries = templates.map((t: unknown, i: number) => checkManifestEntry(manifestPath, `infrastructure.templates[${i}]`, t, problems));
  if (problems.length > before) return undefined;
  const engines = new Set(entries.map((e) => e!.engine));
  if (engines.size > 1) {
    problems.push({ path: manifestPath, message: `mixes ${[...engines].join(' and ')} templates; an infrastructure directory uses one provisioning method` });
    return undefined;
  }
  const [engine] = engines;
  if (engine === 'CLOUDFORMATION') return checkCloudFormation(dir, manifestPath, entries.map((e) => e!.file!), files, problems);
  if (engine === 'TERRAFORM') return checkTerraform(dir, entries.map((e) => e!.file!), files, problems);
  return { engine: 'CODEBUILD', outputKeys: [] };
}

const ENGINE_LANGUAGE: { [renderingEngine: string]: string | undefined } = { jinja: 'cloudformation', hcl: 'terraform', codebuild: undefined };

function checkManifestEntry(
  manifestPath: string, where: string, entry: unknown, problems: BundleProblem[],
): { engine: DirEngine; file?: string } | undefined {
  if (!isObject(entry)) {
    problems.push({ path: manifestPath, message: `${where} must be a mapping with file, rendering_engine and template_language` });
    return undefined;
  }
  const renderingEngine = entry.rendering_engine;
  if (typeof renderingEngine !== 'string' || !(renderingEngine in ENGINE_LANGUAGE)) {
    const hint = entry.engine !== undefined ? " (the pre-GA key 'engine' is no longer accepted)" : '';
    problems.push({ path: manifestPath, message: `${where}.rendering_engine must be one of jinja, hcl, codebuild (found ${describe(renderingEngine)})${hint}` });
    return undefined;
  }
  if (renderingEngine === 'codebuild') {
    const settings = entry.settings;
    if (!isObject(settings) || !isStringList(settings.provision) || !isStringList(settings.deprovision)) {
      problems.push({ path: manifestPath, message: `${where}.settings must be a mapping with provision and deprovision command lists (rendering_engine codebuild)` });
      return undefined;
    }
    return { engine: 'CODEBUILD' };
  }
  const language = ENGINE_LANGUAGE[renderingEngine];
  if (entry.template_language !== language) {
    problems.push({ path: manifestPath, message: `${where}.template_language must be ${language} with rendering_engine ${renderingEngine} (found ${describe(entry.template_language)})` });
    return undefined;
  }
  if (typeof entry.file !== 'string' || entry.file.length === 0) {
    problems.push({ path: manifestPath, message: `${where}.file must name a template file in the directory (found ${describe(entry.file)})` });
    return undefined;
  }
  return { engine: language === 'cloudformation' ? 'CLOUDFORMATION' : 'TERRAFORM', file: entry.file };
}

function checkCloudFormation(dir: string, manifestPath: string, fileNames: string[], files: ReadonlyMap<string, Buffer>, problems: BundleProblem[]) {
  if (fileNames.length !== 1) {
    problems.push({ path: manifestPath, message: `lists ${fileNames.length} CloudFormation templates; a CloudFormation manifest lists exactly one file` });
    return undefined;
  }
  const path = `${dir}/${fileNames[0]}`;
  const body = files.get(path);
  if (!body) {
    problems.push({ path, message: `is listed in ${manifestPath} but is not in the bundle` });
    return undefined;
  }
  const parsed = parseCloudFormationTemplate(body.toString('utf8'));
  if ('error' in parsed) {
    problems.push({ path, message: `is not valid YAML: ${parsed.error}` });
    return undefined;
  }
  return { engine: 'CLOUDFORMATION' as const, outputKeys: parsed.outputKeys };
}

function checkTerraform(dir: string, fileNames: string[], files: ReadonlyMap<string, Buffer>, problems: BundleProblem[]) {
  const paths = new Set<string>();
  for (const name of fileNames) {
    if (name === '*') {
      const tf = filesUnder(dir, files).filter((p) => p.endsWith('.tf'));
      if (tf.length === 0) problems.push({ path: `${dir}/`, message: "has no .tf files, but its manifest lists file '*' (which selects the .tf files)" });
      tf.forEach((p) => paths.add(p));
    } else if (!files.has(`${dir}/${name}`)) {
      problems.push({ path: `${dir}/${name}`, message: `is listed in ${dir}/manifest.yaml but is not in the bundle` });
    } else {
      paths.add(`${dir}/${name}`);
    }
  }
  const outputKeys = [...paths].sort().flatMap((p) => terraformOutputKeys(files.get(p)!.toString('utf8')));
  return { engine: 'TERRAFORM' as const, outputKeys: [...new Set(outputKeys)] };
}

function filesUnder(dir: string, files: ReadonlyMap<string, Buffer>): string[] {
  return [...files.keys()].filter((p) => p.startsWith(`${dir}/`));
}

/**
 * Parses a CloudFormation template that may contain Jinja. Proton renders Jinja before
 * CloudFormation sees the file, so a template is accepted when it is valid YAML as written or
 * once its Jinja markup (`{{ }}`, `{% %}`, `{# #}`) is masked; quoted Jinja (`'{{ x }}'`) is
 * plain YAML. Returns the `Outputs:` keys.
 */
export function parseCloudFormationTemplate(text: string): { outputKeys: string[] } | { error: string } {
  const asWritten = parseYaml(text);
  const result = asWritten.error ? parseYaml(maskJinja(text)) : asWritten;
  if (result.error) return { error: asWritten.error! };
  const outputs = isObject(result.value) ? result.value.Outputs : undefined;
  return { outputKeys: isObject(outputs) ? Object.keys(outputs) : [] };
}

/** Replaces Jinja expressions with a same-length placeholder and statements/comments with spaces. */
function maskJinja(text: string): string {
  return text
    .replace(/\{\{[\s\S]*?\}\}/g, (m) => 'J'.repeat(m.length))
    .replace(/\{%[\s\S]*?%\}|\{#[\s\S]*?#\}/g, (m) => m.replace(/[^\n]/g, ' '));
}

/** The names of the `output "name" { ... }` blocks of a Terraform file. */
export function terraformOutputKeys(hcl: string): string[] {
  const withoutComments = hcl.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)(#|\/\/).*$/gm, '$1');
  return [...withoutComments.matchAll(/^\s*output\s+"([^"]+)"\s*\{/gm)].map((m) => m[1]);
}

const REQUIRED_INPUT_TYPE_KEYS: { [type: string]: (kind: TemplateBundleKind) => InputTypeKey[] } = {
  ENVIRONMENT: () => ['environment_input_type'],
  SERVICE: (kind) => (kind.hasPipeline ? ['service_input_type', 'pipeline_input_type'] : ['service_input_type']),
};

function checkSchema(files: ReadonlyMap<string, Buffer>, kind: TemplateBundleKind, problems: BundleProblem[]): string | undefined {
  const body = files.get(SCHEMA_FILE);
  if (!body) {
    problems.push({ path: SCHEMA_FILE, message: 'is missing; every template bundle needs a schema file' });
    return undefined;
  }
  const text = body.toString('utf8');
  const report = (message: string) => problems.push({ path: SCHEMA_FILE, message });
  const parsed = parseTemplateSchema(text);
  const doc = parseYaml(text).value;
  const root = isObject(doc) && isObject(doc.schema) ? doc.schema : undefined;
  if (root) {
    const required = REQUIRED_INPUT_TYPE_KEYS[kind.templateType](kind);
    for (const key of INPUT_TYPE_KEYS) {
      if (required.includes(key) && root[key] === undefined) report(`schema.${key} is required ${requiredReason(key, kind)}`);
      if (!required.includes(key) && root[key] !== undefined) report(`schema.${key} is not allowed ${forbiddenReason(key, kind)}`);
    }
  }
  parsed.problems.forEach(report);
  if (!parsed.schema) return undefined;
  const envType = parsed.schema.inputTypes.environment_input_type;
  if (kind.templateType === 'ENVIRONMENT' && kind.customerManaged && envType) {
    for (const [prop, schema] of Object.entries(envType.properties)) {
      if (schema.type !== 'string') {
        report(`schema.types.${envType.name}.properties.${prop}.type must be string: a customer-managed environment's schema lists the outputs of its infrastructure, which are strings (found ${describe(schema.type)})`);
      }
    }
  }
  return text;
}

function requiredReason(key: InputTypeKey, kind: TemplateBundleKind): string {
  if (key === 'pipeline_input_type') return 'because the service template has a pipeline (it was created without pipelineProvisioning CUSTOMER_MANAGED)';
  return `in ${kind.templateType === 'ENVIRONMENT' ? 'an environment' : 'a service'} template schema`;
}

function forbiddenReason(key: InputTypeKey, kind: TemplateBundleKind): string {
  if (key === 'pipeline_input_type' && kind.templateType === 'SERVICE') {
    return 'because the service template has pipelineProvisioning CUSTOMER_MANAGED (no Proton pipeline); remove it';
  }
  return `in ${kind.templateType === 'ENVIRONMENT' ? 'an environment' : 'a service'} template schema; remove it`;
}

function isStringList(value: unknown): boolean {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}
