// The clean/smudge conversion git runs for `filter=annex` files (unlocked files), served as git's filter-process.

import { createReadStream } from 'node:fs';
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import type { FilterRequest, FilterResponse } from '../git/filter-process.js';
import { serveFilterProcess } from '../git/filter-process.js';
import type { Annex } from './annex.js';
import { createHasher, keyFromDigest } from './backend.js';
import { formatPointer, parsePointer } from './pointer.js';
import type { LargeFilesRules } from './largefiles.js';
import { shouldAnnex } from './annexable.js';
import { logKeyPresence } from './logs/location.js';
import { DiskFullError } from './object-store.js';
import { describeError, errnoCode } from '../util/errors.js';

const MAX_POINTER = 32 * 1024;

async function collect(content: AsyncIterable<Buffer>, limit = Number.POSITIVE_INFINITY): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of content) {
    parts.push(c);
    n += c.length;
    if (n > limit) break;
  }
  return Buffer.concat(parts);
}

async function* prepend(first: Buffer[], rest: AsyncIterator<Buffer>): AsyncIterable<Buffer> {
  yield* first;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield r.value;
  }
}

/** State shared by the requests of one filter process. */
class AnnexFilter {
  readonly #annex: Annex;
  readonly #rules: LargeFilesRules;
  readonly #backend: string;
  readonly #dotfiles: boolean;
  /** Invariant: true once any request journalled a location change (commit it at the end). */
  changed = false;

  constructor(options: { annex: Annex; rules: LargeFilesRules; backend: string; dotfiles: boolean }) {
    this.#annex = options.annex;
    this.#rules = options.rules;
    this.#backend = options.backend;
    this.#dotfiles = options.dotfiles;
  }

  async handle(req: FilterRequest): Promise<FilterResponse> {
    return req.command === 'smudge' ? this.#smudge(req) : this.#clean(req);
  }

  /** Pointer in, content out when it is here; otherwise the pointer stays in the work tree. */
  async #smudge(req: FilterRequest): Promise<FilterResponse> {
    const data = await collect(req.content);
    if (data.length > MAX_POINTER) return data;
    const key = parsePointer(data);
    if (!key) return data;
    const path = await this.#annex.store.pathOf(key);
    if (!path) return data;
    return createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
  }

  /** Content in; a pointer out for annexed files (content stored as it streams), the content itself otherwise. */
  async #clean(req: FilterRequest): Promise<FilterResponse> {
    const iterator = req.content[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    let headLen = 0;
    let ended = false;
    while (headLen <= MAX_POINTER) {
      const r = await iterator.next();
      if (r.done) {
        ended = true;
        break;
      }
      head.push(r.value);
      headLen += r.value.length;
    }
    const headBuf = Buffer.concat(head);
    // A pointer file (content not present) is already clean.
    if (ended && parsePointer(headBuf)) return headBuf;
    const workTree = this.#annex.workTree ?? '';
    const absolutePath = join(workTree, req.pathname);
    const size = ended ? headLen : ((await stat(absolutePath).catch(() => undefined))?.size ?? Number.MAX_SAFE_INTEGER);
    const annexed = await shouldAnnex({
      rules: this.#rules,
      path: req.pathname,
      absolutePath,
      size,
      dotfiles: this.#dotfiles,
      alreadyAnnexed: await this.#indexHasPointer(req.pathname),
    });
    const all = ended ? (async function* () { yield headBuf; })() : prepend(head, iterator);
    if (!annexed) return ended ? headBuf : collect(all);
    return this.#ingest(req.pathname, all);
  }

  async #indexHasPointer(pathname: string): Promise<boolean> {
    // cat-file --batch reads one name per line: a name with a newline is looked up in the index first.
    const spec = pathname.includes('\n') ? (await this.#annex.git.run(['ls-files', '-s', '-z', '--', `:(literal)${pathname}`])).split(' ')[1] : `:${pathname}`;
    if (!spec) return false;
    const blob = await this.#annex.git.catFile().get(spec);
    return blob !== undefined && blob.content.length <= MAX_POINTER && parsePointer(blob.content) !== undefined;
  }

  async #ingest(pathname: string, content: AsyncIterable<Buffer>): Promise<Buffer> {
    const store = this.#annex.store;
    await store.ensureTmpDir();
    const tmp = await store.uniqueTmpPath();
    const hasher = createHasher(this.#backend);
    let size = 0;
    const out = createWriteStream(tmp, { flags: 'wx' });
    try {
      for await (const chunk of content) {
        hasher.update(chunk);
        size += chunk.length;
        if (!out.write(chunk)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
      const key = keyFromDigest({ backend: this.#backend, digestHex: hasher.digestHex(), size, fileName: pathname });
      await store.commitTemp(key, tmp);
      if (await logKeyPresence(this.#annex.branch, { key, uuid: this.#annex.uuid, status: '1', now: this.#annex.now() })) this.changed = true;
      return Buffer.from(formatPointer(key));
    } catch (err) {
      out.destroy();
      await rm(tmp, { force: true });
      if (errnoCode(err) === 'ENOSPC') throw new DiskFullError(pathname, err);
      throw err;
    }
  }
}

/**
 * Serves git's long-running filter protocol on stdin/stdout for this repository until git closes
 * the pipe, then commits the location changes it journalled.
 */
export async function runFilterProcess(annex: Annex, io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream }): Promise<void> {
  const rules = await annex.largeFilesRules();
  const dotfiles = (await annex.git.configGet('annex.dotfiles'))?.toLowerCase() === 'true';
  const filter = new AnnexFilter({ annex, rules, backend: await annex.backend(), dotfiles });
  try {
    await serveFilterProcess({
      input: io.input,
      output: io.output,
      handle: (req) => filter.handle(req),
      // git shows the filter's stderr; `add` reads this line to explain a file it could not annex.
      onError: (err, req) => void process.stderr.write(`git-arbor: ${req.command} ${req.pathname}: ${describeError(err)}\n`),
    });
  } finally {
    await rules.close();
    if (filter.changed) await annex.branch.commit();
  }
}
