/**
 * Derives `proton-model.json` from botocore's Proton service model (`service-2.json.gz`).
 *
 * Everything in the output is taken from the model: per operation its input and output shape,
 * declared errors and `idempotencyToken` member; per shape only what request/response validation
 * needs (type, members, required, min/max, pattern, enum, list member, union, sensitive).
 * Documentation, deprecation notices and HTTP bindings (always `POST /`) are dropped.
 * The output is deterministic: keys sorted, one shape per line, so regenerating an unchanged
 * model leaves the file byte-identical.
 *
 * Run: `npx projen gen:model` (or set BOTOCORE_DATA_DIR to botocore's `data` directory).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import type { ModelShape, ProtonModel } from '../core/model';

const SERVICE_MODEL = path.join('proton', '2020-07-20', 'service-2.json.gz');
export const MODEL_FILE = path.join(__dirname, 'proton-model.json');

function botocoreDataDir(): string {
  if (process.env.BOTOCORE_DATA_DIR) return process.env.BOTOCORE_DATA_DIR;
  const botocoreDir = execFileSync('python3', ['-c', 'import botocore,os;print(os.path.dirname(botocore.__file__))'], {
    encoding: 'utf-8',
  }).trim();
  return path.join(botocoreDir, 'data');
}

function botocoreVersion(): string {
  return execFileSync('python3', ['-c', 'import botocore;print(botocore.__version__)'], { encoding: 'utf-8' }).trim();
}

interface BotocoreMember { shape: string; idempotencyToken?: boolean }
interface BotocoreShape {
  type: string;
  members?: Record<string, BotocoreMember>;
  required?: string[];
  member?: BotocoreMember;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  union?: boolean;
  sensitive?: boolean;
  exception?: boolean;
}
interface BotocoreOperation {
  input?: { shape: string };
  output?: { shape: string };
  errors?: { shape: string }[];
}
interface BotocoreModel {
  metadata: { apiVersion: string; targetPrefix: string; jsonVersion: string; protocol: string };
  operations: Record<string, BotocoreOperation>;
  shapes: Record<string, BotocoreShape>;
}

function reduceShape(shape: BotocoreShape): ModelShape {
  const out: ModelShape = { type: shape.type as ModelShape['type'] };
  if (shape.members) {
    out.members = Object.fromEntries(Object.entries(shape.members).map(([name, m]) => [name, m.shape]));
  }
  if (shape.required?.length) out.required = [...shape.required];
  if (shape.member) out.member = shape.member.shape;
  if (shape.min !== undefined) out.min = shape.min;
  if (shape.max !== undefined) out.max = shape.max;
  if (shape.pattern !== undefined) out.pattern = shape.pattern;
  if (shape.enum) out.enum = [...shape.enum];
  if (shape.union) out.union = true;
  if (shape.sensitive) out.sensitive = true;
  if (shape.exception) out.exception = true;
  return out;
}

export function reduceModel(model: BotocoreModel, sourceVersion: string): ProtonModel {
  const operations: ProtonModel['operations'] = {};
  for (const name of Object.keys(model.operations).sort()) {
    const op = model.operations[name];
    if (!op.input || !op.output) throw new Error(`Operation ${name} has no input or output shape in the model.`);
    const inputMembers = model.shapes[op.input.shape].members ?? {};
    const token = Object.entries(inputMembers).find(([, m]) => m.idempotencyToken)?.[0];
    operations[name] = {
      input: op.input.shape,
      output: op.output.shape,
      errors: (op.errors ?? []).map((e) => e.shape).sort(),
      ...(token ? { idempotencyToken: token } : {}),
    };
  }
  const shapes: ProtonModel['shapes'] = {};
  for (const name of Object.keys(model.shapes).sort()) shapes[name] = reduceShape(model.shapes[name]);
  return {
    source: `botocore ${sourceVersion} ${SERVICE_MODEL.split(path.sep).join('/')}`,
    apiVersion: model.metadata.apiVersion,
    targetPrefix: model.metadata.targetPrefix,
    operations,
    shapes,
  };
}

/** One operation / shape per line: compact, yet diffs stay readable. */
export function serialize(model: ProtonModel): string {
  const block = (entries: Record<string, unknown>) =>
    Object.entries(entries).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n');
  return [
    '{',
    `  "source": ${JSON.stringify(model.source)},`,
    `  "apiVersion": ${JSON.stringify(model.apiVersion)},`,
    `  "targetPrefix": ${JSON.stringify(model.targetPrefix)},`,
    '  "operations": {',
    block(model.operations),
    '  },',
    '  "shapes": {',
    block(model.shapes),
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The model derived from the installed botocore, and its file text. */
export function generateModel(): { model: ProtonModel; text: string } {
  const file = path.join(botocoreDataDir(), SERVICE_MODEL);
  const raw = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf-8')) as BotocoreModel;
  if (raw.metadata.protocol !== 'json' || raw.metadata.jsonVersion !== '1.0') {
    throw new Error(`Expected an awsJson1_0 model in ${file}, found protocol ${raw.metadata.protocol} ${raw.metadata.jsonVersion}.`);
  }
  const model = reduceModel(raw, botocoreVersion());
  return { model, text: serialize(model) };
}

function main(): void {
  const { model, text } = generateModel();
  fs.writeFileSync(MODEL_FILE, text);
  process.stdout.write(`${MODEL_FILE}: ${Object.keys(model.operations).length} operations, ${Object.keys(model.shapes).length} shapes\n`);
}

if (require.main === module) main();
