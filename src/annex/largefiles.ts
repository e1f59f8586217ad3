// annex.largefiles: which files go to the annex and which stay in git, decided as git-annex decides it.
//
// Where the expression comes from (git-annex Annex/FileMatcher.hs largeFilesMatcher, verified with
// `git annex add`): `git config annex.largefiles` wins whenever it is set, even to the empty string
// (which matches everything); otherwise the gitattribute `annex.largefiles` of each file; when that
// is unspecified or empty, the repository-wide `git annex config annex.largefiles` (stored in the
// git-annex branch's config.log: the caller passes it, see LoadLargeFilesOptions); else every file
// is large. An attribute that is merely set or unset (`* annex.largefiles`, `-annex.largefiles`)
// is an error, as in git-annex ("near \"set\"").
//
// Not decided here (callers' business, as in git-annex's add): dotfiles go to git unless
// annex.dotfiles is true, and --force-large/--force-small override the rules.
import { ArborError } from '../util/errors.js';
import { nodeSpawner } from '../util/spawn.js';
import type { Spawner } from '../util/spawn.js';
import { startCheckAttr } from '../git/check-attr.js';
import type { CheckAttr } from '../git/check-attr.js';
import { GitCommandError } from '../git/errors.js';
import { MatchExpressionError, parseMatchExpression } from './matcher.js';
import type { FileInfo, Matcher } from './matcher.js';
import { mimeEncodingOfFile } from './mime-encoding.js';

/**
 * The rule `git arbor init` writes into .gitattributes (`* annex.largefiles=…`): small text files
 * stay in git, large or binary files go to the annex.
 *
 * - `largerthan=100kb`: git copes well with small files, but every version of a large one stays in
 *   every clone forever; 100 kB is the threshold git-annex's own documentation suggests.
 * - `mimeencoding=binary`: content libmagic does not see as text in any encoding (NUL or other
 *   control bytes in the first 64 KiB) cannot be diffed or merged by git, so it is annexed even
 *   when small. Text in UTF-16, Latin-1 etc. is not "binary" and stays in git.
 * - `largerthan=1`: libmagic calls every empty or one-byte file "binary"; such files are not
 *   worth annexing, so they stay in git.
 * - Written in the parenthesised form because gitattribute values cannot contain spaces; git-annex
 *   10.20230126 parses it and decides as arbor does (test/interop/largefiles.test.ts).
 */
export const DEFAULT_LARGEFILES = '(largerthan=100kb)or((mimeencoding=binary)and(largerthan=1))';

/** A file to decide about. */
export interface LargeFileCandidate {
  /** Path relative to the top of the work tree, "/" separators. */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** Where its content can be read (for mimeencoding=/mimetype=). */
  readonly absolutePath: string;
}

/** The annex.largefiles rules of one work tree. */
export interface LargeFilesRules {
  /** True when the file belongs in the annex, false when it belongs in git. */
  isLarge(file: LargeFileCandidate): Promise<boolean>;
  /** Stops the helper process, if one was started. */
  close(): Promise<void>;
}

/** Options for loadLargeFilesRules. */
export interface LoadLargeFilesOptions {
  /** The top of the work tree. */
  readonly workTree: string;
  /** Runs `git config` and `file` (default: the real one). */
  readonly spawner?: Spawner;
  /** Environment for git processes (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Reads a git config value (the repository's config snapshot); default: one `git config --get`. */
  readonly configGet?: (key: string) => Promise<string | undefined>;
  /**
   * The repository-wide value set with `git annex config --set annex.largefiles` (config.log in the
   * git-annex branch), used for files whose attribute is unspecified. Absent: none is set.
   */
  readonly globalLargeFiles?: string;
}

/** An expression that would make git-annex refuse to add files. Code EBADLARGEFILES. */
export class BadLargeFilesError extends ArborError {
  constructor(from: string, cause: MatchExpressionError) {
    super('EBADLARGEFILES', `bad annex.largefiles configuration in ${from}: ${cause.message}`, { data: { from }, cause });
    this.name = 'BadLargeFilesError';
  }
}

/** Reads the configuration and returns the rules (throws BadLargeFilesError for a bad git config). */
export async function loadLargeFilesRules(opts: LoadLargeFilesOptions): Promise<LargeFilesRules> {
  const spawner = opts.spawner ?? nodeSpawner;
  const env = opts.env ?? process.env;
  const info = (file: LargeFileCandidate): FileInfo => fileInfo(file, { spawner, env });

  const configured = await (opts.configGet ?? ((key) => gitConfigGet(key, { cwd: opts.workTree, spawner, env })))('annex.largefiles');
  if (configured !== undefined) {
    const matcher = compile(configured, 'git config');
    return { isLarge: (file) => matcher.match(info(file)), close: () => Promise.resolve() };
  }

  const global = opts.globalLargeFiles === undefined ? undefined : lazy(() => compile(opts.globalLargeFiles ?? '', 'git-annex config'));
  /** One matcher per distinct attribute value (a repository has few). */
  const byValue = new Map<string, Matcher>();
  let attrs: CheckAttr | undefined;
  return {
    async isLarge(file) {
      attrs ??= startCheckAttr({ cwd: opts.workTree, attributes: ['annex.largefiles'], env });
      const value = (await attrs.get(file.path)).get('annex.largefiles') ?? 'unspecified';
      let matcher: Matcher | undefined;
      if (value === '' || value === 'unspecified') matcher = global?.();
      else {
        matcher = byValue.get(value);
        if (matcher === undefined) {
          matcher = compile(value, 'gitattributes');
          byValue.set(value, matcher);
        }
      }
      return matcher === undefined ? true : matcher.match(info(file));
    },
    async close() {
      await attrs?.close();
    },
  };
}

/** One `git config --get`: the value, undefined when unset. */
async function gitConfigGet(key: string, opts: { cwd: string; spawner: Spawner; env: NodeJS.ProcessEnv }): Promise<string | undefined> {
  const args = ['config', '--get', key];
  const r = await opts.spawner.run('git', args, { cwd: opts.cwd, env: opts.env });
  if (r.code !== 0 && r.code !== 1) throw new GitCommandError({ args, exitCode: r.code, stderr: r.stderr });
  return r.code === 0 ? r.stdout.toString('utf8').replace(/\n$/, '') : undefined;
}

function compile(expression: string, from: string): Matcher {
  try {
    return parseMatchExpression(expression);
  } catch (err) {
    if (err instanceof MatchExpressionError) throw new BadLargeFilesError(from, err);
    throw err;
  }
}

function lazy<T>(make: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: make() }).v;
}

/** FileInfo whose mime answers are computed once, on first use. */
function fileInfo(file: LargeFileCandidate, deps: { spawner: Spawner; env: NodeJS.ProcessEnv }): FileInfo {
  return {
    path: file.path,
    size: file.size,
    mimeEncoding: once(() => mimeEncodingOfFile(file.absolutePath)),
    mimeType: once(() => mimeTypeOfFile(file.absolutePath, deps)),
  };
}

function once(make: () => Promise<string>): () => Promise<string> {
  let p: Promise<string> | undefined;
  return () => (p ??= make());
}

/**
 * libmagic's MIME type, from `file(1)` (the same library git-annex links; there is no way to
 * emulate its whole magic database). Rejects with SpawnError when `file` is not installed, and
 * with a plain Error when it cannot read the file (a mimetype= term is then false, as in git-annex).
 */
export async function mimeTypeOfFile(path: string, deps: { spawner?: Spawner; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const spawner = deps.spawner ?? nodeSpawner;
  const r = await spawner.run('file', ['-E', '-b', '--mime-type', '--', path], deps.env === undefined ? {} : { env: deps.env });
  if (r.code !== 0) throw new Error(`file --mime-type failed for ${path}: ${r.stderr.trim()}`);
  return r.stdout.toString('utf8').trim();
}
