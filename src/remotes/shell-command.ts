// git-annex-shell's command line, parsed: what `git arbor serve` is asked to do when it stands in for git-annex-shell (pure).

import { ArborError } from '../util/errors.js';

/** One request to the server side. `dir` is as the client sent it (expand it with expandRepoPath). */
export type ShellRequest =
  | { readonly kind: 'p2pstdio'; readonly dir: string; readonly expectUuid?: string }
  | { readonly kind: 'configlist'; readonly dir: string; readonly autoinit: boolean }
  | { readonly kind: 'notifychanges'; readonly dir: string; readonly expectUuid?: string }
  | { readonly kind: 'git'; readonly service: 'upload-pack' | 'receive-pack' | 'upload-archive'; readonly dir: string };

/** A command line serve does not run (unknown command, missing directory). */
export class ShellCommandError extends ArborError {
  constructor(message: string) {
    super('ESHELLCOMMAND', message);
  }
}

/**
 * Splits a command string into words as a POSIX shell would for the quoting git and git-annex use
 * ('single', "double" with backslash escapes, bare backslash). No expansion of any kind.
 */
export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ShellCommandError(`unterminated quote in ${JSON.stringify(text)}`);
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      word ??= '';
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1] as string)) i++;
        word += text[i];
      }
      if (i >= text.length) throw new ShellCommandError(`unterminated quote in ${JSON.stringify(text)}`);
    } else if (ch === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i];
    } else if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

const GIT_SERVICES = { 'git-upload-pack': 'upload-pack', 'git-receive-pack': 'receive-pack', 'git-upload-archive': 'upload-archive' } as const;

/**
 * Parses the words after `serve` (or after git-annex-shell): `p2pstdio DIR UUID --uuid UUID`,
 * `configlist DIR`, `notifychanges DIR`, `git-upload-pack DIR`, `-c "<command string>"` (the
 * login-shell form, and what a forced command gets in SSH_ORIGINAL_COMMAND), or arbor's own
 * `serve DIR` (p2pstdio without uuid checks). Fields git-annex passes after `--` are ignored
 * except autoinit=1.
 */
export function parseShellCommand(words: readonly string[]): ShellRequest {
  if (words[0] === '-c') {
    if (words[1] === undefined) throw new ShellCommandError('-c needs a command string');
    return parseCommandString(words[1]);
  }
  const [verb, dir] = words;
  if (verb === undefined) throw new ShellCommandError('no command given (expected p2pstdio, configlist, notifychanges, git-upload-pack, git-receive-pack or a repository)');
  const gitService = GIT_SERVICES[verb as keyof typeof GIT_SERVICES];
  const uuidAt = words.indexOf('--uuid');
  const expectUuid = uuidAt >= 0 ? words[uuidAt + 1] : undefined;
  const needDir = (): string => {
    if (dir === undefined || dir === '' || dir.startsWith('--')) throw new ShellCommandError(`${verb} needs a repository directory`);
    return dir;
  };
  if (gitService) return { kind: 'git', service: gitService, dir: needDir() };
  switch (verb) {
    case 'p2pstdio':
    case 'notifychanges':
      return { kind: verb, dir: needDir(), ...(expectUuid ? { expectUuid } : {}) };
    case 'configlist':
      return { kind: 'configlist', dir: needDir(), autoinit: words.includes('autoinit=1') };
    default:
      if (words.length === 1 && !verb.startsWith('-')) return { kind: 'p2pstdio', dir: verb };
      throw new ShellCommandError(`unknown command ${verb}`);
  }
}

/** Parses a whole command string: `git-annex-shell 'p2pstdio' …`, `git-arbor serve …`, `git-upload-pack '/dir'`, `git upload-pack …`. */
export function parseCommandString(text: string): ShellRequest {
  const words = splitShellWords(text);
  const program = (words[0] ?? '').replace(/^.*\//, '');
  if (program === 'git-annex-shell') return parseShellCommand(words.slice(1));
  if (program === 'git-arbor' && words[1] === 'serve') return parseShellCommand(stripRestrict(words.slice(2)));
  if (program === 'git' && words[1] && `git-${words[1]}` in GIT_SERVICES) return parseShellCommand([`git-${words[1]}`, ...words.slice(2)]);
  if (program in GIT_SERVICES) return parseShellCommand([program, ...words.slice(1)]);
  throw new ShellCommandError(`refused command ${JSON.stringify(text)} (only git-annex-shell, git-arbor serve and git's pack services are served here)`);
}

/** A client cannot widen a restriction by naming its own --restrict. */
function stripRestrict(words: readonly string[]): string[] {
  return words[0] === '--restrict' ? words.slice(2) : [...words];
}

/**
 * The directory a client's path names on this host, as git-annex-shell reads it: "/~/x" and "~/x"
 * are under `home`, "/~user/x" under that user's home (`homeOf`), a relative path is relative to `home`.
 */
export function expandRepoPath(dir: string, home: string, homeOf: (user: string) => string | undefined): string {
  const m = /^\/?~([^/]*)(?:\/(.*))?$/.exec(dir);
  if (m) {
    const base = m[1] ? homeOf(m[1]) : home;
    if (base === undefined) throw new ShellCommandError(`unknown user in ${dir}`);
    return m[2] ? `${base}/${m[2]}` : base;
  }
  return dir.startsWith('/') ? dir : `${home}/${dir}`;
}
