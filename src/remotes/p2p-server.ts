// The server side of git-annex's P2P protocol over a pair of streams, as `git-annex-shell p2pstdio` speaks it: `git arbor serve`.

import { open, rm } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import type { Annex } from '../annex/annex.js';
import { formatKey, requireKey, type Key } from '../annex/key.js';
import { logKeyPresence } from '../annex/logs/location.js';
import { hashingWriter } from '../annex/pipelined-io.js';
import { digestMatches, openPartial } from '../annex/verified-copy.js';
import { ByteReader, StreamEndedError } from '../util/byte-reader.js';
import { ArborError } from '../util/errors.js';
import type { FcntlLock } from '../util/fcntl-lock.js';
import { formatP2PMessage, parseP2PMessage, REQUEST_TYPES, type P2PMessage } from './p2p-messages.js';
import { serveDeltaRequest } from './delta-server.js';
import { FrameLink } from './delta-exchange.js';
import { isReconcileLine } from './reconcile-messages.js';
import { ReconcileServer } from './reconcile-server.js';

/** The highest protocol version served (version 2 adds cluster messages git-annex-shell 10.2023 lacks too). */
export const SERVER_P2P_VERSION = 1;

/** Bytes per read when sending content. */
const SEND_CHUNK_BYTES = 1 << 20;

/** Options for serveP2P. */
export interface ServeP2POptions {
  readonly annex: Annex;
  readonly input: Readable;
  readonly output: Writable;
  /** Where git-annex-shell's own remarks go ("  Verification of content failed"). */
  readonly stderr: Writable;
  /** Waits for refs to change and returns their new shas (NOTIFYCHANGE); absent: not offered. */
  readonly waitRefChange?: () => Promise<readonly string[]>;
}

/**
 * Serves one conversation until the client closes its side or sends ERROR. Greets first with
 * AUTH-SUCCESS (ssh has authenticated the client). Answers exactly as git-annex-shell does, down
 * to its error lines, so a git-annex client cannot tell the two apart: a line that does not parse
 * gets `ERROR unknown command`, a message that is not a request `ERROR unexpected command`.
 * What it stores and removes is recorded in the location log of the git-annex branch, committed
 * when the conversation ends.
 */
export async function serveP2P(options: ServeP2POptions): Promise<void> {
  const session = new Session(options);
  try {
    await session.run();
  } finally {
    await session.finish();
  }
}

class Session {
  readonly #o: ServeP2POptions;
  readonly #in: ByteReader;
  #version = 0;
  /** Whether the location log changed (the branch is committed at the end). */
  #logged = false;
  /** Whether the client asked for arbor's delta extension (only arbor clients do). */
  readonly #delta = { value: false };
  /** Inventory reconciliation (arbor clients only): a summary of the store, kept current as content comes and goes. */
  readonly #reconcile: ReconcileServer;

  constructor(o: ServeP2POptions) {
    this.#o = o;
    this.#in = new ByteReader(o.input);
    this.#reconcile = new ReconcileServer(o.annex.store);
    o.output.on('error', () => undefined); // a client that went away shows as a closed input
  }

  async #send(data: string | Buffer): Promise<void> {
    const out = this.#o.output;
    if (!out.write(data)) await new Promise<void>((resolve) => {
      const done = (): void => {
        out.off('drain', done);
        out.off('close', done);
        resolve();
      };
      out.once('drain', done);
      out.once('close', done);
    });
  }

  #say(m: P2PMessage): Promise<void> {
    return this.#send(`${formatP2PMessage(m)}\n`);
  }

  /** The next line, or undefined when the client has closed its side. */
  async #line(): Promise<string | undefined> {
    try {
      return await this.#in.line();
    } catch (err) {
      if (err instanceof StreamEndedError) return undefined;
      throw err;
    }
  }

  async run(): Promise<void> {
    await this.#say({ type: 'AUTH-SUCCESS', uuid: this.#o.annex.uuid });
    for (;;) {
      const line = await this.#line();
      if (line === undefined) return;
      if (line.startsWith('ARBOR-')) {
        if (!(await this.#arbor(line))) return;
        continue;
      }
      const m = parseP2PMessage(line);
      if (!m) {
        await this.#say({ type: 'ERROR', message: 'unknown command' });
        continue;
      }
      if (!REQUEST_TYPES.has(m.type)) {
        await this.#say({ type: 'ERROR', message: 'unexpected command' });
        continue;
      }
      if (!(await this.#request(m))) return;
    }
  }

  /** An arbor-only request (delta transfers, inventory reconciliation); git-annex clients never send one. */
  async #arbor(line: string): Promise<boolean> {
    if (isReconcileLine(line)) {
      await this.#reconcile.handle(line, new FrameLink(this.#in, (d) => this.#send(d)), (l) => this.#send(`${l}\n`));
      return true;
    }
    return serveDeltaRequest(
      {
        annex: this.#o.annex,
        reader: this.#in,
        stderr: this.#o.stderr,
        send: (d) => this.#send(d),
        line: () => this.#line(),
        logPresent: (key) => this.#log(key, '1'),
      },
      line,
      this.#delta,
    );
  }

  /** Handles one request; false ends the conversation. */
  async #request(m: P2PMessage): Promise<boolean> {
    const store = this.#o.annex.store;
    switch (m.type) {
      case 'ERROR':
        return false;
      case 'VERSION':
        this.#version = Math.min(m.version, SERVER_P2P_VERSION);
        await this.#say({ type: 'VERSION', version: this.#version });
        return true;
      case 'CHECKPRESENT':
        await this.#say({ type: (await store.has(requireKey(m.key))) ? 'SUCCESS' : 'FAILURE' });
        return true;
      case 'LOCKCONTENT':
        return this.#lockContent(requireKey(m.key));
      case 'REMOVE':
        await this.#say({ type: (await this.#remove(requireKey(m.key))) ? 'SUCCESS' : 'FAILURE' });
        return true;
      case 'GET':
        return this.#get(requireKey(m.key), m.offset);
      case 'PUT':
        return this.#put(requireKey(m.key));
      case 'NOTIFYCHANGE': {
        if (!this.#o.waitRefChange) {
          await this.#say({ type: 'ERROR', message: 'change notification not available' });
          return true;
        }
        await this.#say({ type: 'CHANGED', refs: await this.#o.waitRefChange() });
        return true;
      }
      default:
        // CONNECT (git over the P2P protocol) is only used by git-annex's tor remotes.
        await this.#say({ type: 'ERROR', message: `${m.type} is not supported by this server` });
        return true;
    }
  }

  /** git-annex's content lock: a shared fcntl lock on `<object>.lck`, beside the object (annex v10). */
  async #lock(key: Key, mode: 'shared' | 'exclusive'): Promise<FcntlLock | undefined> {
    return this.#o.annex.store.tryContentLock(key, mode);
  }

  async #lockContent(key: Key): Promise<boolean> {
    const lock = await this.#lock(key, 'shared');
    // Checked again under the lock: a drop may have won the race for it.
    if (!lock || !(await this.#o.annex.store.has(key))) {
      await lock?.release();
      await this.#say({ type: 'FAILURE' });
      return true;
    }
    try {
      await this.#say({ type: 'SUCCESS' });
      // Held until the client says UNLOCKCONTENT or goes away.
      const next = await this.#line();
      return next !== undefined && parseP2PMessage(next)?.type === 'UNLOCKCONTENT';
    } finally {
      await lock.release();
    }
  }

  /** Removes the content unless someone holds its lock; true when it is gone (or was never here). */
  async #remove(key: Key): Promise<boolean> {
    const annex = this.#o.annex;
    if (!(await annex.store.has(key))) return true;
    const lock = await this.#lock(key, 'exclusive');
    if (!lock) return false;
    try {
      await annex.store.remove(key);
      await this.#log(key, '0');
      return true;
    } finally {
      await lock.release();
    }
  }

  async #log(key: Key, status: '0' | '1'): Promise<void> {
    const annex = this.#o.annex;
    if (status === '1') this.#reconcile.added(formatKey(key));
    else this.#reconcile.removed(formatKey(key));
    if (await logKeyPresence(annex.branch, { key, uuid: annex.uuid, status, now: annex.now() })) this.#logged = true;
  }

  async #get(key: Key, offset: number): Promise<boolean> {
    const path = await this.#o.annex.store.pathOf(key);
    const handle = path ? await open(path, 'r').catch(() => undefined) : undefined;
    if (!handle) {
      // As git-annex answers a GET of content it lacks: no bytes, and INVALID.
      await this.#say({ type: 'DATA', length: 0 });
      if (this.#version >= 1) await this.#say({ type: 'INVALID' });
    } else {
      try {
        const size = (await handle.stat()).size;
        const from = Math.min(offset, size);
        await this.#say({ type: 'DATA', length: size - from });
        // A fresh buffer per chunk: the output stream may hold on to it after write() returns.
        for (let pos = from; pos < size; ) {
          const buf = Buffer.allocUnsafe(Math.min(SEND_CHUNK_BYTES, size - pos));
          const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
          if (bytesRead === 0) throw new ArborError('ESHRUNK', `${formatKey(key)} shrank while it was being sent`);
          pos += bytesRead;
          await this.#send(buf.subarray(0, bytesRead));
        }
        if (this.#version >= 1) await this.#say({ type: 'VALID' });
      } finally {
        await handle.close();
      }
    }
    // The client's verdict: SUCCESS or FAILURE (it changes nothing here).
    const verdict = await this.#line();
    return verdict !== undefined;
  }

  async #put(key: Key): Promise<boolean> {
    const store = this.#o.annex.store;
    if (await store.has(key)) {
      await this.#say({ type: 'ALREADY-HAVE' });
      return true;
    }
    // A partial file from an interrupted PUT is resumed: the client sends only the rest.
    const tmp = store.tmpPathFor(key);
    await store.ensureTmpDir();
    const { handle, have, hasher } = await openPartial(key, tmp);
    let ok = false;
    try {
      await this.#say({ type: 'PUT-FROM', offset: have });
      const dataLine = await this.#line();
      const data = dataLine === undefined ? undefined : parseP2PMessage(dataLine);
      if (data === undefined) return false;
      if (data.type !== 'DATA') {
        // As git-annex-shell: the line is used up, the partial file kept, the conversation goes on.
        await this.#say({ type: 'ERROR', message: 'expected DATA' });
        return true;
      }
      // Written (thread pool) and hashed (here) side by side, synced in the background as it grows.
      const writer = hashingWriter(handle, hasher, have);
      await this.#in.bytes(data.length, (chunk) => writer.write(chunk));
      await writer.finish();
      const pos = writer.position;
      let valid = true;
      if (this.#version >= 1) {
        const v = await this.#line();
        if (v === undefined) return false;
        valid = parseP2PMessage(v)?.type === 'VALID';
      }
      ok = valid && (key.size === undefined || pos === key.size) && digestMatches(key, hasher);
      if (ok) await handle.sync();
    } finally {
      await handle.close();
    }
    if (!ok) {
      await rm(tmp, { force: true });
      this.#o.stderr.write('  Verification of content failed\n');
      await this.#say({ type: 'FAILURE' });
      return true;
    }
    await store.commitTemp(key, tmp);
    await this.#log(key, '1');
    await this.#say({ type: 'SUCCESS' });
    return true;
  }

  /** Commits what the location log gained (git-annex-shell leaves the same in the branch). */
  async finish(): Promise<void> {
    if (this.#logged) await this.#o.annex.branch.commit('update');
  }
}
