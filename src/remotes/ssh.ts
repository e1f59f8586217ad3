// Git remotes over ssh: content moves through git-annex-shell's P2P protocol, as git-annex's own ssh remotes do.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { open, rm, stat } from 'node:fs/promises';
import type { Key } from '../annex/key.js';
import { formatKey } from '../annex/key.js';
import { hashingWriter } from '../annex/pipelined-io.js';
import { digestMatches, openPartial } from '../annex/verified-copy.js';
import { nodeSpawner } from '../util/spawn.js';
import { ArborError } from '../util/errors.js';
import { P2PConnection, P2PProtocolError } from './p2p-connection.js';
import { describeError } from '../util/errors.js';
import { receiveDelta, sendDelta } from './delta-exchange.js';
import { deltaCapable } from './delta-server.js';
import { stopAware } from './stop-aware.js';
import type { InventoryDifference } from './inventory.js';
import type { KeyIndex } from '../reconcile/key-index.js';
import { reconcile } from '../reconcile/session.js';
import type { KeySummary } from '../reconcile/summary.js';
import type { DeltaHints, Progress, Remote, RetrieveInfo, RemoteConfig, RemoteDeps, RemoteType, SshCommand, Throttle } from './remote.js';
import { NoAnnexServiceError, RemoteUnavailableError, VerificationError } from './remote.js';
import { localPathOf, NotAnnexRemoteError } from './git-local.js';
import { parseSshUrl, shellQuote, type SshLocation } from './ssh-url.js';
import { sshArgsFor, type NetworkLimits } from './network-limits.js';

/** git-annex's default cost of a remote reached over the network (Config/Cost.hs: expensiveRemoteCost). */
export const SSH_REMOTE_COST = 200;

/** Conversations kept open with one remote at most (transfers running side by side, a lock held during a drop). */
const MAX_CONNECTIONS = 3;

/** Bytes per read when sending content. */
const SEND_CHUNK_BYTES = 1 << 20;

/** The program and arguments that run `remoteCommand` on `location` over ssh (with connect and keep-alive time-outs from `limits`). */
export function sshInvocation(
  ssh: SshCommand,
  location: SshLocation,
  config: Pick<RemoteConfig, 'sshOptions'>,
  remoteCommand: string,
  limits?: Pick<NetworkLimits, 'stallMs' | 'sshCaching'>,
): { cmd: string; args: string[] } {
  // The user's options come first: ssh keeps the first value of an option, so ours only fill gaps.
  const bounds = sshArgsFor(ssh, limits ?? { stallMs: 0 }, config.sshOptions ?? '');
  const args = [...(config.sshOptions?.split(/\s+/).filter(Boolean) ?? []), ...bounds, ...(location.port ? ['-p', String(location.port)] : []), '-T', location.host, remoteCommand];
  if ('program' in ssh) return { cmd: ssh.program, args };
  // As git runs GIT_SSH_COMMAND: through the shell, with the arguments appended.
  return { cmd: 'sh', args: ['-c', `${ssh.shellCommand} "$@"`, ssh.shellCommand, ...args] };
}

/** One ssh process speaking the P2P protocol. */
interface Link {
  readonly conn: P2PConnection;
  readonly child: ChildProcessWithoutNullStreams;
  readonly stderr: () => string;
  /** Settles when the ssh process has exited (its stderr is then complete). */
  readonly exited: Promise<unknown>;
}

/**
 * A git remote on another host. Each conversation is one `ssh host git-annex-shell p2pstdio`;
 * up to MAX_CONNECTIONS are kept open and reused. The remote's git-annex-shell verifies what it
 * receives and records its own location log; arbor verifies what it receives.
 */
class SshRemote implements Remote {
  readonly typeName = 'ssh';
  readonly name: string;
  readonly cost: number;
  readonly config: RemoteConfig;
  readonly #location: SshLocation;
  readonly #deps: RemoteDeps;
  #uuid: string;
  readonly #idle: Link[] = [];
  readonly #all = new Set<Link>();
  readonly #waiting: Array<() => void> = [];
  /** Conversations being opened (they count against MAX_CONNECTIONS). */
  #opening = 0;
  /** After close(): no new conversations. */
  #closed = false;
  /** Whether the host runs `git arbor serve` (undefined: not known yet). */
  #arborServe: boolean | undefined;
  /** Set once the host could not be reached: later calls fail at once with the same reason. */
  #unreachable: RemoteUnavailableError | undefined;

  constructor(config: RemoteConfig, location: SshLocation, deps: RemoteDeps) {
    this.config = config;
    this.name = config.name;
    this.cost = config.cost ?? SSH_REMOTE_COST;
    this.#location = location;
    this.#deps = deps;
    this.#uuid = config.uuid ?? '';
    this.#arborServe = config.arborServe;
  }

  get uuid(): string {
    return this.#uuid;
  }

  /** The ssh command line that runs git-annex-shell (or `git-arbor serve`, where the host has it) with `shellArgs` on the remote. */
  #invocation(shellArgs: readonly string[]): { cmd: string; args: string[] } {
    // The program name goes unquoted, as git-annex sends it: a git-annex-shell that is the login
    // shell or a forced command (its documented setup) only recognises `git-annex-shell 'cmd' …`.
    const shell = this.config.annexShell ?? (this.#arborServe ? 'git-arbor serve' : 'git-annex-shell');
    return this.#ssh([shell, ...shellArgs.map(shellQuote)].join(' '));
  }

  #ssh(command: string): { cmd: string; args: string[] } {
    return sshInvocation(this.#deps.ssh ?? { program: 'ssh' }, this.#location, this.config, command, this.#deps.network);
  }

  /**
   * Whether to talk to `git arbor serve` instead of git-annex-shell: remote.<name>.arbor-serve, or
   * else asked of the host once (is git-arbor on its PATH?) and remembered there, as git-annex
   * remembers annex-ignore. A host that refuses the question (a forced git-annex-shell command)
   * counts as no; one that cannot be reached is asked again next time.
   */
  async #probeArborServe(): Promise<void> {
    if (this.#arborServe !== undefined || this.config.annexShell) return;
    const { cmd, args } = this.#ssh('command -v git-arbor');
    const r = await nodeSpawner.run(cmd, args).catch(() => ({ code: 255, stdout: Buffer.alloc(0), stderr: '' }));
    if (r.code === 255) return;
    this.#arborServe = r.code === 0 && r.stdout.toString('utf8').trim() !== '';
    // Through the repository's own config writer when there is one: it takes turns with the other writes of this process (config.lock).
    const key = `remote.${this.name}.arbor-serve`;
    const git = this.#deps.annex?.git;
    if (git) await git.configSet(key, String(this.#arborServe)).catch(() => undefined);
    else await nodeSpawner.run('git', ['-C', this.#deps.localPath, 'config', key, String(this.#arborServe)]).catch(() => undefined);
  }

  /** Runs a one-shot git-annex-shell command; its stdout, or why the remote cannot be used. */
  async #oneShot(shellArgs: readonly string[]): Promise<string> {
    const { cmd, args } = this.#invocation(shellArgs);
    const r = await nodeSpawner.run(cmd, args).catch(() => ({ code: 127, stdout: Buffer.alloc(0), stderr: '' }));
    if (r.code !== 0) throw this.#unavailable(r.stderr, r.code);
    return r.stdout.toString('utf8');
  }

  #unavailable(stderr: string, code: number | undefined): RemoteUnavailableError | NoAnnexServiceError {
    const lines = stderr.split('\n').map((l) => l.replace(/^git-annex-shell: /, '').trim()).filter(Boolean);
    const why = lines.find((l) => /expected repository UUID/.test(l)) ?? lines.at(-1);
    if (code === 127 && !why) return new RemoteUnavailableError(this.name, `cannot run ssh`);
    if (/Not a git-annex or gcrypt repository/.test(stderr)) {
      return new RemoteUnavailableError(this.name, `${this.#location.host}:${this.#location.path} has no annex yet (sync with it first, or run git annex init there)`);
    }
    if (/command not found|No such file/.test(why ?? '') && (why ?? '').includes(this.config.annexShell ?? 'git-annex-shell')) {
      return new NoAnnexServiceError(this.name, `git-annex-shell is not installed on ${this.#location.host} (install git-annex there)`);
    }
    if (code !== 255 && /invalid command|disallowed command|not allowed|unknown command/i.test(stderr)) {
      // A git host (ssh exits 255 only on its own failures) that serves git but not
      // git-annex-shell. Anything else, a permission error say, stays a passing unavailability.
      return new NoAnnexServiceError(this.name, `${this.#location.host} refused git-annex-shell${why ? ` (${why})` : ''}`);
    }
    return new RemoteUnavailableError(this.name, why ?? `ssh to ${this.#location.host} failed (exit ${code ?? '?'})`);
  }

  async #openLink(): Promise<Link> {
    const local = this.#deps.localUuid ?? '';
    const args = ['p2pstdio', this.#location.path, local, ...(this.#uuid ? ['--uuid', this.#uuid] : [])];
    const { cmd, args: sshArgs } = this.#invocation(args);
    const child = spawn(cmd, sshArgs, { stdio: 'pipe' });
    const err: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const exited = new Promise<number | undefined>((resolve) => {
      child.on('error', () => resolve(127));
      child.on('close', (c) => resolve(c ?? undefined));
    });
    const stderr = (): string => Buffer.concat(err).toString('utf8');
    let conn: P2PConnection;
    // ssh's ConnectTimeout bounds the connect and handshake; this bounds the wait for the greeting.
    const stallMs = this.#deps.network?.stallMs ?? 0;
    const greeted = new AbortController();
    let stalled = false;
    if (stallMs > 0) {
      void this.#deps.clock.sleep(stallMs, greeted.signal).then(() => {
        stalled = true;
        child.kill();
      }, () => undefined);
    }
    try {
      conn = await P2PConnection.open(`remote ${this.name}`, child.stdout, child.stdin, stallMs > 0 ? { ms: stallMs, clock: this.#deps.clock } : undefined);
    } catch (e) {
      greeted.abort();
      if (stalled) {
        await exited;
        throw new RemoteUnavailableError(this.name, `no answer for ${Math.round(stallMs / 1000)} s (stalled)`);
      }
      if (e instanceof P2PProtocolError) {
        child.kill();
        throw e;
      }
      const timer = setTimeout(() => child.kill(), 5_000);
      const code = await exited;
      clearTimeout(timer);
      throw this.#unavailable(stderr(), code);
    }
    greeted.abort();
    const link: Link = { conn, child, stderr, exited };
    void exited.then(() => this.#forget(link));
    return link;
  }

  #forget(link: Link): void {
    this.#all.delete(link);
    const i = this.#idle.indexOf(link);
    if (i >= 0) this.#idle.splice(i, 1);
    this.#waiting.shift()?.();
  }

  /** A conversation with the remote, opened (and the annex initialised there) on first use. */
  async #connected(): Promise<Link> {
    if (this.#unreachable) throw this.#unreachable;
    try {
      await this.#probeArborServe();
      let link = await this.#openLink();
      if (!link.conn.uuid) {
        // A repository with a git-annex branch but no uuid yet: initialise it, as git-annex does on first contact.
        link.conn.close();
        await this.#oneShot(['configlist', this.#location.path, '--', 'autoinit=1', '--']);
        link = await this.#openLink();
        if (!link.conn.uuid) {
          link.conn.close();
          throw new NotAnnexRemoteError(this.name);
        }
      }
      this.#uuid = link.conn.uuid;
      return link;
    } catch (err) {
      if (err instanceof RemoteUnavailableError) this.#unreachable = err;
      throw err;
    }
  }

  async #acquire(): Promise<Link> {
    for (;;) {
      if (this.#closed) throw new ArborError('ECLOSED', `remote ${this.name} was closed`);
      const idle = this.#idle.pop();
      if (idle?.conn.usable) return idle;
      if (idle) {
        this.#drop(idle);
        continue;
      }
      if (this.#all.size + this.#opening < MAX_CONNECTIONS) {
        this.#opening++;
        try {
          const link = await this.#connected();
          if (this.#closed) {
            // close() ran while this conversation was being opened.
            this.#drop(link);
            throw new ArborError('ECLOSED', `remote ${this.name} was closed`);
          }
          this.#all.add(link);
          return link;
        } finally {
          this.#opening--;
          this.#waiting.shift()?.();
        }
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  #release(link: Link): void {
    if (link.conn.usable && this.#all.has(link)) this.#idle.push(link);
    else this.#drop(link);
    this.#waiting.shift()?.();
  }

  #drop(link: Link): void {
    link.conn.close();
    link.child.kill();
    this.#all.delete(link);
  }

  /** Runs `fn` on a pooled conversation; a conversation that breaks makes the remote's error say why. */
  async #with<T>(fn: (conn: P2PConnection) => Promise<T>): Promise<T> {
    const link = await this.#acquire();
    try {
      return await fn(link.conn);
    } catch (err) {
      if (err instanceof ArborError && err.code === 'ESTALLED') {
        // A host that greeted and then went quiet (a hung disk, a frozen NAS): the conversation
        // ends, and the remote is unreachable for the rest of this session, so nothing else waits
        // the stall time on it again; the caller's back-off decides when to try it next.
        link.child.kill();
        this.#unreachable = new RemoteUnavailableError(this.name, err.message);
        throw this.#unreachable;
      }
      if (err instanceof ArborError && (err.code === 'ESTREAMEND' || (err instanceof P2PProtocolError && !err.recoverable))) {
        // ssh's last words arrive on stderr around the time stdout closes.
        await Promise.race([link.exited, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
        const why = link.stderr().trim().split('\n').at(-1);
        throw new RemoteUnavailableError(this.name, `connection lost${why ? `: ${why}` : ''}`);
      }
      throw err;
    } finally {
      this.#release(link);
    }
  }

  async connect(): Promise<string> {
    return this.#with(async (conn) => conn.uuid);
  }

  checkPresent(key: Key): Promise<boolean> {
    return this.#with((conn) => conn.checkPresent(formatKey(key)));
  }

  /**
   * Reconciles the host's store with `expected` over `git arbor serve` (arbor extension,
   * docs/design/reconcile.md): bytes on the wire grow with the difference. Undefined when the host
   * runs git-annex-shell: the caller checks key by key.
   */
  async inventoryDifference(expected: KeySummary, known: KeyIndex): Promise<InventoryDifference | undefined> {
    return this.#with(async (conn) => {
      // Asked of a host known to run serve, and of a configured annex-shell (which may be serve:
      // git-annex-shell answers `ERROR unknown command` and goes on).
      const mayAsk = this.#arborServe === true || this.config.annexShell !== undefined;
      if (!mayAsk || !(await conn.reconcileSupported())) return undefined;
      const out = await reconcile(expected, { exchange: (request) => conn.reconcileExchange(request) }, { known });
      const remoteKeys = expected.size - out.localOnly.length + out.remoteOnly.length;
      return { missing: out.localOnly, extra: out.remoteOnly, method: 'reconciled' as const, bytes: out.bytesSent + out.bytesReceived, remoteKeys };
    });
  }

  /** Whether a delta may be tried with this host: it runs `git arbor serve` (probed) and the key names a hash to check the result against. */
  #deltaPossible(key: Key): boolean {
    return this.#arborServe === true && this.config.annexShell === undefined && deltaCapable(key);
  }

  /**
   * Tries to send `key` as a delta against an earlier version the host holds (arbor extension,
   * docs/design/delta.md). True when the host now has it; false when a whole transfer is needed
   * (no basis there, or the delta failed: said once through `delta.note`). A throttle that
   * rejects (the transfer was stopped) is passed on, not turned into a whole transfer.
   */
  async #deltaStore(key: Key, source: string, delta: DeltaHints, progress?: Progress, throttle?: Throttle): Promise<boolean> {
    const candidates = (await delta.earlierKeys()).map(formatKey);
    if (candidates.length === 0) return false;
    const stop = stopAware(throttle);
    try {
      const r = await this.#with(async (conn) => ((await conn.deltaSupported()) ? conn.deltaPut(formatKey(key), candidates, (link) => sendDelta({ link, path: source, ...(progress ? { progress } : {}), ...stop.throttle })) : 'no-basis'));
      if (r === 'failed') delta.note(`delta of ${formatKey(key)} to ${this.name} did not verify there; sending it whole`);
      return r === 'stored' || r === 'already';
    } catch (err) {
      if (stop.stopped) throw err;
      delta.note(`delta of ${formatKey(key)} to ${this.name} failed (${describeError(err)}); sending it whole`);
      return false;
    }
  }

  /** Tries to get `key` as a delta against an earlier version held here; what it moved when `dest` holds verified content, undefined when a whole transfer is needed. */
  async #deltaRetrieve(key: Key, dest: string, delta: DeltaHints, progress?: Progress, throttle?: Throttle): Promise<RetrieveInfo | undefined> {
    // A partial file from an interrupted whole transfer is resumed instead.
    if ((await stat(dest).catch(() => undefined))?.size) return undefined;
    let basisPath: string | undefined;
    for (const k of await delta.earlierKeys()) if ((basisPath = await delta.localPath(k))) break;
    if (!basisPath) return undefined;
    const basis = basisPath;
    const stop = stopAware(throttle);
    let moved = 0;
    let total = 0;
    try {
      const r = await this.#with(async (conn) =>
        (await conn.deltaSupported())
          ? conn.deltaGet(formatKey(key), async (link) => {
              const got = await receiveDelta({ link, key, basisPath: basis, dest, ...(progress ? { progress } : {}), ...stop.throttle });
              moved = link.received + link.sent;
              total = got.size;
              return got.ok;
            })
          : 'absent',
      );
      if (r === 'ok') return { delta: { bytes: moved, total } };
      await rm(dest, { force: true });
      if (r === 'failed') delta.note(`delta of ${formatKey(key)} from ${this.name} did not verify; getting it whole`);
      return undefined;
    } catch (err) {
      await rm(dest, { force: true });
      if (stop.stopped) throw err;
      delta.note(`delta of ${formatKey(key)} from ${this.name} failed (${describeError(err)}); getting it whole`);
      return undefined;
    }
  }

  async store(key: Key, source: string, progress?: Progress, throttle?: Throttle, delta?: DeltaHints): Promise<void> {
    if (delta && this.#deltaPossible(key) && (await this.#deltaStore(key, source, delta, progress, throttle))) return;
    const size = key.size ?? (await stat(source)).size;
    const handle = await open(source, 'r');
    try {
      const result = await this.#with((conn) =>
        conn.put(formatKey(key), undefined, size, async function* (offset) {
          let pos = offset;
          progress?.(pos, size);
          while (pos < size) {
            const buf = Buffer.allocUnsafe(Math.min(SEND_CHUNK_BYTES, size - pos));
            const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
            if (bytesRead === 0) break;
            const chunk = buf.subarray(0, bytesRead);
            if (throttle) await throttle(chunk);
            pos += bytesRead;
            yield chunk;
            progress?.(pos, size);
          }
        }),
      );
      // The remote hashes what it received and refuses a mismatch (or could not store it).
      if (result === 'failed') {
        throw new ArborError('EVERIFY', `remote ${this.name} refused ${formatKey(key)}: what it received did not verify, or it could not store it`, { data: { key: formatKey(key), remote: this.name } });
      }
    } finally {
      await handle.close();
    }
  }

  async retrieve(key: Key, dest: string, progress?: Progress, throttle?: Throttle, delta?: DeltaHints): Promise<RetrieveInfo | void> {
    if (delta && this.#deltaPossible(key)) {
      const info = await this.#deltaRetrieve(key, dest, delta, progress, throttle);
      if (info) return info;
    }
    const { handle: out, have, hasher } = await openPartial(key, dest);
    // Written (thread pool) and hashed (here) side by side, synced in the background as it grows.
    const writer = hashingWriter(out, hasher, have);
    let good = false;
    let serverHad = true;
    try {
      let pos = have;
      progress?.(pos, key.size);
      good = await this.#with((conn) =>
        conn.get(
          formatKey(key),
          undefined,
          have,
          async (chunk) => {
            if (throttle) await throttle(chunk);
            await writer.write(chunk);
            pos += chunk.length;
            progress?.(pos, key.size);
          },
          async (serverSaysValid) => {
            // git-annex answers GET of a key it lacks with DATA 0 and INVALID.
            if (!serverSaysValid && pos === have) serverHad = false;
            await writer.finish();
            await out.sync();
            if (!serverSaysValid) return false;
            if (key.size !== undefined && pos !== key.size) return false;
            return digestMatches(key, hasher);
          },
        ),
      );
    } finally {
      await out.close();
    }
    if (!good && !serverHad) {
      // Nothing arrived: a partial file from an earlier transfer is kept for the next one.
      if (have === 0) await rm(dest, { force: true });
      throw new ArborError('ENOTPRESENT', `remote ${this.name} does not have ${formatKey(key)}`, { data: { remote: this.name } });
    }
    if (!good) {
      await rm(dest, { force: true });
      throw new VerificationError(formatKey(key), this.name);
    }
  }

  async remove(key: Key): Promise<void> {
    const removed = await this.#with((conn) => conn.remove(formatKey(key)));
    if (!removed) throw new ArborError('EDROPREFUSED', `remote ${this.name} could not drop ${formatKey(key)}`, { data: { remote: this.name } });
  }

  async lockContent<T>(key: Key, fn: () => Promise<T>): Promise<T> {
    const r = await this.#with((conn) => conn.withLockedContent(formatKey(key), fn));
    if (!r.locked) throw new ArborError('ENOTPRESENT', `remote ${this.name} does not have ${formatKey(key)}`);
    return r.value;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const wake of this.#waiting.splice(0)) wake();
    const links = [...this.#all];
    this.#idle.length = 0;
    await Promise.all(
      links.map(
        (l) =>
          new Promise<void>((resolve) => {
            if (l.child.exitCode !== null || l.child.signalCode !== null) return resolve();
            const timer = setTimeout(() => {
              l.child.kill();
              resolve();
            }, 5_000);
            l.child.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            l.conn.close();
          }),
      ),
    );
    this.#all.clear();
  }
}

/** Remotes whose URL is ssh:// or scp-like host:path. */
export const sshRemoteType: RemoteType = {
  typeName: 'ssh',
  handles: (config) => localPathOf(config.url, '/') === undefined && parseSshUrl(config.url) !== undefined,
  open: async (config, deps) => new SshRemote(config, parseSshUrl(config.url) as SshLocation, deps),
};
