// The client side of git-annex's P2P protocol (line serialization, version 1), as git-annex-shell p2pstdio speaks it.

import type { Readable, Writable } from 'node:stream';
import { ArborError } from '../util/errors.js';
import { ByteReader, type StallBound } from '../util/byte-reader.js';
import { formatP2PMessage, protocolFileName } from './p2p-messages.js';
import { FrameLink } from './delta-exchange.js';
import { DELTA_VERSION, formatDeltaRequest } from './delta-messages.js';
import { RECONCILE_HELLO, RECONCILE_REQUEST } from './reconcile-messages.js';

/** Largest reconciliation answer accepted: a batch of symbols (27 bytes each) far beyond any summary's capacity. */
const MAX_RECONCILE_ANSWER = 64 << 20;

export { protocolFileName } from './p2p-messages.js';

/** The protocol version arbor speaks: 1 adds VALID/INVALID after DATA (doc/design/p2p_protocol.mdwn). */
export const P2P_VERSION = 1;

/** The peer said something the protocol does not allow at that point, or sent ERROR. */
export class P2PProtocolError extends ArborError {
  /** The conversation can go on (the server answered ERROR to one request). */
  readonly recoverable: boolean;

  constructor(peer: string, message: string, recoverable = false) {
    super('EP2P', `${peer}: ${message}`, { data: { peer } });
    this.recoverable = recoverable;
  }
}

/** Where PUT gets its bytes from: the content from `offset` on, in order. */
export type ContentSource = (offset: number) => AsyncIterable<Buffer>;

/** What GET does with the bytes: each chunk, in order, from the offset asked for. */
export type ContentSink = (chunk: Buffer) => void | Promise<void>;

/**
 * One P2P protocol conversation with a peer, over its stdio. Requests run one at a time, in the
 * order they are made (the protocol is sequential); `request` serialises them.
 */
export class P2PConnection {
  readonly peer: string;
  /** The server's annex uuid, from AUTH-SUCCESS. */
  readonly uuid: string;
  readonly version: number;
  readonly #reader: ByteReader;
  readonly #out: Writable;
  #queue: Promise<unknown> = Promise.resolve();
  #broken = false;
  /** Whether the server speaks arbor's delta extension (undefined: not asked yet). */
  #delta: boolean | undefined;
  /** Whether the server reconciles inventories (undefined: not asked yet). */
  #reconcile: boolean | undefined;

  private constructor(peer: string, uuid: string, version: number, reader: ByteReader, out: Writable) {
    this.peer = peer;
    this.uuid = uuid;
    this.version = version;
    this.#reader = reader;
    this.#out = out;
  }

  /**
   * Starts the conversation: the server's AUTH-SUCCESS (git-annex-shell authenticates through
   * ssh, so it greets first), then version negotiation.
   */
  static async open(peer: string, input: Readable, output: Writable, stall?: StallBound): Promise<P2PConnection> {
    const reader = new ByteReader(input, stall);
    output.on('error', () => undefined); // a dead peer shows as a closed input
    const greeting = await reader.line();
    // An annex that was never initialised greets with an empty uuid.
    const auth = /^AUTH-SUCCESS ?(\S*)$/.exec(greeting);
    if (!auth || auth[1] === undefined) throw unexpected(peer, 'AUTH-SUCCESS', greeting);
    output.write(`VERSION ${P2P_VERSION}\n`);
    const answer = await reader.line();
    const v = /^VERSION (\d+)$/.exec(answer);
    if (!v?.[1]) throw unexpected(peer, 'VERSION', answer);
    return new P2PConnection(peer, auth[1], Math.min(Number(v[1]), P2P_VERSION), reader, output);
  }

  /** Whether the conversation can go on (false after a failure in the middle of a DATA run, or a closed peer). */
  get usable(): boolean {
    return !this.#broken;
  }

  /** Runs `fn` after every earlier request has finished; a failure that may have left the stream mid-message ends the conversation. */
  #request<T>(fn: () => Promise<T>): Promise<T> {
    const guarded = async (): Promise<T> => {
      if (this.#broken) throw new P2PProtocolError(this.peer, 'the connection was lost');
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof P2PProtocolError && err.recoverable)) this.#abandon();
        throw err;
      }
    };
    const run = this.#queue.then(guarded, guarded);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #abandon(): void {
    this.#broken = true;
    this.#out.destroy();
  }

  #send(line: string): void {
    this.#out.write(`${line}\n`);
  }

  async #reply(): Promise<string> {
    const line = await this.#reader.line();
    // After ERROR the server waits for the next request.
    if (line.startsWith('ERROR')) throw new P2PProtocolError(this.peer, line.slice(6) || 'error', true);
    return line;
  }

  async #successOrFailure(what: string): Promise<boolean> {
    const line = await this.#reply();
    if (line === 'SUCCESS') return true;
    if (line === 'FAILURE') return false;
    throw unexpected(this.peer, `SUCCESS or FAILURE to ${what}`, line);
  }

  /** Whether the server has the key's content now. */
  checkPresent(key: string): Promise<boolean> {
    return this.#request(async () => {
      this.#send(formatP2PMessage({ type: 'CHECKPRESENT', key }));
      return this.#successOrFailure('CHECKPRESENT');
    });
  }

  /**
   * Locks the content on the server (it cannot be dropped there) while `fn` runs; false, with
   * `fn` not run, when the server does not have it. git-annex ends any other conversation that
   * tries to drop it meanwhile. Nothing else can use the connection meanwhile.
   */
  async withLockedContent<T>(key: string, fn: () => Promise<T>): Promise<{ locked: true; value: T } | { locked: false }> {
    // `fn`'s own failure leaves the conversation sound: it is passed on after the unlock.
    let failure: { err: unknown } | undefined;
    const result = await this.#request(async (): Promise<{ locked: true; value: T } | { locked: false }> => {
      this.#send(formatP2PMessage({ type: 'LOCKCONTENT', key }));
      if (!(await this.#successOrFailure('LOCKCONTENT'))) return { locked: false };
      try {
        return { locked: true, value: await fn() };
      } catch (err) {
        failure = { err };
        return { locked: false };
      } finally {
        // git-annex parses UNLOCKCONTENT without an argument (the design doc shows one).
        this.#send('UNLOCKCONTENT');
      }
    });
    if (failure) throw failure.err;
    return result;
  }

  /** Asks the server to drop its copy; true when it did (or never had it). */
  remove(key: string): Promise<boolean> {
    return this.#request(async () => {
      this.#send(formatP2PMessage({ type: 'REMOVE', key }));
      return this.#successOrFailure('REMOVE');
    });
  }

  /**
   * Sends content: 'already' when the server has it, else the bytes from the offset the server
   * asks for (resuming its partial file), and the server's verdict once it has verified them.
   */
  put(key: string, file: string | undefined, size: number, source: ContentSource): Promise<'already' | 'stored' | 'failed'> {
    return this.#request(async () => {
      this.#send(formatP2PMessage({ type: 'PUT', file: protocolFileName(file), key }));
      const answer = await this.#reply();
      if (answer === 'ALREADY-HAVE') return 'already';
      const from = /^PUT-FROM (\d+)$/.exec(answer);
      if (!from?.[1]) throw unexpected(this.peer, 'PUT-FROM or ALREADY-HAVE', answer);
      const offset = Number(from[1]);
      if (offset > size) throw new P2PProtocolError(this.peer, `asked to resume at ${offset}, past the end (${size})`);
      this.#send(formatP2PMessage({ type: 'DATA', length: size - offset }));
      let sent = 0;
      for await (const chunk of source(offset)) {
        if (sent + chunk.length > size - offset) throw new P2PProtocolError(this.peer, 'the content grew while it was being sent');
        sent += chunk.length;
        if (!this.#out.write(chunk)) await waitDrain(this.peer, this.#out, this.#reader);
      }
      if (sent !== size - offset) {
        // The protocol has no way to take back a DATA promise: the connection must end.
        throw new P2PProtocolError(this.peer, `the content shrank while it was being sent (${sent} of ${size - offset} bytes)`);
      }
      if (this.version >= 1) this.#send('VALID');
      return (await this.#successOrFailure('PUT')) ? 'stored' : 'failed';
    });
  }

  /**
   * Fetches content from byte `offset` on: `sink` gets every byte in order. `verify` then judges
   * the whole (it sees the server's VALID/INVALID) and its answer goes back to the server.
   * Returns what `verify` said.
   */
  get(key: string, file: string | undefined, offset: number, sink: ContentSink, verify: (serverSaysValid: boolean) => Promise<boolean>): Promise<boolean> {
    return this.#request(async () => {
      this.#send(formatP2PMessage({ type: 'GET', offset, file: protocolFileName(file), key }));
      const answer = await this.#reply();
      const data = /^DATA (\d+)$/.exec(answer);
      if (!data?.[1]) throw unexpected(this.peer, 'DATA', answer);
      await this.#reader.bytes(Number(data[1]), sink);
      let valid = true;
      if (this.version >= 1) {
        const v = await this.#reply();
        if (v !== 'VALID' && v !== 'INVALID') throw unexpected(this.peer, 'VALID or INVALID', v);
        valid = v === 'VALID';
      }
      let ok = false;
      try {
        ok = await verify(valid);
      } finally {
        this.#send(ok ? 'SUCCESS' : 'FAILURE');
      }
      return ok;
    });
  }

  /** A frame link over this conversation (for the delta exchange, inside a request). */
  #frames(): FrameLink {
    return new FrameLink(this.#reader, async (data) => {
      if (!this.#out.write(data)) await waitDrain(this.peer, this.#out, this.#reader);
    });
  }

  /**
   * Whether the server speaks arbor's delta extension: asked once per conversation with
   * `ARBOR-DELTA 1`. Only `git arbor serve` answers it; git-annex-shell says `ERROR unknown
   * command` and goes on, so asking changes nothing there (arbor asks only hosts it knows run serve).
   */
  deltaSupported(): Promise<boolean> {
    if (this.#delta !== undefined) return Promise.resolve(this.#delta);
    return this.#request(async () => {
      this.#send(formatDeltaRequest({ type: 'ARBOR-DELTA', version: DELTA_VERSION }));
      const line = await this.#reader.line();
      this.#delta = line === `ARBOR-DELTA ${DELTA_VERSION}`;
      return this.#delta;
    });
  }

  /**
   * Gets `key` as a delta: `receive` runs the receiver's side and says whether the rebuilt object
   * verified (the server is told SUCCESS or FAILURE). 'absent' when the server lacks the key.
   */
  deltaGet(key: string, receive: (link: FrameLink) => Promise<boolean>): Promise<'absent' | 'ok' | 'failed'> {
    return this.#request(async () => {
      this.#send(formatDeltaRequest({ type: 'ARBOR-DGET', key }));
      const answer = await this.#reply();
      if (answer === 'FAILURE') return 'absent';
      if (answer !== 'SUCCESS') throw unexpected(this.peer, 'SUCCESS or FAILURE to ARBOR-DGET', answer);
      let ok = false;
      try {
        ok = await receive(this.#frames());
      } finally {
        this.#send(ok ? 'SUCCESS' : 'FAILURE');
      }
      return ok ? 'ok' : 'failed';
    });
  }

  /**
   * Sends `key` as a delta against whichever of `candidates` (keys the file had before) the
   * server holds: `send` runs the sender's side. 'no-basis' when it holds none of them.
   */
  deltaPut(key: string, candidates: readonly string[], send: (link: FrameLink) => Promise<void>): Promise<'already' | 'no-basis' | 'stored' | 'failed'> {
    return this.#request(async () => {
      this.#send(formatDeltaRequest({ type: 'ARBOR-DPUT', key, candidates }));
      const answer = await this.#reply();
      if (answer === 'ALREADY-HAVE') return 'already';
      if (answer === 'FAILURE') return 'no-basis';
      if (!answer.startsWith('ARBOR-BASIS ')) throw unexpected(this.peer, 'ARBOR-BASIS, ALREADY-HAVE or FAILURE', answer);
      await send(this.#frames());
      return (await this.#successOrFailure('ARBOR-DPUT')) ? 'stored' : 'failed';
    });
  }

  /**
   * Whether the server reconciles inventories (`ARBOR-RECONCILE 1`): asked once per conversation.
   * Only `git arbor serve` answers it; git-annex-shell says `ERROR unknown command` and goes on.
   */
  reconcileSupported(): Promise<boolean> {
    if (this.#reconcile !== undefined) return Promise.resolve(this.#reconcile);
    return this.#request(async () => {
      this.#send(RECONCILE_HELLO);
      const line = await this.#reader.line();
      this.#reconcile = line === RECONCILE_HELLO;
      return this.#reconcile;
    });
  }

  /** One reconciliation request and its answer (docs/design/reconcile.md); an ERROR answer is a recoverable P2PProtocolError. */
  reconcileExchange(request: Uint8Array): Promise<Uint8Array> {
    return this.#request(async () => {
      this.#send(RECONCILE_REQUEST);
      const link = this.#frames();
      await link.send(Buffer.from(request.buffer, request.byteOffset, request.byteLength));
      const line = await this.#reply();
      const m = /^DATA (\d+)$/.exec(line);
      if (!m) throw unexpected(this.peer, 'DATA to ARBOR-RX', line);
      const n = Number(m[1]);
      if (n > MAX_RECONCILE_ANSWER) throw unexpected(this.peer, 'a reconciliation answer', `DATA ${n}`);
      const parts: Buffer[] = [];
      await this.#reader.bytes(n, (c) => void parts.push(c));
      return Buffer.concat(parts);
    });
  }

  /** Ends the conversation (the server exits when its input closes). */
  close(): void {
    this.#broken = true;
    this.#out.end();
  }
}

function unexpected(peer: string, wanted: string, got: string): P2PProtocolError {
  return new P2PProtocolError(peer, got.startsWith('ERROR') ? got.slice(6) || 'error' : `expected ${wanted}, got ${JSON.stringify(got.slice(0, 80))}`);
}

/** Waits for the output to drain; a peer that dies meanwhile ends the wait with the reader's failure. */
function waitDrain(peer: string, out: Writable, reader: ByteReader): Promise<void> {
  let stop = (): void => undefined;
  const drained = new Promise<void>((resolve, reject) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', closed);
      resolve();
    };
    const closed = (): void => {
      out.off('drain', done);
      reject(new P2PProtocolError(peer, `connection closed while sending${reader.failure ? `: ${String(reader.failure)}` : ''}`));
    };
    out.once('drain', done);
    out.once('close', closed);
    stop = () => {
      out.off('drain', done);
      out.off('close', closed);
    };
  });
  // A peer that takes nothing for the stall time is as stalled as one that sends nothing.
  return reader.bounded(drained, 'the peer to take more data').finally(stop);
}
