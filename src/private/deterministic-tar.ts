/**
 * Deterministic gzip-compressed tar archives: the same files always give the same bytes,
 * whatever the host, the file times, owners, permissions or working directory.
 *
 * - Entries are sorted by path (byte order), each directory right before its contents; only the
 *   directories that lead to a file are archived (an empty directory adds nothing).
 * - Written with the `tar` package in portable mode (no uid, gid, user or group names, device,
 *   inode, atime or ctime), with a fixed mtime and modes 0644 (files) / 0755 (directories).
 * - Compressed with Node's zlib at fixed settings; the gzip header has mtime 0 and OS byte 3
 *   (Unix) on every platform (zlib writes the host's OS code there).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { create as createTar } from 'tar';

/** The mtime of every file entry (directory entries have none in portable mode). */
export const ARCHIVE_MTIME = new Date(0);
/** RFC 1952 OS code written in every gzip header: 3 = Unix. */
export const GZIP_OS_UNIX = 3;
const GZIP_OS_BYTE_OFFSET = 9;
const GZIP_OPTIONS: zlib.ZlibOptions = { level: 9, memLevel: 8, windowBits: 15, strategy: zlib.constants.Z_DEFAULT_STRATEGY };

/**
 * Reads every regular file under `root` into a map of POSIX relative path → content.
 *
 * A symbolic link to a file inside `root` is read as a copy of that file. Links to directories,
 * links that lead outside `root` or nowhere, and special files are refused with an Error naming
 * the path: an archive must hold exactly the directory's own files.
 *
 * @param excludes returns true for a relative path (file or directory) to leave out
 */
export function readDirectoryFiles(root: string, excludes: (relativePath: string) => boolean = () => false): Map<string, Buffer> {
  const realRoot = fs.realpathSync(root);
  const files = new Map<string, Buffer>();
  const visit = (relativeDir: string) => {
    const names = fs.readdirSync(path.join(realRoot, relativeDir)).sort(compareBytes);
    for (const name of names) {
      const relative = relativeDir ? `${relativeDir}/${name}` : name;
      if (excludes(relative)) continue;
      const absolute = path.join(realRoot, relative);
      const stat = fs.lstatSync(absolute);
      if (stat.isDirectory()) visit(relative);
      else if (stat.isFile()) files.set(relative, fs.readFileSync(absolute));
      else if (stat.isSymbolicLink()) files.set(relative, readLinkedFile(root, realRoot, relative));
      else throw new Error(`${path.join(root, relative)} is neither a file nor a directory; remove it or exclude it.`);
    }
  };
  visit('');
  return files;
}

function readLinkedFile(root: string, realRoot: string, relative: string): Buffer {
  const shown = path.join(root, relative);
  let target: string;
  try {
    target = fs.realpathSync(path.join(realRoot, relative));
  } catch {
    throw new Error(`${shown} is a symbolic link to '${fs.readlinkSync(path.join(realRoot, relative))}', which does not exist; remove the link or exclude it.`);
  }
  const inside = path.relative(realRoot, target);
  if (inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
    throw new Error(`${shown} is a symbolic link to ${target}, outside ${root}; copy the file into the directory instead.`);
  }
  if (!fs.statSync(target).isFile()) {
    throw new Error(`${shown} is a symbolic link to a directory; only links to files are packed (as copies). Replace it with the directory itself.`);
  }
  return fs.readFileSync(target);
}

/**
 * Archives `files` (POSIX relative path → content) as a deterministic `.tar.gz`.
 * Paths must be relative, use `/`, and contain no `.` or `..` segments.
 */
export function createDeterministicTarGz(files: ReadonlyMap<string, Buffer>): Buffer {
  const entries = archiveEntries(files);
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-proton-tar-'));
  try {
    // A fresh copy has no hard links (tar would archive a second name as a link) and known modes.
    for (const entry of entries) {
      const target = path.join(staging, ...entry.split('/'));
      if (entry.endsWith('/')) {
        fs.mkdirSync(target);
        fs.chmodSync(target, 0o755);
      } else {
        fs.writeFileSync(target, files.get(entry)!);
        fs.chmodSync(target, 0o644);
      }
    }
    const stream = createTar({ sync: true, portable: true, mtime: ARCHIVE_MTIME, cwd: staging, noDirRecurse: true, strict: true }, entries);
    const chunks: Buffer[] = [];
    for (let chunk: Buffer | null = stream.read(); chunk !== null; chunk = stream.read()) chunks.push(chunk);
    const archive = zlib.gzipSync(Buffer.concat(chunks), GZIP_OPTIONS);
    archive[GZIP_OS_BYTE_OFFSET] = GZIP_OS_UNIX;
    return archive;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * A SHA-256 (hex) of the files' paths and contents only, independent of the archive format:
 * equal for equal content even if the compressor's output changed between Node.js versions.
 */
export function contentHash(files: ReadonlyMap<string, Buffer>): string {
  const hash = createHash('sha256');
  for (const name of [...files.keys()].sort(compareBytes)) {
    const body = files.get(name)!;
    hash.update(`${Buffer.byteLength(name)}:${name}\0${body.length}:`);
    hash.update(body);
  }
  return hash.digest('hex');
}

/** Sorted entries: every ancestor directory (with a trailing `/`) before the files under it. */
function archiveEntries(files: ReadonlyMap<string, Buffer>): string[] {
  const entries = new Set<string>();
  for (const name of files.keys()) {
    const segments = name.split('/');
    if (name.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..')) {
      throw new Error(`Cannot archive '${name}': archive paths must be relative, use '/' and contain no empty, '.' or '..' segments.`);
    }
    for (let i = 1; i < segments.length; i++) entries.add(`${segments.slice(0, i).join('/')}/`);
    entries.add(name);
  }
  return [...entries].sort(compareBytes);
}

/** UTF-16 code-unit order, independent of the locale; a directory (`a/`) sorts before its contents. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
