// A long-running `git check-attr -z --stdin` process: gitattribute values of paths, one request per path.
//
// git answers each NUL-terminated path at once (it flushes per path), with one
// `<path> NUL <attribute> NUL <info> NUL` record per attribute asked for, in the order asked.
// <info> is "unspecified", "set", "unset" or the value. Paths are relative to the process's cwd.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { GitCommandError } from './errors.js';

/** One attribute of one path as git reports it. */
export interface AttrRecord {
  readonly path: string;
  readonly attribute: string;
  /** "unspecified", "set", "unset", or the attribute's value. */
  readonly info: string;
}

/** Parses `git check-attr -z` output into records; `rest` holds an incomplete trailing record. */
export function parseCheckAttrZ(out: string): { records: AttrRecord[]; rest: string } {
  const fields = out.split('\0');
  const records: AttrRecord[] = [];
  let i = 0;
  // A complete record is three NUL-terminated fields; the last split element is unterminated.
  while (i + 3 <= fields.length - 1) {
    records.push({ path: fields[i] as string, attribute: fields[i + 1] as string, info: fields[i + 2] as string });
    i += 3;
  }
  return { records, rest: fields.slice(i).join('\0') };
}

/** Asks git for attributes through one kept-alive process. */
export interface CheckAttr {
  /** Attribute name → info for `path` (relative to the cwd given at start, no NUL). Requests may overlap. */
  get(path: string): Promise<ReadonlyMap<string, string>>;
  /** Ends the process; pending requests fail. */
  close(): Promise<void>;
}

/** A request waiting for its records, oldest first. */
interface Pending {
  readonly resolve: (m: ReadonlyMap<string, string>) => void;
  readonly reject: (e: unknown) => void;
  readonly values: Map<string, string>;
}

/** Starts `git check-attr -z --stdin <attributes…>` in `cwd` (lazily, on the first request). */
export function startCheckAttr(opts: { cwd: string; attributes: readonly string[]; env?: NodeJS.ProcessEnv }): CheckAttr {
  if (opts.attributes.length === 0) throw new TypeError('startCheckAttr: no attributes');
  const args = ['check-attr', '-z', '--stdin', ...opts.attributes];
  let child: ChildProcessWithoutNullStreams | undefined;
  let closed: Promise<void> | undefined;
  /** Requests written and not yet fully answered, in the order written. */
  const queue: Pending[] = [];
  let buffered = '';
  let stderr = '';

  const fail = (err: unknown): void => {
    for (const p of queue.splice(0)) p.reject(err);
  };

  /** Decodes across chunk boundaries (a multibyte character may be split); renewed per process. */
  let decoder = new StringDecoder('utf8');
  const onData = (chunk: Buffer): void => {
    const { records, rest } = parseCheckAttrZ(buffered + decoder.write(chunk));
    buffered = rest;
    for (const r of records) {
      const head = queue[0];
      if (head === undefined) continue;
      head.values.set(r.attribute, r.info);
      if (head.values.size === opts.attributes.length) {
        queue.shift();
        head.resolve(head.values);
      }
    }
  };

  const ensure = (): ChildProcessWithoutNullStreams => {
    if (child !== undefined) return child;
    decoder = new StringDecoder('utf8');
    buffered = '';
    stderr = '';
    const c = spawn('git', args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: 'pipe' });
    c.stdout.on('data', onData);
    c.stderr.on('data', (b: Buffer) => {
      if (stderr.length < 65536) stderr += b.toString('utf8');
    });
    c.stdin.on('error', () => undefined); // EPIPE when git dies: reported through 'close'
    closed = new Promise((resolve) => {
      c.on('error', (e) => {
        stderr += String(e);
      });
      c.on('close', (code) => {
        child = undefined;
        fail(new GitCommandError({ args, exitCode: code ?? 128, stderr: stderr || 'check-attr exited' }));
        resolve();
      });
    });
    child = c;
    return c;
  };

  return {
    get(path) {
      if (path.includes('\0')) return Promise.reject(new TypeError('check-attr: path contains NUL'));
      return new Promise((resolve, reject) => {
        const c = ensure();
        queue.push({ resolve, reject, values: new Map() });
        c.stdin.write(`${path}\0`);
      });
    },
    async close() {
      if (child === undefined) return;
      child.stdin.end();
      await closed;
    },
  };
}
