/**
 * Cold-start cost of the bundled handler (`assets/lambda/index/index.js`, built by
 * `npx projen bundle`: the whole handler, the Proton client included, minified into one file)
 * against requiring `@aws-sdk/client-proton` alone from node_modules (hundreds of files).
 *
 *   npx ts-node --transpile-only -P test/tsconfig.json bench/handler-require.ts [--repetitions 25]
 *
 * Every sample is a fresh `node` child process that times its own `require` (module resolution,
 * file reads, compilation, top-level code) and exits; the process wall time, Node's own start-up
 * included, is shown too. The two are sampled alternately; the table shows medians. Also prints
 * the bundle's size, raw and gzipped (Lambda's code-size limits apply to the zipped asset).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import * as zlib from 'zlib';
import { kib, median, positiveInteger, ratio, runMain, table } from './stats';

const ROOT = path.join(__dirname, '..');
const BUNDLE = path.join(ROOT, 'assets', 'lambda', 'index', 'index.js');

/** Prints the milliseconds its own `require` took. */
const TIMED_REQUIRE = `
const started = process.hrtime.bigint();
require(process.argv[1]);
process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6));
`;

interface Sample {
  readonly requireMs: number;
  readonly processMs: number;
}

function sample(modulePath: string): Sample {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['-e', TIMED_REQUIRE, modulePath], { cwd: ROOT, encoding: 'utf8' });
  const processMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) {
    throw new Error(`node -e require('${modulePath}') exited with ${child.status ?? child.signal}: ${child.stderr.trim()}`);
  }
  return { requireMs: Number(child.stdout), processMs };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { repetitions: { type: 'string', default: '25' } } });
  const repetitions = positiveInteger('repetitions', values.repetitions);
  if (!fs.existsSync(BUNDLE)) throw new Error(`${path.relative(ROOT, BUNDLE)} is missing: run \`npx projen bundle\` first.`);
  const sdk = require.resolve('@aws-sdk/client-proton', { paths: [ROOT] });

  const subjects = [
    { name: 'bundled handler', path: BUNDLE, samples: [] as Sample[] },
    { name: '@aws-sdk/client-proton', path: sdk, samples: [] as Sample[] },
  ];
  // One discarded run each: the first read of the files from disk is not what a warm host sees.
  for (const subject of subjects) sample(subject.path);
  for (let r = 0; r < repetitions; r++) {
    const order = r % 2 === 0 ? subjects : [...subjects].reverse();
    for (const subject of order) subject.samples.push(sample(subject.path));
  }

  const medians = subjects.map((s) => ({
    name: s.name,
    requireMs: median(s.samples.map((x) => x.requireMs)),
    processMs: median(s.samples.map((x) => x.processMs)),
  }));
  const [bundle, client] = medians;
  const raw = fs.readFileSync(BUNDLE);
  const gzipped = zlib.gzipSync(raw, { level: 9 }).length;

  process.stdout.write([
    `handler-require: ${repetitions} alternating cold requires each, one fresh node ${process.version} process per sample, medians`,
    '',
    table(['module', 'require ms', 'process ms'], medians.map((m) => [m.name, m.requireMs.toFixed(1), m.processMs.toFixed(1)])),
    '',
    `ratio bundled handler / @aws-sdk/client-proton: require ${ratio(bundle.requireMs, client.requireMs)}, `
      + `process ${ratio(bundle.processMs, client.processMs)}`,
    `bundle ${path.relative(ROOT, BUNDLE)}: ${raw.length} bytes (${kib(raw.length)}) raw, `
      + `${gzipped} bytes (${kib(gzipped)}) gzipped (${ratio(raw.length, gzipped)} smaller)`,
    '',
  ].join('\n'));
}

runMain(main);
