// Errors of the git layer, one class per failure kind, each with a stable code.
import { ArborError } from '../util/errors.js';

/** The path is not inside a git repository (or does not exist). Code ENOTREPO. */
export class NotAGitRepositoryError extends ArborError {
  constructor(path: string, cause?: unknown) {
    super('ENOTREPO', `not a git repository: ${path}`, { data: { path }, cause });
    this.name = 'NotAGitRepositoryError';
  }
}

/** What a failed git command left behind. */
export type GitFailure = {
  /** Arguments given to git (without the program name). */
  readonly args: readonly string[];
  /** Its exit code. */
  readonly exitCode: number;
  /** Its complete stderr. */
  readonly stderr: string;
};

/**
 * A git command exited non-zero. Code EGIT. The message is one line,
 * "git <subcommand> failed: <the first error line of stderr>"; the whole stderr is in `data`.
 */
export class GitCommandError extends ArborError {
  declare readonly data: GitFailure;

  constructor(failure: GitFailure) {
    super('EGIT', `git ${subcommandOf(failure.args)} failed: ${firstErrorLine(failure)}`, {
      data: { args: [...failure.args], exitCode: failure.exitCode, stderr: failure.stderr },
    });
    this.name = 'GitCommandError';
  }
}

/** A pkt-line stream is malformed or ends in the middle of a packet. Code EPKTLINE. */
export class PktLineError extends ArborError {
  constructor(message: string) {
    super('EPKTLINE', message);
    this.name = 'PktLineError';
  }
}

/** git spoke the long-running filter protocol in a way we cannot follow. Code EFILTERPROTO. */
export class FilterProtocolError extends ArborError {
  constructor(message: string) {
    super('EFILTERPROTO', message);
    this.name = 'FilterProtocolError';
  }
}

/** The git subcommand in an argument list: the first argument that is not a global option. */
function subcommandOf(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '-c' || a === '-C') i++;
    else if (!a.startsWith('-')) return a;
  }
  return args[0] ?? '';
}

/**
 * The line of stderr that says what went wrong: the first "fatal:"/"error:" line (git prints
 * hints and warnings before it), else the first non-empty line, without git's prefix.
 */
function firstErrorLine(f: GitFailure): string {
  const lines = f.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const line = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0];
  if (line === undefined) return `exit code ${f.exitCode}`;
  return line.replace(/^(fatal|error):\s*/, '');
}
