/**
 * What AWS Proton accepts as a template bundle (proton-api.md §8.1–8.3, §9): the layout per
 * template kind, `manifest.yaml`, the infrastructure files, `schema/schema.yaml` and the size
 * limits. Shared by the emulator (registration) and the construct library (synth-time checks),
 * so it depends only on `yaml`, `ajv`, `tar` and node builtins.
 */
import { Parser, ReadEntry } from 'tar';
import { checkTerraformFile, IacProblem, IacProblemsError, renderIacFile, sampleInputs } from './render/iac';
import { JinjaError, JinjaTemplate } from './render/jinja';
import { IacKind, IacNamespace } from './render/namespaces';
import { INPUT_TYPE_KEYS, InputTypeKey, isObject, parseTemplateSchema, parseYaml, TemplateSchema } from './spec-schema';

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
  /** 1-based line of the file, for problems of an IaC file's content. */
  readonly line?: number;
  readonly message: string;
}

/** The IaC file of an infrastructure directory that deployments render. */
export interface IacFile {
  /** The path in the bundle, e.g. `instance_infrastructure/cloudformation.yaml`. */
  readonly path: string;
  readonly text: string;
}

/** What a valid bundle provides to deployments. */
export interface ParsedTemplateBundle {
  readonly schema: string;
  /** Output keys of each infrastructure directory's template(s). */
  readonly outputKeys: { readonly [iacDir: string]: string[] };
  /** Provisioning engine of each infrastructure directory (CodeBuild directories have none). */
  readonly engines: { readonly [iacDir: string]: IacEngine };
  /** The CloudFormation (Jinja) file of each CloudFormation directory, which deployments render. */
  readonly cloudFormationFiles: { readonly [iacDir: string]: IacFile };
  readonly hasPipeline: boolean;
}

/** How much of the IaC files `validateTemplateBundle` checks. */
export interface TemplateBundleCheckOptions {
  /**
   * Whether to check the IaC files' content: parse and render each CloudFormation (Jinja) file
   * with sample inputs (the schema's defaults and samples for required inputs) and check the
   * result, and check the inputs Terraform files read against the schema. The construct library
   * does (synth); the emulator's registration does not (inferred: Proton renders the files when
   * it deploys, with the spec; the emulator renders them then).
   * @default true
   */
  readonly checkIac?: boolean;
}

export interface TemplateBundleValidation {
  readonly problems: BundleProblem[];
  /** Present when `problems` is empty. */
  readonly parsed?: ParsedTemplateBundle;
}

/** Renders problems as `path: message` (or `path:line: message`), separated by `; `. */
export function formatBundleProblems(problems: readonly BundleProblem[]): string {
  return problems.map(formatBundleProblem).join('; ');
}

/** `path: message`, `path:line: message`, or the message of a problem of the archive itself. */
export function formatBundleProblem(problem: BundleProblem): string {
  if (!problem.path) return problem.message;
  return problem.line !== undefined ? `${problem.path}:${problem.line}: ${problem.message}` : `${problem.path}: ${problem.message}`;
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
export function validateTemplateBundle(
  files: ReadonlyMap<string, Buffer>, kind: TemplateBundleKind, options: TemplateBundleCheckOptions = {},
): TemplateBundleValidation {
  const problems: BundleProblem[] = [];
  // The schema the IaC checks read (its own problems are reported after the IaC directories').
  const schemaBody = files.get(SCHEMA_FILE);
  const iacCheck = options.checkIac === false ? undefined : { schema: schemaBody && usableSchema(parseTemplateSchema(schemaBody.toString('utf8')).schema, kind) };
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
  const cloudFormationFiles: { [dir: string]: IacFile } = {};
  let codebuild = false;
  for (const dir of expected) {
    const result = checkIacDir(dir, files, problems, iacCheck);
    if (!result) continue;
    outputKeys[dir] = result.outputKeys;
    if (result.file) cloudFormationFiles[dir] = result.file;
    if (result.engine === 'CODEBUILD') codebuild = true;
    else engines[dir] = result.engine;
  }
  if (codebuild && files.size > MAX_CODEBUILD_FILES) {
    problems.push({ path: '', message: `The bundle has ${files.size} files; CodeBuild provisioning bundles are limited to ${MAX_CODEBUILD_FILES} files` });
  }
  const schema = checkSchema(files, kind, problems);
  if (problems.length > 0 || schema === undefined) return { problems };
  return { problems, parsed: { schema, outputKeys, engines, cloudFormationFiles, hasPipeline: kind.templateType === 'SERVICE' && !!kind.hasPipeline } };
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

/** The IaC checks to run: with the schema (undefined when it is missing or invalid). */
interface IacCheck {
  readonly schema?: TemplateSchema;
}

/** The kind of IaC file each infrastructure directory holds. */
const DIR_KINDS: { readonly [dir: string]: IacKind } = {
  infrastructure: 'ENVIRONMENT',
  instance_infrastructure: 'SERVICE_INSTANCE',
  pipeline_infrastructure: 'SERVICE_PIPELINE',
};

/** Checks one infrastructure directory: its manifest and the files it names. */
function checkIacDir(
  dir: string, files: ReadonlyMap<string, Buffer>, problems: BundleProblem[], iacCheck: IacCheck | undefined,
): { engine: DirEngine; outputKeys: string[]; file?: IacFile } | undefined {
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
  if (engine === 'CLOUDFORMATION') return checkCloudFormation(dir, manifestPath, entries.map((e) => e!.file!), files, problems, iacCheck);
  if (engine === 'TERRAFORM') return checkTerraform(dir, entries.map((e) => e!.file!), files, problems, iacCheck);
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

function checkCloudFormation(
  dir: string, manifestPath: string, fileNames: string[], files: ReadonlyMap<string, Buffer>, problems: BundleProblem[],
  iacCheck: IacCheck | undefined,
) {
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
  const file = { path, text: body.toString('utf8') };
  // A file over the size limit is reported as such; it is not rendered.
  if (!iacCheck || body.length > MAX_FILE_BYTES) return { engine: 'CLOUDFORMATION' as const, outputKeys: [], file };
  const before = problems.length;
  const outputKeys = checkJinjaFile(file, DIR_KINDS[dir], iacCheck, problems);
  return problems.length > before ? undefined : { engine: 'CLOUDFORMATION' as const, outputKeys, file };
}

/**
 * Renders a CloudFormation file alone, with sample inputs, names and outputs; returns its output
 * keys, or pushes its problems. Without a valid schema, only the Jinja syntax is checked.
 */
function checkJinjaFile(file: IacFile, kind: IacKind, iacCheck: IacCheck, problems: BundleProblem[]): string[] {
  const report = (p: IacProblem) => problems.push(
    p.line === undefined ? { path: p.file, message: p.message } : { path: p.file, line: p.line, message: p.message });
  if (!iacCheck.schema) {
    try {
      JinjaTemplate.parse(file.text);
    } catch (e) {
      if (!(e instanceof JinjaError)) throw e;
      report({ file: file.path, line: e.line, message: e.message });
    }
    return [];
  }
  try {
    const result = renderIacFile({ file: file.path, text: file.text, namespace: sampleNamespace(kind, iacCheck.schema), schema: iacCheck.schema });
    return result.outputs.map((o) => o.key);
  } catch (e) {
    if (!(e instanceof IacProblemsError)) throw e;
    e.problems.forEach(report);
    return [];
  }
}

/** The names, inputs and outputs a bundle's file is rendered with when no resource is deployed from it. */
function sampleNamespace(kind: IacKind, schema: TemplateSchema): IacNamespace {
  const instanceInputs = sampleInputs(schema.inputTypes.service_input_type);
  const environment = { name: 'sample-environment', outputs: undefined };
  switch (kind) {
    case 'ENVIRONMENT':
      return { kind, environment: { name: 'sample-environment', inputs: sampleInputs(schema.inputTypes.environment_input_type) } };
    case 'SERVICE_INSTANCE':
      return { kind, service: { name: 'sample-service' }, serviceInstance: { name: 'sample-instance', inputs: instanceInputs }, environment };
    default:
      return {
        kind: 'SERVICE_PIPELINE',
        service: {
          name: 'sample-service',
          branchName: 'main',
          repositoryId: 'sample-owner/sample-repository',
          repositoryConnectionArn: 'arn:aws:codestar-connections:us-east-1:123456789012:connection/sample',
        },
        pipeline: { inputs: sampleInputs(schema.inputTypes.pipeline_input_type) },
        serviceInstances: [{ name: 'sample-instance', inputs: instanceInputs, outputs: undefined, environment: { ...environment, accountId: '123456789012' } }],
      };
  }
}

function checkTerraform(
  dir: string, fileNames: string[], files: ReadonlyMap<string, Buffer>, problems: BundleProblem[], iacCheck: IacCheck | undefined,
) {
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
  if (iacCheck?.schema) {
    for (const p of [...paths].sort()) {
      for (const problem of checkTerraformFile(p, files.get(p)!.toString('utf8'), DIR_KINDS[dir], iacCheck.schema)) {
        problems.push({ path: problem.file, line: problem.line, message: problem.message });
      }
    }
  }
  const outputKeys = [...paths].sort().flatMap((p) => terraformOutputKeys(files.get(p)!.toString('utf8')));
  return { engine: 'TERRAFORM' as const, outputKeys: [...new Set(outputKeys)] };
}

function filesUnder(dir: string, files: ReadonlyMap<string, Buffer>): string[] {
  return [...files.keys()].filter((p) => p.startsWith(`${dir}/`));
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

/** The schema, when it has the input types the kind requires (else its problems are reported, and the IaC files are only parsed). */
function usableSchema(schema: TemplateSchema | undefined, kind: TemplateBundleKind): TemplateSchema | undefined {
  return schema && REQUIRED_INPUT_TYPE_KEYS[kind.templateType](kind).every((key) => schema.inputTypes[key] !== undefined) ? schema : undefined;
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
