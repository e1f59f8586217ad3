// One reconciliation as request/answer messages: the client pulls coded symbols until its decoder finishes, then names the keys it lacks.

import { Decoder, type Difference } from './decoder.js';
import { ELEMENT_WORDS, checksumInto, elementOf, idHex } from './element.js';
import { ReconcileChangedError, ReconcileGarbageError, ReconcileLimitError, ReconcileUndecodableError, ReconcileWireError } from './errors.js';
import type { KeyIndex } from './key-index.js';
import type { KeySummary } from './summary.js';
import { decodeMessage, encodeMessage, type ReconcileMessage } from './wire.js';

/** The transport: sends one request message and returns the peer's answer (serve, a pipe, a test). */
export interface ReconcilePeer {
  /** Sends `request` (one encoded message) and resolves with the peer's one encoded answer. */
  exchange(request: Uint8Array): Promise<Uint8Array>;
}

/** Tuning of the client side. */
export interface ReconcileOptions {
  /** Give up (ReconcileUndecodableError) after this many symbols; default: the local capacity. */
  readonly maxSymbols?: number;
  /** Smallest batch of symbols asked for at once (default 16); later batches are 1/8 of those received, so overshoot stays under 12.5% plus this. */
  readonly minBatch?: number;
  /** Attempts when a set changes between batches (default 3), then ReconcileChangedError. */
  readonly attempts?: number;
  /** Keys the client already knows (e.g. every key in its git-annex branch): ids found here are not asked of the peer. */
  readonly known?: KeyIndex;
}

/** What one reconciliation found and what it cost on the wire. */
export interface ReconcileOutcome {
  /** Keys the local set has and the peer lacks (e.g. logged as present, but gone). */
  readonly localOnly: readonly string[];
  /** Keys the peer has and the local set lacks (each verified to hash to the id decoded). */
  readonly remoteOnly: readonly string[];
  /** Coded symbols received. */
  readonly symbols: number;
  /** Remote-only ids the peer had to name (not in `known`). */
  readonly askedKeys: number;
  /** Bytes of every request sent, all attempts included. */
  readonly bytesSent: number;
  /** Bytes of every answer received, all attempts included. */
  readonly bytesReceived: number;
  /** Requests made. */
  readonly roundTrips: number;
}

/**
 * Finds the difference between the local summary and the peer's key set. If either set changes
 * between two batches (its generation moves), it starts again, up to `attempts` times. Throws
 * ReconcileLimitError when the difference outgrows a summary, ReconcileUndecodableError after
 * `maxSymbols`, ReconcileWireError / ReconcileGarbageError on a peer that answers nonsense; in
 * every case the caller falls back to a plain listing and records nothing from this exchange.
 */
export async function reconcile(local: KeySummary, peer: ReconcilePeer, options: ReconcileOptions = {}): Promise<ReconcileOutcome> {
  const maxSymbols = Math.min(options.maxSymbols ?? local.capacity, local.capacity);
  const minBatch = options.minBatch ?? 16;
  const cost = { bytesSent: 0, bytesReceived: 0, roundTrips: 0 };
  const ask = async (m: ReconcileMessage): Promise<ReconcileMessage> => {
    const req = encodeMessage(m);
    cost.bytesSent += req.length;
    const answer = await peer.exchange(req);
    cost.bytesReceived += answer.length;
    cost.roundTrips++;
    return decodeMessage(answer);
  };
  let diff: Difference | undefined;
  for (let attempt = 1; diff === undefined; attempt++) {
    const got = await decodeOnce(local, ask, maxSymbols, minBatch);
    if (typeof got !== 'string') diff = got;
    else if (attempt >= (options.attempts ?? 3)) throw new ReconcileChangedError(got, attempt);
  }
  const remoteOnly: string[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < diff.remoteOnly.length; i++) {
    const key = options.known?.keyOf(diff.remoteOnlyWords, i * 4);
    if (key === undefined) unknown.push(i);
    else remoteOnly.push(key);
  }
  if (unknown.length > 0) {
    const ids = new Uint32Array(unknown.length * 4);
    unknown.forEach((i, j) => ids.set(diff.remoteOnlyWords.subarray(i * 4, i * 4 + 4), j * 4));
    const answer = await ask({ type: 'want-keys', ids });
    if (answer.type !== 'keys' || answer.keys.length !== unknown.length) throw new ReconcileGarbageError(`asked for ${unknown.length} keys, got ${describe(answer)}`);
    const el = new Uint32Array(ELEMENT_WORDS);
    answer.keys.forEach((key, j) => {
      const want = idHex(ids, j * 4);
      if (key === '') throw new ReconcileGarbageError(`the peer decoded as holding ${want} cannot name it (or the object left meanwhile)`);
      elementOf(key, el, 0);
      if (idHex(el, 0) !== want) throw new ReconcileGarbageError(`the peer named ${key} for ${want}, but it hashes to ${idHex(el, 0)}`);
      remoteOnly.push(key);
    });
  }
  return { localOnly: diff.localOnly, remoteOnly, symbols: diff.symbols, askedKeys: unknown.length, ...cost };
}

/**
 * Pulls symbols until the decoder finishes; names the side whose set changed between batches
 * instead (the symbols would then mix two sets: never decoded as if they were one).
 */
async function decodeOnce(local: KeySummary, ask: (m: ReconcileMessage) => Promise<ReconcileMessage>, maxSymbols: number, minBatch: number): Promise<Difference | 'here' | 'on the peer'> {
  const decoder = new Decoder(local);
  const localGeneration = local.generation;
  let peerGeneration: number | undefined;
  while (!decoder.decoded) {
    const start = decoder.symbols;
    if (start >= maxSymbols) {
      if (maxSymbols === local.capacity) throw new ReconcileLimitError(local.capacity, start + 1);
      throw new ReconcileUndecodableError(start, `gave up at the limit of ${maxSymbols} symbols`);
    }
    const count = Math.min(Math.max(minBatch, Math.floor(start / 8)), maxSymbols - start);
    const answer = await ask({ type: 'want-symbols', start, count });
    if (answer.type === 'limit') throw new ReconcileLimitError(answer.capacity, start + count);
    if (answer.type !== 'symbols' || answer.start !== start || answer.block.length !== count) {
      throw new ReconcileGarbageError(`asked for symbols ${start}..${start + count - 1}, got ${describe(answer)}`);
    }
    peerGeneration ??= answer.generation;
    if (local.generation !== localGeneration) return 'here';
    if (answer.generation !== peerGeneration) return 'on the peer';
    decoder.push(answer.block);
  }
  return decoder.result();
}

/**
 * The server side: answers one request from its incremental summary, in O(symbols asked) or
 * O(ids asked). Symbols past the capacity get a `limit` answer (the client lists instead).
 */
export function answerReconcile(summary: KeySummary, request: Uint8Array): Uint8Array {
  const m = decodeMessage(request);
  if (m.type === 'want-symbols') {
    if (m.start + m.count > summary.capacity) return encodeMessage({ type: 'limit', capacity: summary.capacity });
    return encodeMessage({ type: 'symbols', start: m.start, generation: summary.generation, block: summary.symbols(m.start, m.count) });
  }
  if (m.type === 'want-keys') {
    const keys: string[] = [];
    const probe = new Uint32Array(ELEMENT_WORDS);
    for (let i = 0; i < m.ids.length; i += 4) {
      probe.set(m.ids.subarray(i, i + 4));
      checksumInto(probe, 0);
      keys.push(summary.keyOf(probe, 0) ?? '');
    }
    return encodeMessage({ type: 'keys', keys });
  }
  throw new ReconcileWireError(`a '${m.type}' message is an answer, not a request`, 1);
}

function describe(m: ReconcileMessage): string {
  if (m.type === 'symbols') return `symbols ${m.start}..${m.start + m.block.length - 1}`;
  if (m.type === 'keys') return `${m.keys.length} keys`;
  return `a '${m.type}' message`;
}
