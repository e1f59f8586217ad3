// ssh remote URLs as git reads them: ssh://[user@]host[:port]/path and scp-like [user@]host:path.

/** Where an ssh remote lives. */
export interface SshLocation {
  /** `user@host` or `host`, as given to ssh. */
  readonly host: string;
  readonly port?: number;
  /**
   * The repository's directory as git-annex-shell takes it: absolute, or relative to the login's
   * home (scp-like paths), with "/~/" and "/~user/" left for the remote side to expand.
   */
  readonly path: string;
}

/** The ssh location a remote URL names, or undefined when the URL is not ssh. */
export function parseSshUrl(url: string): SshLocation | undefined {
  const full = /^(?:ssh|git\+ssh|ssh\+git):\/\/(?:([^@/]+)@)?(\[[^\]]+\]|[^:/]+)(?::(\d*))?(\/.*)$/.exec(url);
  if (full) {
    const [, user, rawHost, port, path] = full;
    const host = (rawHost ?? '').replace(/^\[(.*)\]$/, '$1');
    if (!host || !path) return undefined;
    return { host: user ? `${user}@${host}` : host, ...(port ? { port: Number(port) } : {}), path: unescapePath(path) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return undefined;
  // scp-like: "host:path", where the part before ':' has no '/' (else it is a local path).
  const scp = /^((?:[^@/:]+@)?(?:\[[^\]]+\]|[^:/]+)):(.*)$/.exec(url);
  if (!scp?.[1] || scp[2] === undefined) return undefined;
  const host = scp[1].replace(/\[(.*)\]$/, '$1');
  // "~/x" and "~user/x" become "/~/x" and "/~user/x", which git-annex-shell expands.
  const path = scp[2] === '' ? '.' : scp[2].startsWith('~') ? `/${scp[2]}` : scp[2];
  return { host, path };
}

/** %-escapes decoded; a stray '%' is kept as it is (as git-annex's unEscapeString keeps it). */
function unescapePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Quotes one word for the remote login shell (ssh joins its arguments into a shell command line). */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
