// The soak scenario: three real assistants edited at random, with one remote hung and one flapping; every change must reach every node.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { arbor } from './arbor.js';
import { configureFastAssistant, eventually, startAssistant, stopAssistant } from './assistant.js';
import { prng } from './prng.js';
import { git, makeRepo } from './repo.js';
import { run, runArbor } from './run.js';

/** How a soak run is shaped. */
export interface SoakOptions {
  /** Random edits in all (spread over the nodes). */
  readonly edits: number;
  /** Stop editing after this long even if edits remain (ms); undefined: no time bound. */
  readonly durationMs?: number;
  /** Longest pause between two edits (ms); the pause is random below it. */
  readonly maxPauseMs: number;
  /** The flapping remote disappears and returns every this many edits. */
  readonly flapEvery: number;
  /** PRNG seed: the same seed replays the same edits. */
  readonly seed: number;
  /** Bound on the wait for every node to converge after the last edit (ms). */
  readonly convergeMs: number;
  /**
   * Share of edits (0..1) that write one of a few files every node edits (`shared/`): concurrent
   * edits of one file, so merges conflict. Such a file's newest version must survive, under its
   * name or as a variant, and no file may end with conflict markers. 0 by default.
   */
  readonly conflicting?: number;
  /** Called with progress lines (the bench prints them). */
  readonly progress?: (line: string) => void;
}

/** What a soak run found. */
export interface SoakResult {
  readonly edits: number;
  readonly files: number;
  readonly flaps: number;
  /** Wall time from the last edit until every node agreed (ms). */
  readonly convergedAfterMs: number;
  /** The `git annex fsck` output of any node that was not clean (empty when all were). */
  readonly fsckFailures: string[];
  /** Sockets the hung host accepted and never answered. */
  readonly hungConnections: number;
  /** Edits of the shared files, and the merges that resolved a conflict (in the final history). */
  readonly sharedEdits: number;
  readonly conflictMerges: number;
}

/** The files every node edits when a soak makes conflicts: text in git, and annexed binaries. */
const SHARED = ['shared/s0.txt', 'shared/s1.txt', 'shared/s2.txt', 'shared/b0.bin', 'shared/b1.bin'] as const;

const NODES = ['A', 'B', 'C'] as const;

/** A TCP listener on 127.0.0.1 that accepts connections and never says a word: a hung host. */
export async function hungHost(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((s) => {
    count++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('hung host has no port');
  return {
    port: address.port,
    connections: () => count,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sha(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Runs the soak: nodes A, B and C clone a bare hub; each also has a remote `flap` (a bare
 * repository that is moved away and back while the edits run) and a remote `hung` (an ssh URL
 * to a listener that never answers). Random creates, edits, renames and deletes of small text
 * files and annexed binaries go to each node's own directory, written through the file system
 * while the assistants run. Afterwards every node must hold every node's last version of every
 * file, all three trees must be the same commit tree, and `git annex fsck` must be clean.
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const say = options.progress ?? (() => undefined);
  const rnd = prng(options.seed);
  const hung = await hungHost();
  const hub = await makeRepo({ bare: true, name: 'hub.git' });
  const parent = dirname(hub);
  const flap = join(parent, 'flap.git');
  await git(parent, 'init', '-q', '--bare', flap);
  const seedRepo = join(parent, 'seed');
  await git(parent, 'clone', '-q', hub, seedRepo);
  await arbor(seedRepo, 'init', 'seed');
  writeFileSync(join(seedRepo, 'README.txt'), 'soak\n');
  await arbor(seedRepo, 'sync');
  const dirs: Record<string, string> = {};
  for (const name of NODES) {
    const dir = join(parent, name);
    await git(parent, 'clone', '-q', hub, name);
    await arbor(dir, 'init', name);
    await git(dir, 'remote', 'rename', 'origin', 'hub');
    await git(dir, 'remote', 'add', 'flap', flap);
    await git(dir, 'remote', 'add', 'hung', `ssh://127.0.0.1:${hung.port}/srv/hung`);
    await configureFastAssistant(dir);
    await git(dir, 'config', 'arbor.network.stallseconds', '3');
    await git(dir, 'config', 'arbor.network.timeoutseconds', '20');
    dirs[name] = dir;
  }
  /** path → sha256 of the content the user last wrote, or null after a delete. */
  const expected = new Map<string, string | null>();
  const live: Record<string, string[]> = { A: [], B: [], C: [] };
  let serial = 0;
  let flaps = 0;
  let flapAway = false;
  let strays = 0;
  /** Shared path → sha256 of the newest content any node wrote to it. */
  const newestShared = new Map<string, string>();
  let sharedEdits = 0;
  /**
   * The flapping remote comes back. A push cut off by its rename (git's receive-pack works with
   * the absolute path) can leave an empty quarantine directory where it was, as on a drive
   * unmounted mid-push: that stray is cleared first, as the returning host replaces it.
   */
  const comeBack = (): void => {
    if (existsSync(flap)) {
      strays++;
      rmSync(flap, { recursive: true, force: true });
    }
    renameSync(`${flap}.away`, flap);
  };
  const started: string[] = [];
  try {
    for (const name of NODES) {
      await startAssistant(dirs[name] as string);
      started.push(name);
    }
    say(`soak: 3 assistants running in ${parent}; hung host on 127.0.0.1:${hung.port}`);
    const t0 = Date.now();
    let done = 0;
    for (; done < options.edits; done++) {
      if (options.durationMs !== undefined && Date.now() - t0 > options.durationMs) break;
      const node = NODES[Math.floor(rnd() * NODES.length)] as string;
      const root = dirs[node] as string;
      const mine = live[node] as string[];
      const r = rnd();
      const pick = (): string => mine[Math.floor(rnd() * mine.length)] as string;
      if (options.conflicting !== undefined && rnd() < options.conflicting) {
        const path = SHARED[Math.floor(rnd() * SHARED.length)] as string;
        const data = path.endsWith('.bin') ? randomBytes(120_000 + Math.floor(rnd() * 200_000)) : `${path} by ${node} ${rnd()}\n`;
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), data);
        newestShared.set(path, sha(data));
        sharedEdits++;
      } else if (mine.length === 0 || r < 0.4) {
        const big = rnd() < 0.3;
        const path = `${node}/d${serial % 5}/f${serial}${big ? '.bin' : '.txt'}`;
        serial++;
        const data = big ? randomBytes(120_000 + Math.floor(rnd() * 200_000)) : `${path} v0 ${rnd()}\n`;
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), data);
        expected.set(path, sha(data));
        mine.push(path);
      } else if (r < 0.75) {
        const path = pick();
        const data = path.endsWith('.bin') ? randomBytes(120_000 + Math.floor(rnd() * 200_000)) : `${path} ${rnd()}\n`;
        writeFileSync(join(root, path), data);
        expected.set(path, sha(data));
      } else if (r < 0.88) {
        const path = pick();
        const to = path.replace(/(\.\w+)$/, `-r${serial++}$1`);
        renameSync(join(root, path), join(root, to));
        expected.set(to, expected.get(path) ?? null);
        expected.set(path, null);
        mine.splice(mine.indexOf(path), 1, to);
      } else {
        const path = pick();
        rmSync(join(root, path));
        expected.set(path, null);
        mine.splice(mine.indexOf(path), 1);
      }
      if ((done + 1) % options.flapEvery === 0) {
        flapAway = !flapAway;
        if (flapAway) renameSync(flap, `${flap}.away`);
        else comeBack();
        flaps++;
      }
      if ((done + 1) % 50 === 0) say(`soak: ${done + 1} edits, ${expected.size} paths, ${flaps} flaps, ${Math.round((Date.now() - t0) / 1000)} s`);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(rnd() * options.maxPauseMs)));
    }
    if (flapAway) comeBack();
    const lastEdit = Date.now();
    say(`soak: ${done} edits done; waiting for every node to hold every change (${strays} stray push directories cleared when the flapping remote came back)`);
    const missing = (): string[] => {
      const out: string[] = [];
      for (const name of NODES) {
        for (const [path, want] of expected) {
          const file = join(dirs[name] as string, path);
          if (want === null) {
            if (existsSync(file)) out.push(`${name}: ${path} should be gone`);
            continue;
          }
          // Every node wants every file (no preferred content is set): the bytes of the last
          // version, not an annex pointer waiting for them.
          if (!existsSync(file)) {
            out.push(`${name}: ${path} missing`);
            continue;
          }
          const bytes = readFileSync(file);
          const isPointer = bytes.length < 200 && bytes.toString('latin1').startsWith('/annex/objects/');
          if (isPointer) out.push(`${name}: ${path} has no content yet`);
          else if (sha(bytes) !== want) out.push(`${name}: ${path} is not the last version`);
        }
      }
      return out;
    };
    /**
     * The newest version of each shared file is in node A's tree (all trees agree once converged)
     * under its name or as a variant of it, as bytes or as the annex pointer to them; and no text
     * file there has conflict markers.
     */
    const sharedGaps = async (): Promise<string[]> => {
      if (newestShared.size === 0) return [];
      const root = dirs.A as string;
      const names = (await git(root, 'ls-files', '-z', '--', 'shared')).split('\0').filter(Boolean);
      const out: string[] = [];
      for (const [path, want] of newestShared) {
        const dot = path.lastIndexOf('.');
        const variant = `${path.slice(0, dot)}.variant-`;
        const found = names
          .filter((n) => n === path || (n.startsWith(variant) && n.endsWith(path.slice(dot))))
          .some((n) => {
            const bytes = readFileSync(join(root, n));
            return sha(bytes) === want || (bytes.length < 200 && bytes.toString('latin1').includes(want));
          });
        if (!found) out.push(`A: the newest ${path} is under neither its name nor a variant`);
      }
      for (const n of names.filter((f) => f.endsWith('.txt'))) {
        if (readFileSync(join(root, n), 'utf8').includes('<<<<<<<')) out.push(`A: ${n} has conflict markers`);
      }
      return out;
    };
    const trees = async (): Promise<Set<string>> => new Set(await Promise.all(NODES.map((n) => git(dirs[n] as string, 'rev-parse', 'HEAD^{tree}'))));
    await eventually('every node holds every change and all trees agree', async () => missing().length === 0 && (await trees()).size === 1 && (await sharedGaps()).length === 0, {
      timeoutMs: options.convergeMs,
      logOf: Object.values(dirs),
    }).catch(async (err: Error) => {
      const gaps = [...missing(), ...(await sharedGaps().catch((e: Error) => [`A: ${e.message}`]))];
      const perNode = NODES.map((n) => `${n}: ${gaps.filter((g) => g.startsWith(`${n}:`)).length} missing`).join(', ');
      const states: string[] = [];
      for (const n of NODES) {
        const dir = dirs[n] as string;
        const head = await git(dir, 'log', '-1', '--format=%h %cI %s').catch((e: Error) => e.message);
        const status = await runArbor(['status'], { cwd: dir }).then((r) => r.stdout + r.stderr, (e: Error) => e.message);
        states.push(`[${n}] HEAD ${head}\n${status}`);
      }
      throw new Error(`${err.message}\n${perNode}\nstill missing (first 10 of each): ${NODES.flatMap((n) => gaps.filter((g) => g.startsWith(`${n}:`)).slice(0, 10)).join('; ')}\n${states.join('\n')}`);
    });
    const convergedAfterMs = Date.now() - lastEdit;
    say(`soak: converged ${Math.round(convergedAfterMs / 1000)} s after the last edit`);
    for (const name of [...started]) {
      await stopAssistant(dirs[name] as string);
      started.splice(started.indexOf(name), 1);
    }
    const fsckFailures: string[] = [];
    for (const name of NODES) {
      // git-annex has no time-out of its own: asked about the hung remote (its uuid is unknown), it would wait forever.
      const r = await run('git', ['-c', 'remote.hung.annex-ignore=true', 'annex', 'fsck', '--quiet'], { cwd: dirs[name] as string });
      if (r.code !== 0) fsckFailures.push(`${name}: ${r.stdout}${r.stderr}`);
    }
    const conflictMerges = (await git(dirs.A as string, 'log', '--oneline', '--grep=automatic merge conflict fix')).split('\n').filter(Boolean).length;
    return { edits: done, files: [...expected.values()].filter((v) => v !== null).length, flaps, convergedAfterMs, fsckFailures, hungConnections: hung.connections(), sharedEdits, conflictMerges };
  } finally {
    for (const name of started) await stopAssistant(dirs[name] as string).catch(() => undefined);
    await hung.close();
  }
}
