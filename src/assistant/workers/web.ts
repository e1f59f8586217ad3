// The web worker: serves the status page, its JSON API, event stream and metrics on 127.0.0.1 while the assistant runs.

import { join, sep } from 'node:path';
import { assistantPaths } from '../paths.js';
import { statusReport, type StatusReport } from '../status-report.js';
import { selectRemotes } from '../../sync/sync.js';
import { setTransfersPaused, transferControlPath } from '../../transfers/control.js';
import { loadTransferSettings } from '../../transfers/transfer-config.js';
import { describeError, errnoCode } from '../../util/errors.js';
import { defaultWebPort, newWebToken, parseWebPort, removeWebAddress, WEB_PORT_KEY, writeWebAddress } from '../web/address.js';
import { formatMetrics } from '../web/metrics.js';
import { DivergenceCounter, type Divergence } from '../web/divergence.js';
import { DrivesPanel, type DriveReport } from '../web/drives.js';
import { ContentSummary, type ContentSummaryReport } from '../web/content-summary.js';
import { NetworkMapSvg, type Reachable } from '../web/network-map-svg.js';
import { platformMountSource } from '../../drives/mount-source.js';
import { startWebServer, type WebApi, type WebServer } from '../web/server.js';
import type { AssistantContext } from '../context.js';
import type { Worker } from '../worker.js';
import { packageRoot } from '../../util/package-root.js';
import { describeEntry, readHistory } from '../../sync/history.js';
import { formatLocalIso } from '../../util/local-time.js';

/** The page's files: plain ES modules and CSS beside the package's bin/ (web/ at the package root). */
const assetsDir = (): string => join(packageRoot(), 'web') + sep;

/** Entries of the activity history the page shows. */
const PAGE_ACTIVITY = 30;
/** Entries of a file's history the page shows. */
const FILE_HISTORY = 50;

/** The configured rate limits in bytes per second (null: none), overall and per remote, for the page's remotes table. */
interface RateLimits {
  readonly overall: number | null;
  readonly remotes: Record<string, number>;
}

/** Reads the limits from git config (the config snapshot: no git process while it is unchanged). */
async function rateLimits(ctx: AssistantContext): Promise<RateLimits> {
  const s = await loadTransferSettings(ctx.annex.git);
  return { overall: Number.isFinite(s.rate) ? s.rate : null, remotes: Object.fromEntries([...s.remoteRates].filter(([, r]) => Number.isFinite(r))) };
}

/** The page's API over the assistant's context: the same report as `status --json`, and the actions. */
function webApi(ctx: AssistantContext, signal?: AbortSignal): WebApi {
  const gitDir = ctx.annex.git.repo.gitDir;
  const controlFile = transferControlPath(gitDir);
  const logFile = assistantPaths(gitDir).log;
  const divergence = new DivergenceCounter(ctx.annex.git, ctx.branch);
  const statusNow = (): Promise<StatusReport> =>
    statusReport({ annex: ctx.annex, state: { running: true, pid: process.pid, status: ctx.status.snapshot, logFile }, now: ctx.clock.now(), activity: PAGE_ACTIVITY });
  const networkMap = new NetworkMapSvg(ctx.annex);
  const mounts = platformMountSource(process.platform);
  const drives = new DrivesPanel({ annex: ctx.annex, branch: ctx.branch, ...(mounts ? { mounts } : {}) });
  /** Each remote as the assistant last found it: the map draws this repository's links from it. */
  const reachable = (): Reachable =>
    new Map(Object.entries(ctx.status.snapshot.remotes).map(([name, r]) => [name, r.state === 'reachable' ? true : r.state === undefined ? undefined : false]));
  /** Makes the status write (and so every open event stream hear) after a change outside the snapshot. */
  const touch = (): void => ctx.status.update(() => undefined);
  const content = new ContentSummary({ annex: ctx.annex, clock: ctx.clock, onChange: touch, ...(signal ? { signal } : {}) });
  // The page's report: `status --json`'s, plus commits ahead of and behind each remote's branch,
  // the drives, the version of the map drawing (the page fetches api/map.svg when it changes) and
  // each remote's content wanted vs present (counted in the background; null until the first count).
  const report = async (): Promise<StatusReport & { divergence: Record<string, Divergence>; drives: DriveReport[]; map: { version: string } | null; content: ContentSummaryReport | null; rateLimits: RateLimits | null }> => {
    const r = await statusNow();
    const map = await networkMap.current(reachable()).then((d) => ({ version: d.version }), () => null);
    const counted = await content.current().catch(() => undefined);
    return { ...r, divergence: await divergence.count(Object.keys(r.remotes)), drives: await drives.report(ctx.status.snapshot), map, content: counted ?? null, rateLimits: await rateLimits(ctx).catch(() => null) };
  };
  return {
    report,
    subscribe: (fn) => ctx.status.onWrite(fn),
    map: async () => (await networkMap.current(reachable())).svg,
    metrics: async () => formatMetrics(await report()),
    history: async (path) => ({
      path,
      entries: (await readHistory(ctx.annex, { limit: FILE_HISTORY, path })).map((e) => ({ ...e, at: formatLocalIso(e.time), text: describeEntry(e) })),
    }),
    action: async (name, body) => {
      switch (name) {
        case 'sync': {
          // Commit what waits, push, fetch and merge every remote, and look at all content again.
          const remotes = (await selectRemotes(ctx.annex)).map((r) => r.name);
          ctx.rescan.notify();
          ctx.commits.notify();
          ctx.remotesChanged.push('', ...remotes);
          ctx.transfers.push('');
          ctx.log.info({ worker: 'web' }, 'sync requested from the status page');
          return { ok: true, remotes };
        }
        case 'pause':
        case 'resume': {
          // The persisted state first (a restart keeps it, `git arbor transfers` shows it), then the running engine at once.
          const c = await setTransfersPaused({ file: controlFile, paused: name === 'pause', now: ctx.clock.now() });
          ctx.transferCommands.push({ type: name });
          ctx.log.info({ worker: 'web' }, `transfers ${c.paused ? 'paused' : 'resumed'} from the status page`);
          touch();
          return { ok: true, ...c };
        }
        case 'cancel': {
          const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
          if (typeof b.key !== 'string' || !b.key) throw new Error('cancel: the body names no key ({"key": …, "remote": …})');
          const remote = typeof b.remote === 'string' ? b.remote : undefined;
          const direction = b.direction === 'upload' || b.direction === 'download' ? b.direction : undefined;
          ctx.transferCommands.push({ type: 'cancel', key: b.key, ...(remote === undefined ? {} : { remote }), ...(direction === undefined ? {} : { direction }) });
          ctx.log.info({ worker: 'web' }, `cancel of ${b.key}${remote ? ` with ${remote}` : ''} requested from the status page`);
          return { ok: true };
        }
        default:
          throw new Error(`${name}: not supported by this assistant`);
      }
    },
  };
}

/**
 * Listens on 127.0.0.1 at arbor.web.port, or at a port derived from the repository's path (any
 * free port when that one is taken), with a fresh secret each start, and writes the address to
 * web.json for `git arbor web`. A bad or taken configured port is a problem shown in status (the
 * rest of the assistant runs on); the worker then waits for the stop.
 */
export const web: Worker = {
  name: 'web',
  run: async (ctx, signal) => {
    const gitDir = ctx.annex.git.repo.gitDir;
    const waitForStop = (): Promise<void> => new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    let configured: number | undefined;
    try {
      configured = parseWebPort(await ctx.annex.git.configGet(WEB_PORT_KEY));
    } catch (err) {
      ctx.problems.raise('web', `the status page is off: ${describeError(err)}`);
      return waitForStop();
    }
    const token = newWebToken();
    const api = webApi(ctx, signal);
    const onError = (err: unknown): void => ctx.log.warn({ worker: 'web' }, `status page: ${describeError(err)}`);
    let server: WebServer;
    try {
      server = await startWebServer({ port: configured ?? defaultWebPort(ctx.annex.git.repo.commonDir), token, api, assetsDir: assetsDir(), onError, clock: ctx.clock });
    } catch (err) {
      if (configured !== undefined || errnoCode(err) !== 'EADDRINUSE') {
        ctx.problems.raise('web', `the status page is off: cannot listen on 127.0.0.1:${configured ?? 'default port'}: ${describeError(err)}`);
        return waitForStop();
      }
      server = await startWebServer({ port: 0, token, api, assetsDir: assetsDir(), onError, clock: ctx.clock });
    }
    ctx.problems.clear('web');
    try {
      await writeWebAddress(gitDir, { pid: process.pid, port: server.port, url: server.url });
      ctx.log.info({ worker: 'web' }, `status page on 127.0.0.1:${server.port} (git arbor web opens it)`);
      await waitForStop();
    } finally {
      await removeWebAddress(gitDir).catch(() => undefined);
      await server.close();
    }
  },
};
