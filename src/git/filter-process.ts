// The filter side of git's long-running filter protocol, version 2 (gitattributes(5), "Long Running Filter Process").
import { FilterProtocolError } from './errors.js';
import { PktLineReader, PktLineWriter } from './pkt-line.js';

/** One file git asks the filter to convert. */
export interface FilterRequest {
  /** clean: work tree → repository (git add); smudge: repository → work tree (git checkout). */
  readonly command: 'clean' | 'smudge';
  /** The file's path relative to the top of the work tree. */
  readonly pathname: string;
  /** Every key git sent with the request (pathname, and for smudge e.g. ref, treeish, blob). */
  readonly metadata: ReadonlyMap<string, string>;
  /**
   * The file's bytes as git sends them, streamed in chunks of at most 65516 bytes. Git sends all
   * of them before it reads any reply, so the handler must read what it needs before its promise
   * settles (a transforming filter spools to a file); whatever it leaves unread is discarded,
   * and reading after that throws.
   */
  readonly content: AsyncIterable<Buffer>;
}

/** The converted content: whole, or streamed (written as it is produced, in packets of at most 65516 bytes). */
export type FilterResponse = Uint8Array | AsyncIterable<Uint8Array>;

/** Options of serveFilterProcess. */
export interface ServeFilterOptions {
  /** What git writes to the filter (the filter's stdin). */
  readonly input: NodeJS.ReadableStream;
  /** What git reads from the filter (the filter's stdout). */
  readonly output: NodeJS.WritableStream;
  /** Converts one file. A thrown error (or one from the response stream) answers status=error for that file. */
  readonly handle: (req: FilterRequest) => Promise<FilterResponse>;
  /** Told about each handler error (git itself only says the filter failed). */
  readonly onError?: (err: unknown, req: { readonly command: string; readonly pathname: string }) => void;
}

/** The capabilities we offer; `delay` is deliberately left out, so git always waits for each file. */
const OUR_CAPABILITIES = ['clean', 'smudge'] as const;

/** Parses "key=value" lines; the value is everything after the first '='. */
function keyValues(lines: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of lines) {
    const eq = l.indexOf('=');
    if (eq > 0) m.set(l.slice(0, eq), l.slice(eq + 1));
  }
  return m;
}

/** Performs the version and capability handshake; false when git closed the stream first. */
async function handshake(reader: PktLineReader, writer: PktLineWriter): Promise<boolean> {
  const welcome = await reader.readTextList();
  if (welcome === undefined) return false;
  if (welcome[0] !== 'git-filter-client') throw new FilterProtocolError(`expected git-filter-client, got ${JSON.stringify(welcome[0] ?? '')}`);
  if (!welcome.includes('version=2')) throw new FilterProtocolError(`git offers no protocol version we speak (${welcome.slice(1).join(', ')})`);
  await writer.text('git-filter-server');
  await writer.text('version=2');
  await writer.flush();
  const offered = await reader.readTextList();
  if (offered === undefined) return false;
  for (const cap of OUR_CAPABILITIES) {
    if (offered.includes(`capability=${cap}`)) await writer.text(`capability=${cap}`);
  }
  await writer.flush();
  return true;
}

/**
 * Serves git's requests on input/output until git closes the stream, then resolves. Each file's
 * content is streamed to `handle` and its reply streamed back, so neither is held in memory whole.
 * Rejects with FilterProtocolError when git breaks the protocol, or with the stream's error.
 */
export async function serveFilterProcess(opts: ServeFilterOptions): Promise<void> {
  const reader = new PktLineReader(opts.input);
  const writer = new PktLineWriter(opts.output);
  if (!(await handshake(reader, writer))) return;
  for (;;) {
    const header = await reader.readTextList();
    if (header === undefined) return;
    await serveOne(keyValues(header), { reader, writer, opts });
  }
}

/** Answers one request whose header has been read; its content follows on the reader. */
async function serveOne(meta: Map<string, string>, ctx: { reader: PktLineReader; writer: PktLineWriter; opts: ServeFilterOptions }): Promise<void> {
  const { reader, writer, opts } = ctx;
  const command = meta.get('command') ?? '';
  const pathname = meta.get('pathname') ?? '';
  /** Set when the flush after the content has been read. */
  let contentDone = false;
  /** Set when the handler has settled; reading content after that is a handler bug. */
  let sealed = false;
  const nextContentPacket = async (): Promise<Buffer | undefined> => {
    const p = await reader.readPacket();
    if (p === 'flush') {
      contentDone = true;
      return undefined;
    }
    if (p === undefined) throw new FilterProtocolError(`git closed the stream inside the content of ${pathname}`);
    return p;
  };
  async function* content(): AsyncGenerator<Buffer> {
    for (;;) {
      // Checked before contentDone: after the handler settles, the rest was drained, and a lazy
      // reader must fail loudly rather than see a silently truncated file.
      if (sealed) throw new FilterProtocolError(`content of ${pathname} read after the filter handler returned`);
      if (contentDone) return;
      const p = await nextContentPacket();
      if (p !== undefined) yield p;
    }
  }
  const drain = async (): Promise<void> => {
    while (!contentDone) await nextContentPacket();
  };
  const fail = async (err: unknown): Promise<void> => {
    opts.onError?.(err, { command, pathname });
    await drain();
    await writer.text('status=error');
    await writer.flush();
  };

  if (command !== 'clean' && command !== 'smudge') {
    await fail(new FilterProtocolError(`unsupported filter command ${JSON.stringify(command)}`));
    return;
  }
  let response: FilterResponse;
  try {
    response = await opts.handle({ command, pathname, metadata: meta, content: content() });
  } catch (err) {
    sealed = true;
    await fail(err);
    return;
  }
  sealed = true;
  await drain();
  if (response instanceof Uint8Array) {
    await writer.text('status=success');
    await writer.flush();
    await writer.data(response);
    await writer.flush();
    await writer.flush(); // an empty list: the status stays "success"
    return;
  }
  await streamResponse(response, { writer, fail });
}

/**
 * Writes a streamed reply. The status is sent with the first chunk, so a stream that fails before
 * producing anything is a clean status=error; one that fails later ends its partial content with
 * a flush and then status=error, which git accepts.
 */
async function streamResponse(response: AsyncIterable<Uint8Array>, ctx: { writer: PktLineWriter; fail: (e: unknown) => Promise<void> }): Promise<void> {
  const { writer, fail } = ctx;
  const it = response[Symbol.asyncIterator]();
  let started = false;
  let finished = false;
  try {
    for (;;) {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await it.next();
      } catch (err) {
        finished = true;
        if (started) await writer.flush();
        await fail(err);
        return;
      }
      if (!started) {
        started = true;
        await writer.text('status=success');
        await writer.flush();
      }
      if (r.done === true) break;
      await writer.data(r.value);
    }
    finished = true;
  } finally {
    // Writing failed (git went away): let the stream release what it holds (open files, spools).
    if (!finished) await it.return?.();
  }
  await writer.flush();
  await writer.flush();
}
