import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AssetHashType, IgnoreStrategy, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3_assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { usesCloudFormationBackend } from '../private/cfn-backend/backend';
import { contentHash, createDeterministicTarGz, readDirectoryFiles } from '../private/deterministic-tar';
import { previewBundle } from '../private/render/preview';
import { registerBundleRendering } from '../private/render/synth';
import { InputType, parseTemplateSchema } from '../private/spec-schema';
import {
  formatBundleProblem, ParsedTemplateBundle, TemplateBundleKind, TemplateBundleValidation, unpackTemplateBundle, validateTemplateBundle,
} from '../private/template-bundle-rules';

/** Where packed bundles are written before the asset staging copies them into the cloud assembly. */
const ARCHIVE_CACHE_DIR = path.join(os.tmpdir(), 'cdk-proton-template-bundles');
/** Proton's `S3Key` length limits (model). */
const S3_KEY_MAX_LENGTH = 1024;

/**
 * The kind of a Proton template.
 *
 * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_TemplateSyncConfig.html#proton-Type-TemplateSyncConfig-templateType
 */
export enum TemplateType {
  /** An environment template. */
  ENVIRONMENT = 'ENVIRONMENT',
  /** A service template. */
  SERVICE = 'SERVICE',
}

/** Options of {@link TemplateBundle.fromDirectory}. */
export interface TemplateBundleDirectoryOptions {
  /**
   * Glob patterns (relative to the directory) of files and directories to leave out of the
   * bundle, e.g. `['README.md', '*.swp']`.
   *
   * @default - every file of the directory is packed
   */
  readonly exclude?: string[];
}

/** Options of {@link TemplateBundle.render}. */
export interface TemplateBundleRenderOptions {
  /**
   * The spec document (YAML): `proton: EnvironmentSpec` for an environment template bundle,
   * `proton: ServiceSpec` (instances, and `pipeline:` with a pipeline) for a service template
   * bundle. It is checked against the bundle's schema, whose defaults fill omitted inputs.
   */
  readonly spec: string;

  /**
   * The instance to render (service template bundles).
   *
   * @default - every instance of the spec, and the pipeline when the bundle has one
   */
  readonly instanceName?: string;

  /**
   * The environment's name (`environment.name`).
   *
   * @default - `my-environment` for an environment template; for a service instance, the
   * `environment` of its entry in the spec
   */
  readonly environmentName?: string;

  /**
   * The service's name (`service.name`).
   *
   * @default 'my-service'
   */
  readonly serviceName?: string;

  /**
   * The outputs of the environment (`environment.outputs.<key>`). A key the templates read that
   * is not given is an error, as in Proton.
   *
   * @default - unknown: every output the templates read has the sample value `sample-<key>`
   */
  readonly environmentOutputs?: { [key: string]: string };

  /**
   * The outputs of the component attached to the instance (`service_instance.components.default.outputs`).
   *
   * @default - no component is attached
   */
  readonly componentOutputs?: { [key: string]: string };

  /**
   * The account of the instances' environments (`service_instances[].environment.account_id` in a pipeline).
   *
   * @default '123456789012'
   */
  readonly environmentAccountId?: string;
}

/** One IaC file of a bundle, rendered by {@link TemplateBundle.render}. */
export interface RenderedTemplateFile {
  /** The file in the bundle, e.g. `instance_infrastructure/cloudformation.yaml`. */
  readonly path: string;

  /**
   * The instance the file was rendered for (service instance files).
   *
   * @default - not rendered for an instance (an environment or pipeline file)
   */
  readonly instanceName?: string;

  /** The rendered CloudFormation template. */
  readonly content: string;

  /** The keys of its `Outputs`, in order. */
  readonly outputKeys: string[];
}

/** What a template version tells the bundle when it uses it. */
export interface TemplateBundleBindOptions {
  /** The kind of template the bundle is registered for; the expected layout depends on it. */
  readonly templateType: TemplateType;

  /**
   * Whether the environment template is customer managed (`provisioning: CUSTOMER_MANAGED`):
   * its bundle holds only `schema/schema.yaml`. Environment templates only.
   *
   * @default false
   */
  readonly customerManaged?: boolean;

  /**
   * Whether the service template has a Proton pipeline (it was created without
   * `pipelineProvisioning: CUSTOMER_MANAGED`): its bundle then needs `pipeline_infrastructure/`
   * and a `pipeline_input_type`. Service templates only.
   *
   * @default false
   */
  readonly hasPipeline?: boolean;

  /**
   * The principal that calls `CreateEnvironmentTemplateVersion` / `CreateServiceTemplateVersion`
   * (the cdk-proton handler's role). Proton reads the bundle from S3 with the caller's
   * permissions, so this principal is granted read access to the bundle object (and the key
   * that encrypts it, if any).
   */
  readonly grantee: iam.IGrantable;
}

/** Where a bound bundle is, and what it declares. */
export interface TemplateBundleConfig {
  /** The bucket holding the bundle (`source.s3.bucket`). */
  readonly bucketName: string;

  /** The key of the bundle object (`source.s3.key`). */
  readonly objectKey: string;

  /**
   * The bundle's `schema/schema.yaml`, checked for the template kind.
   *
   * @default - unknown at synth time (a bundle from S3)
   */
  readonly schema?: TemplateSchema;
}

/** One input type of a template schema (a `schema.types` entry named by an `*_input_type` key). */
export interface TemplateInputType {
  /** The type's name in `schema.types`. */
  readonly name: string;

  /** The names of its properties, in schema order. */
  readonly propertyNames: string[];

  /** The properties listed in its `required`. */
  readonly requiredPropertyNames: string[];
}

/**
 * The schema (`schema/schema.yaml`) of a template bundle, parsed and checked at synth time.
 * Constructs use it to check specs against the template's input types before deploying.
 */
export class TemplateSchema {
  /**
   * Parses a schema that the bundle rules have accepted.
   * @internal
   */
  public static _fromAcceptedYaml(yaml: string): TemplateSchema {
    const parsed = parseTemplateSchema(yaml);
    if (!parsed.schema) {
      throw new Error(`Internal error: an accepted template schema does not parse: ${parsed.problems.join('; ')}`);
    }
    const { environment_input_type: environment, service_input_type: service, pipeline_input_type: pipeline } = parsed.schema.inputTypes;
    return new TemplateSchema(yaml, inputTypeOf(environment), inputTypeOf(service), inputTypeOf(pipeline));
  }

  /** The text of `schema/schema.yaml` (what spec validation reads). */
  public readonly yaml: string;

  /**
   * The type named by `environment_input_type`.
   * @default - none (not an environment template schema)
   */
  public readonly environmentInputType?: TemplateInputType;

  /**
   * The type named by `service_input_type`.
   * @default - none (not a service template schema)
   */
  public readonly serviceInputType?: TemplateInputType;

  /**
   * The type named by `pipeline_input_type`.
   * @default - none (not a service template with a pipeline)
   */
  public readonly pipelineInputType?: TemplateInputType;

  private constructor(yaml: string, environment?: TemplateInputType, service?: TemplateInputType, pipeline?: TemplateInputType) {
    this.yaml = yaml;
    this.environmentInputType = environment;
    this.serviceInputType = service;
    this.pipelineInputType = pipeline;
  }
}

function inputTypeOf(inputType: InputType | undefined): TemplateInputType | undefined {
  return inputType && {
    name: inputType.name,
    propertyNames: Object.keys(inputType.properties),
    requiredPropertyNames: [...inputType.required],
  };
}

/**
 * The template bundle of a Proton template version: a gzipped tar with `schema/schema.yaml` and
 * the infrastructure directories, stored in S3.
 *
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-template-authoring.html
 */
export abstract class TemplateBundle {
  /**
   * A bundle packed from a local directory (the common case) and published as a file asset.
   *
   * The directory holds the bundle's layout (`schema/schema.yaml`, `infrastructure/` or
   * `instance_infrastructure/` and `pipeline_infrastructure/`, each with a `manifest.yaml`).
   * It is packed into a deterministic tar.gz — entries sorted, fixed times, modes and owners, no
   * host metadata — so the same content always gives the same asset hash and an unchanged bundle
   * never registers a new template version. A symbolic link to a file inside the directory is
   * packed as a copy of that file; links to directories or out of the directory are refused;
   * empty directories are left out.
   *
   * When a template version uses the bundle, it is checked against Proton's rules for that kind
   * of template (layout, manifests, YAML files, schema and input types, size limits) and synth
   * fails with every problem found, each naming its file.
   *
   * @param directory the bundle directory
   */
  public static fromDirectory(directory: string, options: TemplateBundleDirectoryOptions = {}): TemplateBundle {
    if (!fs.existsSync(directory) || !fs.statSync(directory).isDirectory()) {
      throw new Error(`TemplateBundle.fromDirectory: '${directory}' is not a directory (resolved to ${path.resolve(directory)}). `
        + 'Give the path of the directory holding schema/schema.yaml and the infrastructure directories.');
    }
    return new DirectoryTemplateBundle(directory, options.exclude ?? []);
  }

  /**
   * A bundle already uploaded to S3 (a `.tar.gz` object).
   *
   * Its content is not known at synth time, so it is not checked before deployment: Proton
   * checks it when it registers the template version, and a bad bundle fails the deployment with
   * Proton's message. No schema is available to check specs against at synth time either.
   *
   * @param bucket the bucket holding the bundle
   * @param key the object key of the bundle
   */
  public static fromS3(bucket: s3.IBucket, key: string): TemplateBundle {
    if (!Token.isUnresolved(key) && (key.length < 1 || key.length > S3_KEY_MAX_LENGTH)) {
      throw new Error(`TemplateBundle.fromS3: key must be 1 to ${S3_KEY_MAX_LENGTH} characters long, got ${key.length}. Give the object key of the bundle.`);
    }
    return new S3TemplateBundle(bucket, key);
  }

  /**
   * Renders the bundle's CloudFormation IaC files for a spec, as AWS Proton renders them when it
   * deploys (Jinja with Proton's parameter namespaces and filters), e.g. to review or `cfn-lint`
   * them before publishing the bundle. The `cdk-proton render` command of this package prints
   * the same. Terraform files are not rendered (Terraform reads Proton's generated variables).
   *
   * Throws an Error naming the file and line of every problem (a Jinja syntax error, an input the
   * schema does not declare, an undefined value, a template that is not CloudFormation).
   */
  public render(options: TemplateBundleRenderOptions): RenderedTemplateFile[] {
    void options;
    throw new Error('TemplateBundle.render: the content of this bundle is not known at synth time (a bundle in S3). Render the directory it was made from with TemplateBundle.fromDirectory(dir).render(...).');
  }

  /**
   * Called by a template version when it uses this bundle: publishes the bundle if needed, checks
   * it for the template kind when its content is known, and grants `options.grantee` read access.
   *
   * @param scope the template version (assets are created under it)
   */
  public abstract bind(scope: Construct, options: TemplateBundleBindOptions): TemplateBundleConfig;
}

/** A directory packed at synth time. */
class DirectoryTemplateBundle extends TemplateBundle {
  /** Packed on first use (a bundle created but never used costs nothing). */
  private packed?: { readonly hash: string; readonly archive: Buffer };

  constructor(private readonly directory: string, private readonly exclude: string[]) {
    super();
  }

  public bind(scope: Construct, options: TemplateBundleBindOptions): TemplateBundleConfig {
    const kind = bundleKind(options);
    const { hash, archive } = this.pack();
    const parsed = checkBundle(this.directory, archive, kind);
    const schema = TemplateSchema._fromAcceptedYaml(parsed.schema);
    // Resources deployed from this version render its IaC files at synth (src/private/render/synth.ts).
    registerBundleRendering(schema, {
      hash,
      schemaYaml: parsed.schema,
      cloudFormationFiles: parsed.cloudFormationFiles,
      outputKeys: parsed.outputKeys,
      engines: parsed.engines,
      customerManaged: kind.customerManaged ?? false,
    });
    if (usesCloudFormationBackend(scope)) {
      // Rendered at synth into nested stacks: nothing reads the bundle at deploy time, so no asset.
      return { bucketName: '', objectKey: '', schema };
    }
    const asset = new s3_assets.Asset(scope, 'TemplateBundle', {
      path: writeArchive(hash, archive),
      // The content's hash: an unchanged directory keeps its object key, so no new version.
      assetHash: hash,
      assetHashType: AssetHashType.CUSTOM,
      displayName: `Proton template bundle ${this.directory}`,
    });
    // Only this object (Asset.grantRead would allow every object of the bootstrap bucket), and
    // only s3:GetObject: Proton copies the bundle with the caller's permissions.
    grantGetObject(options.grantee, asset.bucket.arnForObjects(asset.s3ObjectKey));
    return { bucketName: asset.s3BucketName, objectKey: asset.s3ObjectKey, schema };
  }

  public render(options: TemplateBundleRenderOptions): RenderedTemplateFile[] {
    return previewBundle(this.directory, this.files(), options).map((file) => ({
      path: file.path, ...file.instanceName ? { instanceName: file.instanceName } : {}, content: file.content, outputKeys: file.outputs,
    }));
  }

  private files(): Map<string, Buffer> {
    return unpackTemplateBundle(this.pack().archive);
  }

  private pack() {
    if (!this.packed) {
      const root = path.resolve(this.directory);
      const ignore = IgnoreStrategy.glob(root, this.exclude);
      const files = readDirectoryFiles(this.directory, (relative) => ignore.ignores(path.join(root, relative)));
      this.packed = { hash: contentHash(files), archive: createDeterministicTarGz(files) };
    }
    return this.packed;
  }
}

/**
 * Checks the archive as Proton reads it (unpacked, a wrapping directory stripped) against the
 * rules for `kind`; throws an Error listing every problem with its file.
 */
function checkBundle(directory: string, archive: Buffer, kind: TemplateBundleKind): ParsedTemplateBundle {
  let validation: TemplateBundleValidation;
  try {
    validation = validateTemplateBundle(unpackTemplateBundle(archive), kind);
  } catch (e) {
    // The archive itself is unusable (e.g. over the size limit): no file to name.
    validation = { problems: [{ path: '', message: (e as Error).message }] };
  }
  if (!validation.parsed) {
    throw new Error(`Invalid template bundle '${directory}' for ${describeKind(kind)}:\n`
      + validation.problems.map((p) => `  ${formatBundleProblem(p)}`).join('\n'));
  }
  return validation.parsed;
}

/**
 * Writes the archive for the asset staging to copy, to a path named by its content hash
 * (atomically: parallel synths of the same bundle each rename a complete file into place).
 */
function writeArchive(hash: string, archive: Buffer): string {
  const dir = path.join(ARCHIVE_CACHE_DIR, hash);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'template-bundle.tar.gz');
  const partial = `${file}.${process.pid}.${Date.now()}.partial`;
  fs.writeFileSync(partial, archive);
  fs.renameSync(partial, file);
  return file;
}

/** Allows `grantee` exactly s3:GetObject on one object (no s3:GetObject*, GetBucket*, List*). */
function grantGetObject(grantee: iam.IGrantable, objectArn: string): void {
  iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [objectArn] });
}

/** An object that already exists in S3. */
class S3TemplateBundle extends TemplateBundle {
  constructor(private readonly bucket: s3.IBucket, private readonly key: string) {
    super();
  }

  public bind(scope: Construct, options: TemplateBundleBindOptions): TemplateBundleConfig {
    bundleKind(options);
    if (usesCloudFormationBackend(scope)) {
      // Unreadable at synth: environments and services that render it fail with what to do instead.
      return { bucketName: this.bucket.bucketName, objectKey: this.key };
    }
    grantGetObject(options.grantee, this.bucket.arnForObjects(this.key));
    // A bucket encrypted with a customer managed key: Proton's read needs kms:Decrypt through S3.
    this.bucket.encryptionKey?.grantDecrypt(options.grantee);
    return { bucketName: this.bucket.bucketName, objectKey: this.key };
  }
}

function bundleKind(options: TemplateBundleBindOptions): TemplateBundleKind {
  if (options.templateType === TemplateType.SERVICE && options.customerManaged) {
    throw new Error('TemplateBundle.bind: customerManaged applies to environment templates only; a service template has hasPipeline instead.');
  }
  if (options.templateType === TemplateType.ENVIRONMENT && options.hasPipeline) {
    throw new Error('TemplateBundle.bind: hasPipeline applies to service templates only; an environment template has customerManaged instead.');
  }
  return {
    templateType: options.templateType === TemplateType.ENVIRONMENT ? 'ENVIRONMENT' : 'SERVICE',
    customerManaged: options.customerManaged ?? false,
    hasPipeline: options.hasPipeline ?? false,
  };
}

function describeKind(kind: TemplateBundleKind): string {
  if (kind.templateType === 'ENVIRONMENT') return kind.customerManaged ? 'a customer-managed environment template' : 'an environment template';
  return kind.hasPipeline ? 'a service template with a pipeline' : 'a service template without a pipeline';
}
