import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tar from 'tar';
import { contentHash, createDeterministicTarGz, readDirectoryFiles } from '../../src/private/deterministic-tar';

interface ListedEntry {
  readonly path: string;
  readonly type: string;
  readonly mode?: number;
  readonly mtime?: Date;
  readonly uid?: number;
  readonly gid?: number;
  readonly uname?: string;
  readonly gname?: string;
  readonly size?: number;
}

/** The headers of every entry of a tar.gz, in archive order. */
function list(archive: Buffer): ListedEntry[] {
  const entries: ListedEntry[] = [];
  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (e) => {
      const { type, mode, mtime, uid, gid, uname, gname, size } = e;
      entries.push({ path: e.path, type, mode, mtime, uid, gid, uname, gname, size });
      e.resume();
    },
  });
  parser.end(archive);
  return entries;
}

let workDir: string;
beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deterministic-tar-test-'));
});
afterEach(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

function writeTree(root: string, files: Record<string, string>): string {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return root;
}

const TREE = {
  'schema/schema.yaml': 'schema: {}\n',
  'infrastructure/manifest.yaml': 'infrastructure: {}\n',
  'infrastructure/cloudformation.yaml': 'Resources: {}\n',
  'README.md': '# bundle\n',
  'a-b/c.txt': 'dash sorts before slash\n',
};

describe('createDeterministicTarGz', () => {
  test('entries are sorted, directories first, with fixed mtime, modes and no owners', () => {
    const files = new Map([['b/x.yaml', Buffer.from('x')], ['a.yaml', Buffer.from('aa')], ['b/a/y.yaml', Buffer.from('yyy')]]);
    expect(list(createDeterministicTarGz(files))).toEqual([
      { path: 'a.yaml', type: 'File', mode: 0o644, mtime: new Date(0), uid: undefined, gid: undefined, uname: '', gname: '', size: 2 },
      { path: 'b/', type: 'Directory', mode: 0o755, mtime: undefined, uid: undefined, gid: undefined, uname: '', gname: '', size: 0 },
      { path: 'b/a/', type: 'Directory', mode: 0o755, mtime: undefined, uid: undefined, gid: undefined, uname: '', gname: '', size: 0 },
      { path: 'b/a/y.yaml', type: 'File', mode: 0o644, mtime: new Date(0), uid: undefined, gid: undefined, uname: '', gname: '', size: 3 },
      { path: 'b/x.yaml', type: 'File', mode: 0o644, mtime: new Date(0), uid: undefined, gid: undefined, uname: '', gname: '', size: 1 },
    ]);
  });

  test('the gzip header has mtime 0 and the Unix OS byte', () => {
    const archive = createDeterministicTarGz(new Map([['a', Buffer.from('a')]]));
    // ID1 ID2 CM FLG MTIME(4) XFL OS
    expect([...archive.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
  });

  test('the same files in another insertion order give the same bytes', () => {
    const entries: [string, Buffer][] = Object.entries(TREE).map(([k, v]) => [k, Buffer.from(v)]);
    const forward = createDeterministicTarGz(new Map(entries));
    const backward = createDeterministicTarGz(new Map([...entries].reverse()));
    expect(backward.equals(forward)).toBe(true);
  });

  test('a path longer than 100 characters is kept whole', () => {
    const long = `${'d'.repeat(60)}/${'f'.repeat(90)}.yaml`;
    expect(list(createDeterministicTarGz(new Map([[long, Buffer.from('x')]]))).map((e) => e.path)).toEqual([`${'d'.repeat(60)}/`, long]);
  });

  test.each(['../x', '/etc/passwd', 'a//b', './a', 'a/./b'])('throws when a path is not a clean relative path: %s', (name) => {
    expect(() => createDeterministicTarGz(new Map([[name, Buffer.from('x')]])))
      .toThrow(`Cannot archive '${name}': archive paths must be relative, use '/' and contain no empty, '.' or '..' segments.`);
  });
});

describe('readDirectoryFiles', () => {
  test('reads every file with a POSIX relative path and leaves empty directories out', () => {
    const root = writeTree(path.join(workDir, 'bundle'), TREE);
    fs.mkdirSync(path.join(root, 'empty', 'nested'), { recursive: true });
    const files = readDirectoryFiles(root);
    expect([...files.keys()]).toEqual(['README.md', 'a-b/c.txt', 'infrastructure/cloudformation.yaml', 'infrastructure/manifest.yaml', 'schema/schema.yaml']);
    expect(files.get('schema/schema.yaml')!.toString()).toBe('schema: {}\n');
  });

  test('leaves out what the predicate excludes (files and whole directories)', () => {
    const root = writeTree(path.join(workDir, 'bundle'), TREE);
    const seen: string[] = [];
    const files = readDirectoryFiles(root, (p) => {
      seen.push(p);
      return p === 'README.md' || p === 'infrastructure';
    });
    expect([...files.keys()]).toEqual(['a-b/c.txt', 'schema/schema.yaml']);
    expect(seen).not.toContain('infrastructure/manifest.yaml');
  });

  test('packs a link to a file inside the directory as a copy, and hard links as plain files', () => {
    const root = writeTree(path.join(workDir, 'bundle'), { 'shared/manifest.yaml': 'm\n' });
    fs.mkdirSync(path.join(root, 'infrastructure'));
    fs.symlinkSync(path.join('..', 'shared', 'manifest.yaml'), path.join(root, 'infrastructure', 'manifest.yaml'));
    fs.linkSync(path.join(root, 'shared', 'manifest.yaml'), path.join(root, 'shared', 'hard.yaml'));
    const files = readDirectoryFiles(root);
    expect(Object.fromEntries([...files].map(([k, v]) => [k, v.toString()])))
      .toEqual({ 'infrastructure/manifest.yaml': 'm\n', 'shared/hard.yaml': 'm\n', 'shared/manifest.yaml': 'm\n' });
    expect(list(createDeterministicTarGz(files)).filter((e) => e.type !== 'Directory').map((e) => [e.path, e.type])).toEqual([
      ['infrastructure/manifest.yaml', 'File'], ['shared/hard.yaml', 'File'], ['shared/manifest.yaml', 'File'],
    ]);
  });

  test('throws when a link leads outside the directory', () => {
    const root = writeTree(path.join(workDir, 'bundle'), { 'schema/schema.yaml': 's' });
    writeTree(workDir, { 'outside.yaml': 'secret' });
    fs.symlinkSync(path.join(workDir, 'outside.yaml'), path.join(root, 'schema', 'extra.yaml'));
    expect(() => readDirectoryFiles(root)).toThrow(
      `${path.join(root, 'schema', 'extra.yaml')} is a symbolic link to ${fs.realpathSync(path.join(workDir, 'outside.yaml'))}, outside ${root}; copy the file into the directory instead.`,
    );
  });

  test('throws when a link leads to a directory', () => {
    const root = writeTree(path.join(workDir, 'bundle'), { 'schema/schema.yaml': 's' });
    fs.symlinkSync('schema', path.join(root, 'alias'));
    expect(() => readDirectoryFiles(root)).toThrow(
      `${path.join(root, 'alias')} is a symbolic link to a directory; only links to files are packed (as copies). Replace it with the directory itself.`,
    );
  });

  test('throws when a link leads nowhere', () => {
    const root = writeTree(path.join(workDir, 'bundle'), { 'schema/schema.yaml': 's' });
    fs.symlinkSync('gone.yaml', path.join(root, 'dangling.yaml'));
    expect(() => readDirectoryFiles(root)).toThrow(
      `${path.join(root, 'dangling.yaml')} is a symbolic link to 'gone.yaml', which does not exist; remove the link or exclude it.`,
    );
  });
});

describe('determinism', () => {
  test('the same directory packed twice, with other file times and modes and from another working directory, gives the same bytes', () => {
    const first = writeTree(path.join(workDir, 'one', 'bundle'), TREE);
    const second = writeTree(path.join(workDir, 'two', 'bundle'), TREE);
    for (const name of Object.keys(TREE)) {
      fs.utimesSync(path.join(first, name), new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
      fs.chmodSync(path.join(second, name), 0o600);
    }
    fs.chmodSync(path.join(second, 'schema'), 0o700);
    fs.chmodSync(path.join(second, 'README.md'), 0o755);

    const cwd = process.cwd();
    let archives: Buffer[];
    try {
      process.chdir(path.join(workDir, 'one'));
      const a = createDeterministicTarGz(readDirectoryFiles('bundle'));
      process.chdir(path.join(workDir, 'two'));
      const b = createDeterministicTarGz(readDirectoryFiles(path.join('..', 'two', 'bundle')));
      archives = [a, b];
    } finally {
      process.chdir(cwd);
    }
    expect(archives[1].equals(archives[0])).toBe(true);
  });
});

describe('contentHash', () => {
  const hash = (files: Record<string, string>) => contentHash(new Map(Object.entries(files).map(([k, v]) => [k, Buffer.from(v)])));

  test('depends on paths and contents only, not on the insertion order', () => {
    expect(hash({ a: '1', b: '2' })).toBe(hash({ b: '2', a: '1' }));
    expect(hash({ a: '1', b: '2' })).toMatch(/^[0-9a-f]{64}$/);
  });

  test('changes when a content, a path or the split between files changes', () => {
    const base = hash({ a: '1', b: '2' });
    expect(hash({ a: '1', b: '3' })).not.toBe(base);
    expect(hash({ a: '1', c: '2' })).not.toBe(base);
    expect(hash({ a: '12', b: '' })).not.toBe(hash({ a: '1', b: '2' }));
    expect(hash({ ab: 'c' })).not.toBe(hash({ a: 'bc' }));
  });
});
