// One content pass, for `sync --content` and the assistant alike: per chunk of files, fetch what comes here, send what goes on, then drop what no holder wants.
//
// The two callers differ in two things only, both passed in:
// - which way content goes (a `ContentRoutes`): the CLI sends to every remote that wants a file
//   and lacks it, as `git annex sync --content` does (content/direct-routes.ts); the daemon sends
//   only to its children in the minimum-cost tree over the network map (content/planned-routes.ts);
// - how a transfer runs (a `TransferRunner`): the CLI runs each at once, one by one; the daemon
//   queues it on the transfer engine (slots, rate limits, pause) and waits for the queue to empty.
// Which files a pass looks at is found once too (content/pass-work.ts).

import { formatKey } from '../annex/key.js';
import { keysLocations } from '../annex/logs/location.js';
import type { AnnexedFile } from './annexed-files.js';
import { autoDrop, mayDrop, type DropPolicy, type DropTarget } from './auto-drop.js';
import type { ContentSession } from './session.js';
import { populateUnlocked } from './worktree.js';

/** Where one file's content goes from or to this repository, given the location log and whether it is here. */
export interface ContentRoutes {
  /** For content missing here: whether to fetch it, and from which remote (undefined: the cheapest that has it). */
  receive(file: AnnexedFile, locations: readonly string[]): Promise<{ readonly fetch: false } | { readonly fetch: true; readonly from?: string }>;
  /** For content here: the remotes (by name) to send it to, in order. */
  send(file: AnnexedFile, locations: readonly string[]): Promise<readonly string[]>;
}

/** Runs transfers: at once (the CLI) or queued (the daemon's engine); `settle` waits until all asked for are done. */
export interface TransferRunner {
  download(file: AnnexedFile, from: string | undefined): Promise<void>;
  upload(file: AnnexedFile, remote: string): Promise<void>;
  settle(): Promise<void>;
}

/** What a pass needs once it has files to look at (remotes are connected only then). */
export interface PassSetup {
  readonly routes: ContentRoutes;
  readonly policy: DropPolicy;
  /** Connected remotes drops may act on. */
  readonly targets: readonly DropTarget[];
}

export interface PassInput {
  readonly session: ContentSession;
  /** The files to look at, in chunks (content/pass-work.ts). */
  readonly chunks: AsyncIterable<AnnexedFile[]>;
  /** Called once, when the first chunk arrives. */
  readonly setup: () => Promise<PassSetup>;
  readonly runner: TransferRunner;
  /** Told each chunk before it is worked on (the daemon keeps the files its queued jobs name). */
  readonly onChunk?: (files: readonly AnnexedFile[]) => void;
  readonly signal?: AbortSignal;
}

export interface PassOutcome {
  /** Files looked at. */
  readonly checked: number;
  readonly dropped: number;
  /** Paths whose drop failed. */
  readonly dropFailed: readonly string[];
  /** Whether any files were looked at (setup ran). */
  readonly started: boolean;
}

/**
 * Per chunk: the location logs are read in one go (annex/branch.ts readMany); content missing
 * here that the routes say to fetch is fetched; then, with the logs read again, content here goes
 * where the routes say (an unlocked file still holding its pointer gets the content first); then,
 * with the logs read once more, files a holder may no longer want become drop candidates. After
 * the last chunk the candidates are dropped within the copy rules (content/auto-drop.ts). A
 * failed transfer is the runner's to report; it never ends the pass.
 */
export async function runContentPass(input: PassInput): Promise<PassOutcome> {
  const { session, runner, signal } = input;
  const { annex } = session;
  let setup: PassSetup | undefined;
  let checked = 0;
  const candidates: AnnexedFile[] = [];
  const locationsOf = async (files: readonly AnnexedFile[]): Promise<(f: AnnexedFile) => string[]> => {
    const logs = await keysLocations(annex.branch, files.map((f) => f.key));
    return (f) => logs.get(formatKey(f.key)) ?? [];
  };
  for await (const files of input.chunks) {
    if (signal?.aborted) break;
    setup ??= await input.setup();
    input.onChunk?.(files);
    checked += files.length;
    let locations = await locationsOf(files);
    for (const file of files) {
      if (signal?.aborted) break;
      if (await annex.store.has(file.key)) continue;
      const r = await setup.routes.receive(file, locations(file));
      if (r.fetch) await runner.download(file, r.from);
    }
    await runner.settle();
    locations = await locationsOf(files);
    for (const file of files) {
      if (signal?.aborted) break;
      if (!(await annex.store.has(file.key))) continue;
      // Content that came here by any way: an unlocked file still holding the pointer gets it.
      if (await populateUnlocked(annex, file)) session.restage.add(file.path);
      for (const remote of await setup.routes.send(file, locations(file))) {
        if (!session.unavailable.has(remote)) await runner.upload(file, remote);
      }
    }
    await runner.settle();
    locations = await locationsOf(files);
    const targets = setup.targets.filter((t) => !session.unavailable.has(t.remote.name));
    for (const file of files) {
      const present = await annex.store.has(file.key);
      if (await mayDrop(setup.policy, file, { uuid: annex.uuid, present }, locations(file), targets)) candidates.push(file);
    }
  }
  if (!setup || candidates.length === 0 || signal?.aborted) return { checked, dropped: 0, dropFailed: [], started: setup !== undefined };
  const drops = await autoDrop(session, setup.policy, candidates, setup.targets);
  return { checked, dropped: drops.dropped, dropFailed: drops.failed, started: true };
}
