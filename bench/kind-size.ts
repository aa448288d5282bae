/**
 * The code it takes to add one kind of Proton resource, at several commits side by side: the
 * code lines (blank and comment-only lines excluded) of the kind's own files (its construct and
 * its handler) and of the kind's entries in the shared tables (contract, kinds, permissions,
 * ARNs, exports, dispatch), found in each file's syntax tree by the kind's identifiers.
 *
 * Not a timing: no ratio of times. Usage:
 *   npx ts-node --transpile-only -P test/tsconfig.json bench/kind-size.ts [--kind repository] [--commits 87e48cc,HEAD,WORKTREE]
 */
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import * as ts from 'typescript';

interface KindFiles {
  /** The kind's own files: every code line counts. */
  readonly own: readonly string[];
  /** Identifiers (declaration, property, enum member and table key names) that belong to the kind in shared files. */
  readonly names: RegExp;
  /** Module specifiers of the kind's files, for import/export lines in shared files. */
  readonly modules: RegExp;
}

const KINDS: Record<string, KindFiles> = {
  repository: {
    own: ['src/constructs/repository.ts', 'lambda/repository.ts'],
    // Repository's entries; not RepositoryBranch* / PipelineProvisioningRepository* / sync configs' RepositoryName fields (other kinds).
    names: /^(repository|REPOSITORY|REPOSITORY_[A-Z_]+|Repository(Properties|Data|Schema|Handler|Kind)|(Create|Get|Delete|Update)Repository|Custom::ProtonRepository|repositoryArn(Of|ForPolicy)|\[ProtonResourceType\.REPOSITORY\])$/,
    modules: /\/repository$/,
  },
};

const SHARED = [
  'src/custom-resources/contract.ts',
  'src/private/kinds.ts',
  'src/private/permissions.ts',
  'src/private/proton-arns.ts',
  'src/index.ts',
  'lambda/index.ts',
];

/** The file at `commit` (`WORKTREE`: as it is on disk). */
function show(commit: string, file: string): string | undefined {
  try {
    if (commit === 'WORKTREE') return readFileSync(file, 'utf8');
    return execFileSync('git', ['show', `${commit}:${file}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/** Lines (0-based) that hold code: neither blank nor inside or made of comments only. */
function codeLines(text: string): Set<number> {
  const lines = new Set<number>();
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
  const source = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest);
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.SingleLineCommentTrivia || token === ts.SyntaxKind.MultiLineCommentTrivia
      || token === ts.SyntaxKind.WhitespaceTrivia || token === ts.SyntaxKind.NewLineTrivia) continue;
    // A token spanning lines (a template literal) holds code on each of them.
    for (let line = lineOf(scanner.getTokenStart()); line <= lineOf(scanner.getTokenEnd() - 1); line++) lines.add(line);
  }
  return lines;
}

function nameOf(node: ts.Node, source: ts.SourceFile): string | undefined {
  const named = node as ts.Node & { name?: ts.Node };
  if (ts.isVariableStatement(node)) return node.declarationList.declarations[0].name.getText(source);
  if (named.name && (ts.isPropertyAssignment(node) || ts.isPropertySignature(node) || ts.isEnumMember(node)
    || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isFunctionDeclaration(node)
    || ts.isClassDeclaration(node) || ts.isEnumDeclaration(node))) {
    return named.name.getText(source).replace(/^['"]|['"]$/g, '');
  }
  return undefined;
}

/** The code lines of `file` that belong to the kind: its named entries and the imports/exports of its modules. */
function kindLines(text: string, kind: KindFiles): { readonly count: number; readonly entries: string[] } {
  const source = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);
  const code = codeLines(text);
  const counted = new Set<number>();
  const entries: string[] = [];
  const take = (node: ts.Node, label: string) => {
    const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
    const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
    let n = 0;
    for (let line = first; line <= last; line++) {
      if (code.has(line) && !counted.has(line)) {
        counted.add(line);
        n++;
      }
    }
    if (n > 0) entries.push(`${label} (${n})`);
  };
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier
      && kind.modules.test((node.moduleSpecifier as ts.StringLiteral).text)) {
      take(node, `import/export '${(node.moduleSpecifier as ts.StringLiteral).text}'`);
      return;
    }
    const name = nameOf(node, source);
    if (name !== undefined && kind.names.test(name)) {
      take(node, name);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { count: counted.size, entries };
}

interface Measure { readonly rows: Array<[string, number, string]>; readonly total: number; readonly files: number }

function measure(commit: string, kind: KindFiles): Measure {
  const rows: Array<[string, number, string]> = [];
  for (const file of kind.own) {
    const text = show(commit, file);
    if (text !== undefined) rows.push([file, codeLines(text).size, 'whole file']);
  }
  for (const file of SHARED) {
    const text = show(commit, file);
    if (text === undefined) continue;
    const { count, entries } = kindLines(text, kind);
    if (count > 0) rows.push([file, count, entries.join(', ')]);
  }
  return { rows, total: rows.reduce((sum, [, n]) => sum + n, 0), files: rows.length };
}

function main(): void {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const kindName = option('kind', 'repository');
  const kind = KINDS[kindName];
  if (!kind) throw new Error(`--kind ${kindName}: known kinds are ${Object.keys(KINDS).join(', ')}.`);
  const commits = option('commits', '87e48cc,HEAD').split(',');
  const results = commits.map((commit) => ({ commit, ...measure(commit, kind) }));
  const missing = results.filter((r) => r.files === 0).map((r) => r.commit);
  if (missing.length > 0) {
    throw new Error(`No file of the ${kindName} kind at ${missing.join(', ')}: not a commit of this clone's history (a shallow clone? git fetch --unshallow).`);
  }
  for (const r of results) {
    console.log(`\n${kindName} at ${r.commit}: ${r.total} code lines in ${r.files} files`);
    for (const [file, n, what] of r.rows) console.log(`  ${String(n).padStart(4)}  ${file}  — ${what}`);
  }
  const base = results[0];
  console.log('');
  for (const r of results.slice(1)) {
    console.log(`${r.commit} vs ${base.commit}: ${r.total} / ${base.total} lines = ${(r.total / base.total).toFixed(2)}×, ${r.files} / ${base.files} files`);
  }
}

main();
