/**
 * Test helpers for everything that talks to the emulator: start/stop it, real SDK clients
 * pointed at it, and a tiny template-bundle builder.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ProtonClient } from '@aws-sdk/client-proton';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as tar from 'tar';
import { Emulator, EmulatorOptions, startEmulator } from '../../local/emulator';

export const TEST_REGION = 'us-east-1';
/** Not 12 digits: requests act in the emulator's default account. */
export const TEST_ACCESS_KEY_ID = 'AKIDEXAMPLE';

/** Starts an emulator (manual clock, strict mode unless overridden), runs `fn`, always stops it. */
export async function withEmulator<T>(fn: (emu: Emulator) => Promise<T>, options: EmulatorOptions = {}): Promise<T> {
  const emu = await startEmulator({ clock: 'manual', strict: true, ...options });
  try {
    return await fn(emu);
  } finally {
    await emu.stop();
  }
}

/**
 * Registers beforeAll/afterAll hooks that start one emulator for the test file.
 * Read `fixture.emu` inside tests.
 */
export function emulatorFixture(options: EmulatorOptions = {}): { readonly emu: Emulator } {
  let current: Emulator | undefined;
  beforeAll(async () => {
    current = await startEmulator({ clock: 'manual', strict: true, ...options });
  });
  afterAll(async () => {
    await current?.stop();
  });
  return {
    get emu(): Emulator {
      if (!current) throw new Error('The emulator fixture is only available inside tests.');
      return current;
    },
  };
}

export interface EmulatorAndClient {
  readonly emu: Emulator;
  readonly proton: ProtonClient;
}

/**
 * Registers beforeEach/afterEach hooks that start a fresh emulator (manual clock, strict mode
 * unless overridden) and a client without retries (unless `client` says otherwise) for each test,
 * and stop both after it. Read `fixture.emu` and `fixture.proton` inside tests and hooks registered
 * after this call.
 */
export function emulatorPerTest(options: EmulatorOptions = {}, client: ClientOptions = {}): EmulatorAndClient {
  let current: EmulatorAndClient | undefined;
  beforeEach(async () => {
    const emu = await startEmulator({ clock: 'manual', strict: true, ...options });
    current = { emu, proton: protonClient(emu, { maxAttempts: 1, ...client }) };
  });
  afterEach(async () => {
    current?.proton.destroy();
    await current?.emu.stop();
    current = undefined;
  });
  const started = () => {
    if (!current) throw new Error('The per-test emulator is only available inside tests and hooks registered after emulatorPerTest().');
    return current;
  };
  return {
    get emu(): Emulator {
      return started().emu;
    },
    get proton(): ProtonClient {
      return started().proton;
    },
  };
}

export interface ClientOptions {
  /** Acts as this account (used as the access key id). */
  readonly accountId?: string;
  readonly region?: string;
  /** SDK attempts per call (1 = no retry). SDK default: 3. */
  readonly maxAttempts?: number;
  /** Milliseconds before the SDK gives up waiting for a response. */
  readonly requestTimeout?: number;
}

function clientConfig(emu: Pick<Emulator, 'endpoint'>, options: ClientOptions) {
  return {
    endpoint: emu.endpoint,
    region: options.region ?? TEST_REGION,
    credentials: { accessKeyId: options.accountId ?? TEST_ACCESS_KEY_ID, secretAccessKey: 'x' },
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.requestTimeout !== undefined ? { requestHandler: { requestTimeout: options.requestTimeout, throwOnRequestTimeout: true } } : {}),
  };
}

export function protonClient(emu: Pick<Emulator, 'endpoint'>, options: ClientOptions = {}): ProtonClient {
  return new ProtonClient(clientConfig(emu, options));
}

export function s3Client(emu: Pick<Emulator, 'endpoint'>, options: ClientOptions = {}): S3Client {
  return new S3Client({ ...clientConfig(emu, options), forcePathStyle: true });
}

/** A template bundle's manifest: one CloudFormation file rendered with Jinja. */
export const CFN_MANIFEST = `infrastructure:
  templates:
    - file: "cloudformation.yaml"
      rendering_engine: jinja
      template_language: cloudformation
`;

/**
 * A template bundle's schema file (OpenAPI 3.0.0) of object types: `inputTypes` maps input type
 * keys (`environment_input_type`, `service_input_type`, `pipeline_input_type`) to type names;
 * `types` maps each type name to the YAML under its `type: object` (`properties:`, `required:`,
 * indented six spaces).
 */
export function schemaFile(inputTypes: Record<string, string>, types: Record<string, string>): string {
  const keys = Object.entries(inputTypes).map(([key, name]) => `  ${key}: "${name}"\n`).join('');
  const objects = Object.entries(types).map(([name, yaml]) => `    ${name}:\n      type: object\n${yaml}`).join('');
  return `schema:\n  format:\n    openapi: "3.0.0"\n${keys}  types:\n${objects}`;
}

/** A gzipped tar of `files` (path inside the bundle -> text), as Proton expects template bundles. */
export function makeBundle(files: Record<string, string>): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proton-bundle-'));
  try {
    const root = path.join(dir, 'root');
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(root, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
    const archive = path.join(dir, 'bundle.tar.gz');
    tar.create({ gzip: true, sync: true, file: archive, cwd: root, portable: true, mtime: new Date(0) }, Object.keys(files).sort());
    return fs.readFileSync(archive);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Uploads a bundle through the emulator's S3 endpoint with the real S3 client. */
export async function uploadBundle(
  emu: Pick<Emulator, 'endpoint'>,
  bucket: string,
  key: string,
  files: Record<string, string>,
): Promise<{ bucket: string; key: string }> {
  const s3 = s3Client(emu);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: makeBundle(files) }));
    return { bucket, key };
  } finally {
    s3.destroy();
  }
}
