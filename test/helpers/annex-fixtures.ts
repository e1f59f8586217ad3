// Fixture builders for the git-annex interoperability tests: repositories made by arbor or by git-annex, and views of their location logs.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok, run, runArbor } from './run.js';
import { writeFiles } from './repo.js';
import { tempDir } from './tmp.js';

/** One file of a fixture tree. */
export interface FixtureFile {
  /** Path relative to the work tree, "/" separators. */
  readonly path: string;
  readonly content: Buffer;
  /** Added unlocked (a pointer file in git, the content in the work tree) rather than as a symlink. */
  readonly unlocked: boolean;
}

/** A repository made for a test. */
export interface FixtureRepo {
  readonly dir: string;
  /** Its annex.uuid. */
  readonly uuid: string;
}

/** A 200-character file name (with its extension), well under the 255-byte limit of common filesystems. */
const LONG_NAME = `${'l'.repeat(196)}.txt`;

/**
 * The awkward tree the interop tests share: nested directories, spaces and non-ASCII names, long
 * and multiple extensions (SHA256E keeps extensions in keys), a 200-character name, an empty file,
 * binary and text, a few MB of random bytes, some locked and some unlocked.
 */
export function awkwardFiles(): FixtureFile[] {
  const locked: Record<string, Buffer> = {
    'top.txt': Buffer.from('text at the top\n'),
    'nested/deeper/deepest/leaf.md': Buffer.from('# leaf\n'),
    'with space/file name with spaces.txt': Buffer.from('spaces\n'),
    'café/résumé é.txt': Buffer.from('accents é\n'),
    '日本/日本語.txt': Buffer.from('日本語のテキスト\n'),
    'archive/x.tar.gz': Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02, 0x03]),
    'photos/a.b.c.d.jpeg': Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]),
    [`long/${LONG_NAME}`]: Buffer.from('a long name\n'),
    'empty': Buffer.alloc(0),
    'binary.bin': randomBytes(4096),
    'big/large.dat': randomBytes(3 * 1024 * 1024),
  };
  const unlocked: Record<string, Buffer> = {
    'unlocked.txt': Buffer.from('editable in place\n'),
    'unlocked dir/ünï 日本.bin': randomBytes(2048),
    'unlocked dir/nested/u.tar.gz': Buffer.from('unlocked, two extensions\n'),
  };
  return [
    ...Object.entries(locked).map(([path, content]) => ({ path, content, unlocked: false })),
    ...Object.entries(unlocked).map(([path, content]) => ({ path, content, unlocked: true })),
  ];
}

/** Small text files, one per name, for scenarios about location tracking rather than names. */
export function simpleFiles(names: readonly string[], options: { unlocked?: readonly string[] } = {}): FixtureFile[] {
  return names.map((path) => ({ path, content: Buffer.from(`content of ${path}\n`), unlocked: options.unlocked?.includes(path) ?? false }));
}

/** `git annex args` in `cwd` (debug output off); returns stdout, throws on a non-zero exit. */
export function annex(cwd: string, ...args: string[]): Promise<string> {
  return ok('git', ['-c', 'annex.debug=false', 'annex', ...args], { cwd });
}

/**
 * `git annex sync args` in `cwd` beside a running assistant that pushes to the same remote: git
 * refuses the second of two concurrent updates of one ref ("cannot lock ref", "fetch first"), and
 * git-annex then says "Pushing to origin failed"; a user runs it again, and so does this, up to
 * five times. Any other failure throws with git-annex's output.
 */
export async function annexSyncBesideAssistant(cwd: string, ...args: string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const r = await annexRun(cwd, 'sync', ...args);
    if (r.code === 0) return;
    const raced = /cannot lock ref|failed to update ref|\(fetch first\)|non-fast-forward/.test(r.stderr + r.stdout);
    if (!raced || attempt === 5) throw new Error(`git annex sync ${args.join(' ')} in ${cwd} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  }
}

/** `git annex args` in `cwd`, returning the exit code and output without throwing. */
export function annexRun(cwd: string, ...args: string[]): ReturnType<typeof run> {
  return run('git', ['-c', 'annex.debug=false', 'annex', ...args], { cwd });
}

/** `git arbor args` in `cwd` from the built CLI; returns stdout, throws with stderr on a non-zero exit. */
export async function arbor(cwd: string, ...args: string[]): Promise<string> {
  const r = await runArbor(args, { cwd });
  if (r.code !== 0) throw new Error(`git arbor ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Hex SHA-256 of bytes. */
export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Hex SHA-256 of a work-tree file's content, following a locked file's symlink into the annex. */
export function sha256OfFile(path: string): string {
  return sha256(readFileSync(path));
}

/** The repository's annex.uuid (empty when it has none). */
export async function uuidOf(dir: string): Promise<string> {
  const r = await run('git', ['config', 'annex.uuid'], { cwd: dir });
  return r.stdout.trim();
}

/**
 * A non-bare repository that arbor initialised (`git arbor init <description>`), with `files`
 * added by `git arbor add` (locked ones first, then unlocked ones with `--unlocked`) and
 * committed with git. annex.largefiles is set to `anything` so small text files are annexed too.
 */
export async function makeArborRepo(options: { description: string; files: readonly FixtureFile[]; parent?: string; name?: string }): Promise<FixtureRepo> {
  const dir = join(options.parent ?? tempDir('arbor-interop-'), options.name ?? 'arbor');
  await ok('git', ['init', '-q', dir]);
  await arbor(dir, 'init', options.description);
  await ok('git', ['config', 'annex.largefiles', 'anything'], { cwd: dir });
  // Adding whole directories rather than naming files: `git arbor add` is run the way a user runs
  // it on a fresh folder, once for the locked set and once, after writing them, for the unlocked set.
  writeFiles(dir, Object.fromEntries(options.files.filter((f) => !f.unlocked).map((f) => [f.path, f.content])));
  await arbor(dir, 'add', '.');
  const unlocked = options.files.filter((f) => f.unlocked);
  if (unlocked.length) {
    writeFiles(dir, Object.fromEntries(unlocked.map((f) => [f.path, f.content])));
    await arbor(dir, 'add', '--unlocked', '.');
  }
  await ok('git', ['commit', '-qm', 'files added by arbor'], { cwd: dir });
  return { dir, uuid: await uuidOf(dir) };
}

/**
 * A repository that git-annex initialised and added `files` to (`git annex add`, unlocked ones
 * with annex.addunlocked=true), committed with git.
 */
export async function makeGitAnnexRepo(options: { description: string; files: readonly FixtureFile[]; parent?: string; name?: string }): Promise<FixtureRepo> {
  const dir = join(options.parent ?? tempDir('arbor-interop-'), options.name ?? 'annex');
  await ok('git', ['init', '-q', dir]);
  await annex(dir, 'init', '-q', options.description);
  await ok('git', ['config', 'annex.largefiles', 'anything'], { cwd: dir });
  writeFiles(dir, Object.fromEntries(options.files.filter((f) => !f.unlocked).map((f) => [f.path, f.content])));
  await annex(dir, 'add', '-q', '.');
  const unlocked = options.files.filter((f) => f.unlocked);
  if (unlocked.length) {
    writeFiles(dir, Object.fromEntries(unlocked.map((f) => [f.path, f.content])));
    await ok('git', ['-c', 'annex.debug=false', '-c', 'annex.addunlocked=true', 'annex', 'add', '-q', '.'], { cwd: dir });
  }
  await ok('git', ['commit', '-qm', 'files added by git-annex'], { cwd: dir });
  return { dir, uuid: await uuidOf(dir) };
}

/** A clone of `origin` that git-annex initialised (no content yet). */
export async function cloneWithGitAnnex(options: { origin: string; description: string; parent?: string; name?: string }): Promise<FixtureRepo> {
  const dir = join(options.parent ?? tempDir('arbor-interop-'), options.name ?? 'annex-clone');
  await ok('git', ['clone', '-q', options.origin, dir]);
  await annex(dir, 'init', '-q', options.description);
  return { dir, uuid: await uuidOf(dir) };
}

/** A clone of `origin` that arbor initialised (no content yet). */
export async function cloneWithArbor(options: { origin: string; description: string; parent?: string; name?: string }): Promise<FixtureRepo> {
  const dir = join(options.parent ?? tempDir('arbor-interop-'), options.name ?? 'arbor-clone');
  await ok('git', ['clone', '-q', options.origin, dir]);
  await arbor(dir, 'init', options.description);
  return { dir, uuid: await uuidOf(dir) };
}

/** Parses newline-delimited JSON (the --json output of git-annex and arbor). */
export function parseJsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** file → sorted UUIDs holding it, from `whereis --json` output (either tool's). */
export function whereisUuids(jsonLines: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const record of parseJsonLines(jsonLines)) {
    const where = Array.isArray(record.whereis) ? (record.whereis as { uuid?: unknown }[]) : [];
    result.set(String(record.file), where.map((w) => String(w.uuid)).sort());
  }
  return result;
}

/** What `git annex whereis --json` says in `dir` (whereis exits 1 when a file has no copy, so the exit code is not checked). */
export async function gitAnnexWhereis(dir: string, ...paths: string[]): Promise<Map<string, string[]>> {
  const r = await annexRun(dir, 'whereis', '--json', ...paths);
  if (r.stdout.trim() === '') throw new Error(`git annex whereis printed nothing (exit ${r.code}): ${r.stderr.trim()}`);
  return whereisUuids(r.stdout);
}

/** What `git arbor whereis --json` says in `dir` (exit 1 when a file has no copy, so the exit code is not checked). */
export async function arborWhereis(dir: string, ...paths: string[]): Promise<Map<string, string[]>> {
  const r = await runArbor(['whereis', '--json', ...paths], { cwd: dir });
  if (r.stdout.trim() === '') throw new Error(`git arbor whereis printed nothing (exit ${r.code}): ${r.stderr.trim()}`);
  return whereisUuids(r.stdout);
}

/** A map as a plain sorted object, so assert.deepEqual failures print readably. */
export function asObject(map: ReadonlyMap<string, readonly string[]>): Record<string, readonly string[]> {
  return Object.fromEntries([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The path of a key's object file under a repository's git dir (asks git-annex, which knows the hashing). */
export async function objectPath(options: { dir: string; key: string; bare?: boolean }): Promise<string> {
  const gitDir = options.bare ? options.dir : join(options.dir, '.git');
  // Non-bare repositories use the mixed-case hash directories, bare ones the lower-case ones.
  const format = options.bare ? '${hashdirlower}${key}/${key}' : '${hashdirmixed}${key}/${key}';
  const rel = (await annex(options.dir, 'examinekey', `--format=${format}`, options.key)).trim();
  return join(gitDir, 'annex', 'objects', rel);
}
