// The base error class: every failure arbor reports has a stable code, structured data and a cause.

/** Data attached to an error; shown with --json, never needed to understand the message. */
export type ErrorData = Readonly<Record<string, unknown>>;

/**
 * Base of all arbor errors. `code` is stable (tests and scripts match on it); `message` is one
 * line a user can act on. Only cli/main.ts turns these into exit codes.
 */
export class ArborError extends Error {
  readonly code: string;
  readonly data: ErrorData;

  constructor(code: string, message: string, options: { data?: ErrorData; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ArborError';
    this.code = code;
    this.data = options.data ?? {};
  }
}

/** A user-facing error about input: wrong arguments, unknown names, missing files. Exit code 1. */
export class UsageError extends ArborError {
  constructor(message: string, data: ErrorData = {}) {
    super('EUSAGE', message, { data });
    this.name = 'UsageError';
  }
}

/** Adds context to an error that crosses a layer, keeping the original as the cause. */
export function withContext(err: unknown, context: string): ArborError {
  if (err instanceof ArborError) {
    return new ArborError(err.code, `${context}: ${err.message}`, { data: err.data, cause: err });
  }
  return new ArborError('EUNEXPECTED', `${context}: ${describeError(err)}`, { cause: err });
}

/** One line describing any thrown value; Node system errors keep their code. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const first = err.message.split('\n')[0] ?? err.message;
    return first;
  }
  return String(err);
}

/** The errno-style code of a Node system error (ENOENT, ENOSPC, …), if there is one. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') {
    return err.code;
  }
  return undefined;
}

/** errno codes that mean "this place cannot be written" when a write is attempted. */
const READ_ONLY_ERRNOS = new Set(['EROFS', 'EACCES', 'EPERM']);

/**
 * A write was attempted where nothing can be written (a read-only mount, a repository the user
 * may not write). `errno` is EROFS, EACCES or EPERM; `path` is the repository (or file) concerned.
 */
export class ReadOnlyError extends ArborError {
  readonly errno: string;
  readonly path: string;

  constructor(path: string, errno: string, options: { action?: string; cause?: unknown } = {}) {
    const what = `${path} is ${errno === 'EROFS' ? 'read-only' : 'not writable'} (${errno})`;
    super('EREADONLY', options.action ? `cannot ${options.action}: ${what}` : what, { data: { path, errno }, cause: options.cause });
    this.name = 'ReadOnlyError';
    this.errno = errno;
    this.path = path;
  }
}

/**
 * The errno that makes `err` a read-only failure, looking through causes: a ReadOnlyError's,
 * EROFS from any system call, or a git child's "Read-only file system" message. With `anyDenial`,
 * EACCES/EPERM count too (for errors from a write the caller knows it attempted).
 */
export function readOnlyErrno(err: unknown, options: { anyDenial?: boolean } = {}): string | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (e instanceof ReadOnlyError) return e.errno;
    const code = errnoCode(e);
    if (code === 'EROFS' || (options.anyDenial === true && code !== undefined && READ_ONLY_ERRNOS.has(code))) return code;
    if (e instanceof Error && /Read-only file system/.test(e.message)) return 'EROFS';
    e = e instanceof Error ? e.cause : undefined;
  }
  return undefined;
}
