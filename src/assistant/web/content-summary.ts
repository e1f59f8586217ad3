// Content wanted vs present per remote, for the status page: how many of the files a remote's preferred content asks for it holds, by count and bytes.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Annex } from '../../annex/annex.js';
import { formatKey } from '../../annex/key.js';
import { keysLocations } from '../../annex/logs/location.js';
import { loadPreferredContent, type PreferredContent } from '../../annex/preferred-content.js';
import { annexedFileChunks, type AnnexedFile } from '../../content/annexed-files.js';
import { readRemoteConfigs } from '../../remotes/index.js';
import type { Clock } from '../../util/clock.js';

/** A number of files and their bytes (keys without a size count as files only). */
export interface Tally {
  files: number;
  bytes: number;
}

/** One remote's content: what its preferred content wants of the tree, what it holds, and what it holds of what it wants. */
export interface RemoteContent {
  readonly wanted: Tally;
  readonly present: Tally;
  readonly wantedPresent: Tally;
}

/** The summary the page shows, with when it was computed and whether a newer one is on its way. */
export interface ContentSummaryReport {
  readonly remotes: Readonly<Record<string, RemoteContent>>;
  /** Annexed files in the tree. */
  readonly files: number;
  /** When it was computed (ms). */
  readonly at: number;
  /** The tree or the location logs changed since; a new count is running. */
  readonly stale: boolean;
}

/** One chunk of the tree's annexed files with the repositories the location log lists for each file's key. */
export interface LocatedFile {
  readonly file: AnnexedFile;
  readonly locations: readonly string[];
}

const tally = (): Tally => ({ files: 0, bytes: 0 });

function add(t: Tally, size: number | undefined): void {
  t.files++;
  t.bytes += size ?? 0;
}

/**
 * Counts, for each remote, the files its preferred content wants (asked as git-annex asks for a
 * get: with the content where the location log says it is) and the files it holds (the location
 * log lists it). Counted per file, as `git annex find --in` lists them. Pure but for `preferred`.
 */
export async function tallyContent(chunks: AsyncIterable<readonly LocatedFile[]> | Iterable<readonly LocatedFile[]>, preferred: PreferredContent, remotes: ReadonlyArray<{ name: string; uuid: string }>): Promise<{ remotes: Record<string, RemoteContent>; files: number }> {
  const out: Record<string, RemoteContent> = {};
  for (const r of remotes) out[r.name] = { wanted: tally(), present: tally(), wantedPresent: tally() };
  let files = 0;
  for await (const chunk of chunks) {
    for (const { file, locations } of chunk) {
      files++;
      const size = file.key.size;
      const subject = { path: file.path, size, backend: file.key.backend, locations };
      for (const r of remotes) {
        const c = out[r.name] as RemoteContent;
        const has = locations.includes(r.uuid);
        const wants = await preferred.wants({ uuid: r.uuid, subject });
        if (has) add(c.present, size);
        if (wants) add(c.wanted, size);
        if (has && wants) add(c.wantedPresent, size);
      }
    }
  }
  return { remotes: out, files };
}

/**
 * Counts start at least this long after the previous one ended: a busy assistant changes the
 * git-annex branch with every transfer, and a page left open must not keep a core walking the tree.
 */
const MIN_GAP_MS = 5_000;

/**
 * The page's content summary, counted again only when the index, the git-annex branch or its
 * journal changed, in the background: `current()` answers at once with the last count (stale
 * while a new one runs or waits for its turn), so the status report never waits for a walk over
 * the tree. `onChange` is called when a new count is ready, and when a count that had to wait may
 * start (the caller asks again).
 */
export class ContentSummary {
  readonly #annex: Annex;
  readonly #clock: Clock;
  readonly #onChange: () => void;
  readonly #signal: AbortSignal | undefined;
  #last: ContentSummaryReport | undefined;
  #lastStamp: string | undefined;
  #running: Promise<void> | undefined;
  /** No count starts before this time (ms). */
  #notBefore = 0;
  #waiting = false;

  constructor(options: { annex: Annex; clock: Clock; onChange: () => void; signal?: AbortSignal }) {
    this.#annex = options.annex;
    this.#clock = options.clock;
    this.#onChange = options.onChange;
    this.#signal = options.signal;
  }

  /** What the count depends on: the index file, the git-annex branch, the journal directory and the git config (remotes). */
  async #stamp(): Promise<string> {
    const git = this.#annex.git;
    const mark = (p: string): Promise<string> => stat(p).then((s) => `${s.mtimeMs}:${s.size}`, () => '-');
    const [branch, index, journal, config] = await Promise.all([
      git.revParse('refs/heads/git-annex'),
      mark(join(git.repo.gitDir, 'index')),
      mark(join(this.#annex.annexDir, 'journal')),
      mark(join(git.repo.commonDir, 'config')),
    ]);
    return [branch ?? '', index, journal, config].join('\n');
  }

  /** The last count (undefined before the first one is done); starts a new count when something it depends on changed. */
  async current(): Promise<ContentSummaryReport | undefined> {
    const stamp = await this.#stamp();
    const now = this.#clock.now();
    if (stamp !== this.#lastStamp && !this.#running && now >= this.#notBefore) {
      this.#running = this.#count(stamp).finally(() => {
        this.#running = undefined;
        this.#notBefore = this.#clock.now() + MIN_GAP_MS;
      });
      // A failed count is tried again at the next report; the page keeps the last one.
      this.#running.catch(() => undefined);
    } else if (stamp !== this.#lastStamp && !this.#running && !this.#waiting) {
      this.#waiting = true;
      this.#clock.sleep(this.#notBefore - now, this.#signal).then(
        () => {
          this.#waiting = false;
          this.#onChange();
        },
        () => undefined,
      );
    }
    return this.#last && { ...this.#last, stale: stamp !== this.#lastStamp };
  }

  async #count(stamp: string): Promise<void> {
    const annex = this.#annex;
    const [preferred, configs] = await Promise.all([loadPreferredContent(annex.branch), readRemoteConfigs(annex)]);
    const remotes = configs.filter((c) => c.uuid !== undefined && !c.ignore).map((c) => ({ name: c.name, uuid: c.uuid as string }));
    async function* located(): AsyncGenerator<LocatedFile[]> {
      for await (const files of annexedFileChunks(annex, [], { requireMatch: false })) {
        const locations = await keysLocations(
          annex.branch,
          files.map((f) => f.key),
        );
        yield files.map((file) => ({ file, locations: locations.get(formatKey(file.key)) ?? [] }));
      }
    }
    const r = await tallyContent(located(), preferred, remotes);
    this.#last = { ...r, at: this.#clock.now(), stale: false };
    this.#lastStamp = stamp;
    this.#onChange();
  }
}
