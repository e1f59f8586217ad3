// The `external` special remote's storage: a `git-annex-remote-<externaltype>` program spoken to in git-annex's protocol.
//
// Settings the program asks for (GETCONFIG) come from remote.log (with local git config); what it
// sets during INITREMOTE (SETCONFIG) goes to remote.log. Credentials (SETCREDS) never go to the
// git-annex branch: they are kept in `.git/annex/creds/<uuid>-<setting>` (mode 0600), where only
// this copy reads them. One program runs per remote and session, one request at a time.

import { chmod, copyFile, link, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Annex } from '../../annex/annex.js';
import { hashDirLower, hashDirMixed } from '../../annex/dir-hashes.js';
import type { Key } from '../../annex/key.js';
import { formatKey, keyToFileName, parseKey } from '../../annex/key.js';
import { remoteState, setRemoteState } from '../../annex/logs/remote-state.js';
import { ArborError } from '../../util/errors.js';
import type { Progress } from '../remote.js';
import { RemoteUnavailableError } from '../remote.js';
import { readNetworkLimits } from '../network-limits.js';
import { StalledError } from '../../util/byte-reader.js';
import { formatExternalMessage, type ExternalMessage } from './external-messages.js';
import { ExternalProcess, type ExternalHost } from './external-process.js';
import type { KeyStorage, SourceRange } from './key-storage.js';

/** Options for ExternalStorage. */
export interface ExternalStorageOptions {
  readonly name: string;
  readonly uuid: string;
  /** Settings as remote.log and git config give them; SETCONFIG changes this copy. */
  readonly settings: Map<string, string>;
  readonly annex: Annex;
}

/** The file holding one credential pair of a remote (never in the git-annex branch). */
function credsPath(annex: Annex, uuid: string, setting: string): string {
  return join(annex.annexDir, 'creds', `${uuid}-${setting.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
}

/** A special remote run by an external program. */
export class ExternalStorage implements KeyStorage {
  readonly #o: ExternalStorageOptions;
  readonly #program: string;
  /** Invariant: the running program, or undefined (none yet, or the last one failed and was stopped). */
  #process: Promise<ExternalProcess> | undefined;
  /** Requests are sent one at a time: the tail of the queue. */
  #queue: Promise<unknown> = Promise.resolve();
  #progress: ((bytes: number) => void) | undefined;
  /** Credentials set during INITREMOTE, written only once it succeeds. */
  readonly #pendingCreds = new Map<string, string>();

  constructor(options: ExternalStorageOptions) {
    this.#o = options;
    this.#program = `git-annex-remote-${options.settings.get('externaltype') ?? ''}`;
  }

  /** Answers the program's own requests. */
  readonly #host: ExternalHost = {
    progress: (bytes) => this.#progress?.(bytes),
    answer: async (m: ExternalMessage) => {
      const { annex, uuid, settings, name } = this.#o;
      const value = (v: string): string => formatExternalMessage('VALUE', v);
      const key = (): Key => {
        const k = parseKey(m.params[0] ?? '');
        if (!k) throw new ArborError('EEXTERNAL', `${this.#program} asked about ${JSON.stringify(m.params[0])}, which is not a key`);
        return k;
      };
      switch (m.command) {
        // The cipher of an encrypted remote is not the program's business: it only sees ciphertext.
        case 'GETCONFIG':
          return value(m.params[0] === 'cipher' ? '' : (settings.get(m.params[0] ?? '') ?? ''));
        case 'SETCONFIG':
          if (m.params[0] !== 'cipher') settings.set(m.params[0] ?? '', m.params[1] ?? '');
          return '';
        case 'GETUUID':
          return value(uuid);
        case 'GETGITDIR':
          return value(annex.git.repo.gitDir);
        case 'GETGITREMOTENAME':
          return value(name);
        case 'DIRHASH':
          return value(hashDirMixed(key()));
        case 'DIRHASH-LOWER':
          return value(hashDirLower(key()));
        case 'SETCREDS':
          this.#pendingCreds.set(m.params[0] ?? '', `${m.params[1] ?? ''}\n${m.params[2] ?? ''}\n`);
          return '';
        case 'GETCREDS': {
          const setting = m.params[0] ?? '';
          const text = this.#pendingCreds.get(setting) ?? (await readFile(credsPath(annex, uuid, setting), 'utf8').catch(() => '\n'));
          const [user = '', password = ''] = text.split('\n');
          return formatExternalMessage('CREDS', user, password);
        }
        case 'GETSTATE':
          return value(await remoteState(annex.branch, key(), uuid));
        case 'SETSTATE':
          await setRemoteState(annex.branch, { key: key(), uuid, value: m.params[1] ?? '', now: annex.now() });
          return '';
        case 'GETURLS':
          // arbor keeps no url logs yet: the list is empty (one empty VALUE ends it).
          return value('');
        case 'GETWANTED':
          return value('');
        case 'SETWANTED':
        case 'SETURLPRESENT':
        case 'SETURLMISSING':
        case 'SETURIPRESENT':
        case 'SETURIMISSING':
        case 'DEBUG':
        case 'INFO':
          return '';
        default:
          return undefined;
      }
    },
  };

  /** A program that stopped answering puts the remote out of reach for now (the assistant backs off from it). */
  #stalledIsUnavailable(err: unknown): unknown {
    return err instanceof StalledError ? new RemoteUnavailableError(this.#o.name, err.message) : err;
  }

  /** Runs `fn` with the program (started on first use), one request at a time; a failure stops the program. */
  async #use<T>(fn: (p: ExternalProcess) => Promise<T>, options: { prepare: boolean } = { prepare: true }): Promise<T> {
    const run = this.#queue.then(async () => {
      this.#process ??= this.#start(options.prepare);
      const started = this.#process;
      let p: ExternalProcess;
      try {
        p = await started;
      } catch (err) {
        this.#process = undefined;
        throw this.#stalledIsUnavailable(err);
      }
      try {
        return await fn(p);
      } catch (err) {
        if (this.#process === started) this.#process = undefined;
        p.stop();
        throw this.#stalledIsUnavailable(err);
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Starts the program and, unless it is for INITREMOTE, sends PREPARE (each fresh program is prepared). */
  async #start(prepare: boolean): Promise<ExternalProcess> {
    const { stallMs } = await readNetworkLimits(this.#o.annex.git);
    const stall = { ms: stallMs, clock: this.#o.annex.deps.clock };
    const p = await ExternalProcess.start({ program: this.#program, cwd: this.#o.annex.workTree ?? this.#o.annex.git.repo.gitDir, host: this.#host, stall });
    if (!prepare) return p;
    try {
      const failure = await p.request('PREPARE', this.#host, (m) => (m.command === 'PREPARE-SUCCESS' ? '' : m.command === 'PREPARE-FAILURE' ? (m.params[0] ?? '') || 'failed' : undefined));
      if (failure !== '') throw new RemoteUnavailableError(this.#o.name, `${this.#program}: ${failure}`);
      await this.#learnCostAndAvailability(p);
      return p;
    } catch (err) {
      p.stop();
      throw err;
    }
  }

  /**
   * Asks a program that has not been asked before its cost (GETCOST) and availability
   * (GETAVAILABILITY), and keeps the answers in git config as git-annex does
   * (`remote.<name>.annex-cost` as `75.0`, `remote.<name>.annex-availability` as
   * `GloballyAvailable` / `LocallyAvailable` / `Unavailable`), so later runs and git-annex read
   * them without starting it. A configured cost is never replaced; UNSUPPORTED-REQUEST leaves the
   * default (200, +50 when encrypted).
   */
  async #learnCostAndAvailability(p: ExternalProcess): Promise<void> {
    const git = this.#o.annex.git;
    const prefix = `remote.${this.#o.name}`;
    const ask = (request: string, answer: string): Promise<string | undefined> =>
      p.request(request, this.#host, (m) => (m.command === answer ? (m.params[0] ?? '') : m.command === 'UNSUPPORTED-REQUEST' || m.command === 'ERROR' ? null : undefined)).then((v) => v ?? undefined);
    if ((await git.configGet(`${prefix}.annex-cost`)) === undefined) {
      const cost = Number(await ask('GETCOST', 'COST'));
      if (Number.isFinite(cost) && cost > 0) await git.configSet(`${prefix}.annex-cost`, Number.isInteger(cost) ? `${cost}.0` : String(cost));
    }
    if ((await git.configGet(`${prefix}.annex-availability`)) === undefined) {
      const availability = { GLOBAL: 'GloballyAvailable', LOCAL: 'LocallyAvailable', UNAVAILABLE: 'Unavailable' }[(await ask('GETAVAILABILITY', 'AVAILABILITY')) ?? ''];
      if (availability) await git.configSet(`${prefix}.annex-availability`, availability);
    }
  }

  /** INITREMOTE: the program's one-time setup (initremote and enableremote run it); writes the credentials it set. */
  async initRemote(): Promise<void> {
    await this.#use(async (p) => {
      const failure = await p.request('INITREMOTE', this.#host, (m) => (m.command === 'INITREMOTE-SUCCESS' ? '' : m.command === 'INITREMOTE-FAILURE' ? (m.params[0] ?? '') || 'failed' : undefined));
      if (failure !== '') throw new ArborError('EINITREMOTE', `${this.#program}: ${failure}`);
    }, { prepare: false });
    await this.close();
    for (const [setting, text] of this.#pendingCreds) {
      const path = credsPath(this.#o.annex, this.#o.uuid, setting);
      await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
      await writeFile(path, text, { mode: 0o600 });
      await chmod(path, 0o600);
    }
    this.#pendingCreds.clear();
  }

  async prepare(): Promise<void> {
    await this.#use(async () => undefined);
  }

  async #transfer(direction: 'STORE' | 'RETRIEVE', key: Key, file: string, progress?: Progress): Promise<void> {
    const k = formatKey(key);
    await this.#use(async (p) => {
      this.#progress = progress ? (n) => progress(n, key.size) : undefined;
      try {
        const failure = await p.request(formatExternalMessage('TRANSFER', direction, k, file), this.#host, (m) => {
          if (m.command === 'TRANSFER-SUCCESS' && m.params[0] === direction && m.params[1] === k) return '';
          if (m.command === 'TRANSFER-FAILURE' && m.params[0] === direction && m.params[1] === k) return (m.params[2] ?? '') || 'failed';
          return undefined;
        }, { boundOnceProgressing: true });
        if (failure !== '') throw new ArborError('ETRANSFER', `remote ${this.#o.name}: ${direction === 'STORE' ? 'storing' : 'retrieving'} ${k} failed: ${failure}`);
      } finally {
        this.#progress = undefined;
      }
    });
  }

  async store(key: Key, source: SourceRange, progress?: Progress): Promise<void> {
    // The file handed over is named after the key, as git-annex names it: some programs (Debian's
    // git-annex-remote-rclone) store it under its own file name.
    const keyFile = keyToFileName(formatKey(key));
    const whole = source.offset === 0 && (await stat(source.path)).size === source.length;
    if (whole && basename(source.path) === keyFile) return this.#transfer('STORE', key, source.path, progress);
    const dir = join(this.#o.annex.annexDir, 'tmp', `external-${randomBytes(6).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    const piece = join(dir, keyFile);
    try {
      if (whole) await link(source.path, piece).catch(() => copyFile(source.path, piece));
      else {
        // A chunk is cut out of the object (the protocol sends whole files).
        const from = await open(source.path, 'r');
        try {
          const buf = Buffer.alloc(source.length);
          const { bytesRead } = await from.read(buf, 0, source.length, source.offset);
          if (bytesRead !== source.length) throw new ArborError('ESHORTREAD', `${source.path} ended early`);
          await writeFile(piece, buf);
        } finally {
          await from.close();
        }
      }
      await this.#transfer('STORE', key, piece, progress);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async retrieve(key: Key, dest: string, progress?: Progress): Promise<void> {
    await this.#transfer('RETRIEVE', key, dest, progress);
  }

  async checkPresent(key: Key): Promise<boolean> {
    const k = formatKey(key);
    const answer = await this.#use((p) =>
      p.request(formatExternalMessage('CHECKPRESENT', k), this.#host, (m) => {
        if (m.params[0] !== k) return undefined;
        if (m.command === 'CHECKPRESENT-SUCCESS') return { present: true };
        if (m.command === 'CHECKPRESENT-FAILURE') return { present: false };
        if (m.command === 'CHECKPRESENT-UNKNOWN') return { unknown: m.params[1] ?? '' };
        return undefined;
      }),
    );
    if ('unknown' in answer) throw new RemoteUnavailableError(this.#o.name, `cannot tell whether it has ${k}: ${answer.unknown}`);
    return answer.present;
  }

  async remove(key: Key): Promise<void> {
    const k = formatKey(key);
    const failure = await this.#use((p) =>
      p.request(formatExternalMessage('REMOVE', k), this.#host, (m) => (m.params[0] !== k ? undefined : m.command === 'REMOVE-SUCCESS' ? '' : m.command === 'REMOVE-FAILURE' ? (m.params[1] ?? '') || 'failed' : undefined)),
    );
    if (failure !== '') throw new ArborError('EREMOVE', `remote ${this.#o.name}: removing ${k} failed: ${failure}`);
  }

  async close(): Promise<void> {
    const p = this.#process;
    this.#process = undefined;
    if (p) (await p.catch(() => undefined))?.stop();
  }
}
