/**
 * Trims the npm tarball that `jsii-pacmak --target js` packed and checks what it must contain.
 *
 * npm packs bundled dependencies (yaml, ajv, tar and theirs) with every file they publish, and the
 * root `.npmignore` does not apply to them: source maps, TypeScript sources, tests, benchmarks and
 * CI files ride along. This repacks the tarball without them, and fails when the library's own
 * runtime files are missing (above all the handler bundle, without which the first synth of a
 * user's app fails with `Cannot find asset`).
 *
 *   ts-node build-tools/trim-package.ts dist/js
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tar from 'tar';

/** Files of bundled dependencies that nothing loads at run time. */
const DROPPED = [
  /\.map$/,
  /\.(?<!\.d\.)ts$/, /\.(?<!\.d\.)mts$/, /\.(?<!\.d\.)cts$/,
  /\/(test|tests|__tests__|spec|benchmark|benchmarks|\.github|\.circleci)\//,
  /\/(\.travis\.yml|\.eslintrc[^/]*|\.editorconfig|\.npmignore|\.prettierrc[^/]*|tsconfig[^/]*\.json|\.taprc)$/,
];

/** What the package must hold (paths in the tarball). */
export const REQUIRED_FILES = ['package/lib/index.js', 'package/lib/index.d.ts', 'package/.jsii', 'package/assets/lambda/index/index.js'];

/** Whether a tarball entry is a file of a bundled dependency that nothing loads. */
export function isDropped(entry: string): boolean {
  return entry.startsWith('package/node_modules/') && DROPPED.some((pattern) => pattern.test(entry));
}

function listFiles(dir: string, prefix = ''): string[] {
  return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((d) => {
    const relative = path.posix.join(prefix, d.name);
    return d.isDirectory() ? listFiles(dir, relative) : [relative];
  });
}

/** Removes the directories left empty (e.g. `test/`) below `dir`, deepest first. */
function removeEmptyDirectories(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      removeEmptyDirectories(path.join(dir, entry.name));
    }
  }
  if (fs.readdirSync(dir).length === 0) {
    fs.rmdirSync(dir);
  }
}

function trim(tarball: string): void {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-proton-package-'));
  try {
    tar.x({ file: tarball, cwd: work, sync: true });
    const files = listFiles(work);
    const missing = REQUIRED_FILES.filter((f) => !files.includes(f));
    if (missing.length > 0) {
      throw new Error(`${tarball} lacks ${missing.join(', ')}: build the library with 'npx projen compile' (which bundles the handler) before packaging.`);
    }
    const dropped = files.filter(isDropped);
    for (const file of dropped) {
      fs.rmSync(path.join(work, file));
    }
    removeEmptyDirectories(path.join(work, 'package', 'node_modules'));
    const before = fs.statSync(tarball).size;
    tar.c({ file: tarball, cwd: work, gzip: { level: 9 }, portable: true, sync: true }, ['package']);
    const after = fs.statSync(tarball).size;
    console.log(`${path.basename(tarball)}: ${files.length - dropped.length} files (${dropped.length} dropped from bundled dependencies), `
      + `${Math.round(before / 1024)} KiB -> ${Math.round(after / 1024)} KiB`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const dir = process.argv[2] ?? 'dist/js';
  const tarballs = fs.readdirSync(dir).filter((f) => f.endsWith('.tgz'));
  if (tarballs.length === 0) {
    throw new Error(`No npm tarball in ${dir}: run 'npx projen package:js' first.`);
  }
  tarballs.forEach((f) => trim(path.join(dir, f)));
}
